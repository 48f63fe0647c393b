#include "host/chains/ChainDirectoryLoader.h"

#include "host/chains/ChainFileParser.h"

#include <algorithm>
#include <map>
#include <utility>

namespace orderhost::chains {

namespace {

bool isChainFile(const std::filesystem::directory_entry& entry) {
    std::error_code ec;
    if (!entry.is_regular_file(ec)) return false;
    const std::string extension = entry.path().extension().string();
    return extension == ".yaml" || extension == ".yml";
}

// Directory order is unspecified; sorting makes "which file is the duplicate" stable.
std::vector<std::filesystem::path> chainFiles(const std::filesystem::path& directory, std::error_code& ec) {
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec))
        if (isChainFile(*it)) files.push_back(it->path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

ChainDirectoryResult loadChainDirectory(const std::filesystem::path& directory) {
    ChainDirectoryResult result;
    std::error_code ec;
    const std::vector<std::filesystem::path> files = chainFiles(directory, ec);
    if (ec) {
        result.errors.push_back({{directory.string(), 0, 0}, "cannot list the chain folder: " + ec.message()});
        return result;
    }
    std::map<std::pair<std::string, int>, SourceLocation> defined;
    for (const std::filesystem::path& file : files) {
        ChainParseResult parsed = parseChainFile(file);
        result.errors.insert(result.errors.end(), parsed.errors.begin(), parsed.errors.end());
        if (!parsed.ok()) continue;
        ChainDefinition& chain = *parsed.chain;
        const auto [first, isNew] = defined.emplace(std::make_pair(chain.name, chain.version), chain.location);
        if (!isNew) {
            result.errors.push_back({chain.location, "chain \"" + chain.name + "\" version " +
                                                         std::to_string(chain.version) + " is already defined in " +
                                                         first->second.toString()});
            continue;
        }
        result.chains.push_back(std::move(chain));
    }
    return result;
}

}  // namespace orderhost::chains

// Loads every chain file (*.yaml, *.yml) of one folder, in file-name order, collecting the
// chains that parsed and every error of every file, plus an error for each (name, version)
// defined by two files.
//
//   ChainDirectoryResult loaded = loadChainDirectory("config/chains");
//   for (const ChainError& e : loaded.errors) std::cerr << e.toString() << "\n";
//   engine::buildChains(loaded.chains, registry, clock);  // binds them to plugins, by version
#pragma once

#include "host/chains/ChainDefinition.h"

#include <filesystem>
#include <vector>

namespace orderhost::chains {

struct ChainDirectoryResult {
    std::vector<ChainDefinition> chains;  // each (name, version) at most once
    std::vector<ChainError> errors;       // all files' errors, in file order
    bool ok() const { return errors.empty(); }
};

// Sub-folders and other files are ignored. A folder that cannot be listed is one error.
ChainDirectoryResult loadChainDirectory(const std::filesystem::path& directory);

}  // namespace orderhost::chains

#include "host/app/PluginScaffold.h"

#include <Poco/Util/Application.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace orderhost::app {
namespace {
namespace fs = std::filesystem;
using Poco::Util::Application;

// The names the templates use (sdk/template, sdk/template-c), longest first.
constexpr const char* kTemplateId = "com.example.order-tagging";
constexpr const char* kTemplatePrefix = "example_order_tagging_";
constexpr const char* kTemplateShort = "order-tagging";
constexpr const char* kTemplateSnake = "order_tagging";
constexpr const char* kTemplateCamel = "OrderTagging";

// A short name: lower-case words of letters and digits joined by single '-', a letter first.
const std::regex& shortNamePattern() {
    static const std::regex pattern("[a-z][a-z0-9]*(-[a-z0-9]+)*");
    return pattern;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

std::string renamed(std::string text, const PluginNames& names) {
    text = replaceAll(std::move(text), kTemplateId, names.id);
    text = replaceAll(std::move(text), kTemplatePrefix, names.tablePrefix);
    text = replaceAll(std::move(text), kTemplateShort, names.shortName);
    text = replaceAll(std::move(text), kTemplateSnake, names.snakeName);
    return replaceAll(std::move(text), kTemplateCamel, names.camelName);
}

fs::path runningBinary() {
    std::error_code ignored;
    return fs::read_symlink("/proc/self/exe", ignored);
}

std::string readFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) throw std::runtime_error("cannot read " + file.string());
    return text.str();
}

}  // namespace

std::optional<PluginNames> pluginNamesFor(const std::string& name, std::string& error) {
    const std::string hint =
        "use a plugin id such as com.acme.fraud-check, or a short name such as fraud-check "
        "(lower-case letters and digits, words joined by single '-', a letter first)";
    std::vector<std::string> labels;
    std::stringstream parts(name);
    for (std::string label; std::getline(parts, label, '.');) labels.push_back(label);
    if (name.empty() || name.size() > 100 || name.back() == '.' || labels.empty()) {
        error = "plugin name '" + name + "' is empty, too long (over 100 characters) or ends with '.': " + hint;
        return std::nullopt;
    }
    for (const std::string& label : labels) {
        if (!std::regex_match(label, shortNamePattern())) {
            error = "plugin name '" + name + "': '" + label + "' is not valid: " + hint;
            return std::nullopt;
        }
    }
    if (labels.size() == 2) {
        error = "plugin id '" + name + "' needs at least three parts (vendor domain and plugin: com.acme.fraud-check)";
        return std::nullopt;
    }
    PluginNames names;
    names.shortName = labels.back();
    names.id = labels.size() == 1 ? "com.example." + name : name;
    names.snakeName = replaceAll(names.shortName, "-", "_");
    bool upper = true;
    for (char c : names.shortName) {
        if (c == '-') {
            upper = true;
            continue;
        }
        names.camelName.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
        upper = false;
    }
    names.tablePrefix = replaceAll(names.id.substr(names.id.find('.') + 1), ".", "_");
    names.tablePrefix = replaceAll(names.tablePrefix, "-", "_") + "_";
    return names;
}

std::string findPluginTemplate(const std::string& lang) {
    std::vector<fs::path> candidates;
    if (const char* override = std::getenv("ORDERHOST_SDK_TEMPLATES"); override && *override)
        candidates.push_back(fs::path(override) / lang);
    const fs::path binary = runningBinary();
    if (!binary.empty())
        candidates.push_back(binary.parent_path().parent_path() / "share/orderhost-sdk/templates" / lang);
    candidates.push_back(fs::path(ORDERHOST_SOURCE_SDK_DIR) / (lang == "c" ? "template-c" : "template"));
    for (const fs::path& candidate : candidates) {
        std::error_code ignored;
        if (fs::is_regular_file(candidate / "CMakeLists.txt", ignored)) return candidate.lexically_normal().string();
    }
    return "";
}

void writePluginProject(const std::string& templateDir, const std::string& destination, const PluginNames& names) {
    fs::create_directories(destination);
    for (const auto& entry : fs::recursive_directory_iterator(templateDir)) {
        const fs::path relative = fs::relative(entry.path(), templateDir);
        if (*relative.begin() == "build") continue;  // a template someone built in place
        const fs::path target = fs::path(destination) / renamed(relative.string(), names);
        if (entry.is_directory()) {
            fs::create_directories(target);
        } else if (entry.is_regular_file()) {
            std::ofstream out(target, std::ios::binary | std::ios::trunc);
            out << renamed(readFile(entry.path()), names);
            if (!out) throw std::runtime_error("cannot write " + target.string());
        }
    }
}

int newPlugin(const std::vector<std::string>& args, const std::string& lang, const std::string& dir) {
    if (args.size() != 1) {
        std::cerr << "usage: orderhost plugin new NAME [--lang c|cxx] [--dir DIR]\n";
        return Application::EXIT_USAGE;
    }
    const std::string language = lang.empty() ? "cxx" : lang;
    if (language != "c" && language != "cxx") {
        std::cerr << "--lang must be c or cxx, not '" << lang << "'\n";
        return Application::EXIT_USAGE;
    }
    std::string error;
    const std::optional<PluginNames> names = pluginNamesFor(args[0], error);
    if (!names) {
        std::cerr << error << "\n";
        return Application::EXIT_DATAERR;
    }
    const std::string templateDir = findPluginTemplate(language);
    if (templateDir.empty()) {
        std::cerr << "no " << language << " plugin template found: install the SDK (apt install orderhost-dev, or "
                  << "cmake --install next to this orderhost), or set ORDERHOST_SDK_TEMPLATES to its "
                     "share/orderhost-sdk/templates folder\n";
        return Application::EXIT_CONFIG;
    }
    const fs::path destination = dir.empty() ? fs::path(names->shortName) : fs::path(dir);
    std::error_code ignored;
    if (fs::exists(destination, ignored) && !fs::is_empty(destination, ignored)) {
        std::cerr << "cannot create " << destination.string() << ": it exists and is not empty\n";
        return Application::EXIT_CANTCREAT;
    }
    try {
        writePluginProject(templateDir, destination.string(), *names);
    } catch (const std::exception& e) {
        std::cerr << "cannot create " << destination.string() << ": " << e.what() << "\n";
        return Application::EXIT_CANTCREAT;
    }
    const std::string d = destination.string();
    // Installed templates sit in <prefix>/share/orderhost-sdk: that prefix is the SDK's.
    const fs::path prefix = runningBinary().parent_path().parent_path();
    const bool installed = templateDir.rfind((prefix / "share/orderhost-sdk").string(), 0) == 0;
    std::cout << "created " << d << "/ from " << templateDir << "\n"
              << "  plugin id:  " << names->id << "\n"
              << "  step kind:  " << names->shortName << " (" << d << "/build/" << names->shortName << ".so)\n"
              << "  tables:     prefix them with " << names->tablePrefix << "\n"
              << "build and test it against the installed SDK:\n"
              << "  cmake -S " << d << " -B " << d
              << "/build -DCMAKE_PREFIX_PATH=" << (installed ? prefix.string() : "<SDK install prefix>") << "\n"
              << "  cmake --build " << d << "/build\n"
              << "  ctest --test-dir " << d << "/build --output-on-failure\n";
    return Application::EXIT_OK;
}

}  // namespace orderhost::app

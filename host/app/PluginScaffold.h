// `orderhost plugin new NAME [--lang c|cxx] [--dir DIR]`: makes a plugin project from the
// SDK's templates — a folder that builds out of tree against the installed SDK and passes its
// test-kit test at once.
//
// NAME is a plugin id ("com.acme.fraud-check") or a short name ("fraud-check", which becomes
// the id com.example.fraud-check). The short name (the id's last label) names the folder, the
// .so and the step kind; its snake_case and CamelCase forms name the files, functions and class.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace orderhost::app {

// The names a plugin project gets from NAME.
struct PluginNames {
    std::string id;           // com.acme.fraud-check
    std::string shortName;    // fraud-check: folder, target (.so), step kind
    std::string snakeName;    // fraud_check: file names, C identifiers, CMake project
    std::string camelName;    // FraudCheck: the C++ class (FraudCheckStep)
    std::string tablePrefix;  // acme_fraud_check_: the plugin's tables
};

// The names for NAME, or std::nullopt with `error` saying what is wrong with it.
std::optional<PluginNames> pluginNamesFor(const std::string& name, std::string& error);

// The template folder for `lang` ("c" or "cxx"): $ORDERHOST_SDK_TEMPLATES/<lang> when set,
// else <prefix>/share/orderhost-sdk/templates/<lang> next to the running binary (installed),
// else the source tree's sdk/template or sdk/template-c (a build tree). Empty when none exists.
std::string findPluginTemplate(const std::string& lang);

// Copies `templateDir` to `destination` renaming the template's names (in paths and text).
// Throws std::runtime_error naming the file on I/O errors.
void writePluginProject(const std::string& templateDir, const std::string& destination, const PluginNames& names);

// The command: validates, writes, prints what was made and the next commands. Exit codes as
// in Commands.h (0 ok, 64 usage, 65 bad NAME, 73 cannot create, 78 no templates).
int newPlugin(const std::vector<std::string>& args, const std::string& lang, const std::string& dir);

}  // namespace orderhost::app

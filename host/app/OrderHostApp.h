// The `orderhost` command: the server, and the offline tools administrators run beside it.
//
//   orderhost [--config FILE] [serve]          run the server until SIGTERM/SIGINT
//   orderhost plugins inspect [--json] FILE... show what plugin files declare, without serving
//   orderhost chains validate [--config F] FILE...  check chain files (plugins too, with --config)
//   orderhost db migrate --config FILE          apply schema migrations to the configured database
//   orderhost config show --config FILE [-D k=v]...  the effective settings and where each came from
// Settings are layered (ConfigLayers.h): FILE, conf.d/*.properties, ORDERHOST_* variables, -D.
//   orderhost plugin new NAME [--lang c|cxx] [--dir DIR]  a plugin project from the SDK's templates
// and the commands that talk to a running host's API (host/cli/HostCommands.h):
//   orderhost orders list|show|retry|release|hold|cancel ..., chains list, plugins list
#pragma once

#include "host/app/ConfigLayers.h"
#include "host/app/HostSettings.h"
#include "host/app/KeyCommands.h"
#include "host/cli/HostCommands.h"

#include <Poco/Util/ServerApplication.h>

#include <string>
#include <vector>

namespace orderhost::app {

class OrderHostApp : public Poco::Util::ServerApplication {
protected:
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    int main(const std::vector<std::string>& args) override;

private:
    int serve();
    ConfigLayers loadLayers();  // throws SettingsError
    // Throws SettingsError; `tlsFiles`: see readHostSettings (serve needs them loaded).
    HostSettings loadSettings(bool tlsFiles = false);
    void printHelp() const;
    // --url/--token, else the config's http.address/http.port/api.token (and ORDERHOST_API_TOKEN).
    cli::HostTarget hostTarget();  // throws SettingsError

    std::string configFile_;
    std::vector<std::string> defines_;  // -D key=value, in command-line order
    bool helpRequested_ = false;
    bool jsonOutput_ = false;
    std::string pluginLang_;      // plugin new --lang
    std::string pluginDir_;       // plugin new --dir
    KeyOptions keyOptions_;       // keys create: --name, --role, --chains
    cli::CliOptions cliOptions_;  // orders/chains list/plugins list: --url, --token, --state, ...
};

}  // namespace orderhost::app

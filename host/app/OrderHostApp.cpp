#include "host/app/OrderHostApp.h"

#include "host/app/Commands.h"
#include "host/app/ConfigLayers.h"
#include "host/app/HostRuntime.h"
#include "host/app/KeyCommands.h"
#include "host/app/PluginScaffold.h"
#include "host/app/StopSignals.h"
#include "host/logging/LogSetup.h"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

namespace orderhost::app {
using Poco::Util::Option;

void OrderHostApp::defineOptions(Poco::Util::OptionSet& options) {
    ServerApplication::defineOptions(options);
    options.addOption(Option("help", "h", "print this help and exit").required(false).repeatable(false));
    options.addOption(Option("config", "c", "host configuration file (properties format)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(
        Option("define", "D", "override a setting: -D key=value (repeatable; over the files and the environment)")
            .required(false)
            .repeatable(true)
            .argument("KEY=VALUE"));
    options.addOption(Option("json", "j", "plugins inspect, orders, chains/plugins list: one JSON object per line")
                          .required(false)
                          .repeatable(false));
    options.addOption(Option("lang", "l", "plugin new: the template's language, c or cxx (default cxx)")
                          .required(false)
                          .repeatable(false)
                          .argument("LANG"));
    options.addOption(Option("dir", "d", "plugin new: the folder to create (default: the plugin's short name)")
                          .required(false)
                          .repeatable(false)
                          .argument("DIR"));
    options.addOption(Option("name", "", "keys create: who or what holds the key")
                          .required(false)
                          .repeatable(false)
                          .argument("NAME"));
    options.addOption(Option("role", "", "keys create: the key's roles, erp, viewer, admin (comma-separated)")
                          .required(false)
                          .repeatable(false)
                          .argument("ROLES"));
    options.addOption(Option("chains", "", "keys create: limit the key to these chains (comma-separated)")
                          .required(false)
                          .repeatable(false)
                          .argument("LIST"));
    cli::defineHostCommandOptions(options);
}

void OrderHostApp::handleOption(const std::string& name, const std::string& value) {
    ServerApplication::handleOption(name, value);
    if (name == "help") {
        helpRequested_ = true;
        stopOptionsProcessing();
    } else if (name == "config") {
        configFile_ = value;
    } else if (name == "define") {
        defines_.push_back(value);
    } else if (name == "json") {
        jsonOutput_ = true;
    } else if (name == "lang") {
        pluginLang_ = value;
    } else if (name == "dir") {
        pluginDir_ = value;
    } else if (name == "name") {
        keyOptions_.name = value;
    } else if (name == "role") {
        keyOptions_.roles = value;
    } else if (name == "chains") {
        keyOptions_.chains = value;
        keyOptions_.chainsGiven = true;
    } else if (cli::isHostCommandOption(name)) {
        cliOptions_.values[name] = value;
    }
}

void OrderHostApp::printHelp() const {
    Poco::Util::HelpFormatter help(options());
    help.setCommand(commandName());
    help.setUsage(
        "[--config FILE] [serve]\n"
        "       plugins inspect [--config FILE] [--json] PLUGIN.so...\n"
        "       plugins pin [--config FILE] FOLDER|PLUGIN.so...\n"
        "       chains validate [--config FILE] CHAIN.yaml...\n"
        "       db migrate --config FILE\n"
        "       config show --config FILE [-D key=value]...\n"
        "       keys create --config FILE --name NAME --role erp|viewer|admin[,...] [--chains A,B]\n"
        "       keys list --config FILE [--json]    keys revoke --config FILE KEY_ID\n"
        "       plugin new NAME [--lang c|cxx] [--dir DIR]\n"
        "  against a running host ([--url URL] [--token TOKEN] | [--config FILE]):\n"
        "       orders list [--state S] [--customer C] [--chain X] [--limit N] [--page-size N] [--json]\n"
        "       orders show ID | --ref ORDER_REF [--json]\n"
        "       orders retry|release ID [--note TEXT]    orders cancel ID [--reason TEXT]\n"
        "       chains list [--json]    plugins list [--json]    reload\n"
        "  exit codes: 0 ok, 64 usage (and orders hold: the API cannot hold an order), 65 refused by the\n"
        "  host (4xx), 69 host unreachable, 75 try again (503/429), 76 unexpected reply, 77 token refused,\n"
        "  78 bad configuration");
    help.setHeader("orderhost runs customer orders through chains of plugin steps.");
    help.format(std::cout);
}

int OrderHostApp::main(const std::vector<std::string>& args) {
    if (helpRequested_) {
        printHelp();
        return EXIT_OK;
    }
    const std::vector<std::string> rest(args.size() > 2 ? args.begin() + 2 : args.end(), args.end());
    const auto command = [&](const char* a, const char* b) { return args.size() >= 2 && args[0] == a && args[1] == b; };
    try {
        // With --config, its plugins.check_permissions applies (the host's own view).
        const auto checkPermissions = [&] { return configFile_.empty() || loadSettings().pluginCheckPermissions; };
        if (command("plugins", "inspect")) return inspectPlugins(rest, jsonOutput_, checkPermissions());
        if (command("plugins", "pin")) return pinPlugins(rest, checkPermissions());
        if (command("plugin", "new")) return newPlugin(rest, pluginLang_, pluginDir_);
        if (command("db", "migrate") && rest.empty()) {
            if (configFile_.empty()) {
                std::cerr << "usage: orderhost db migrate --config FILE\n";
                return EXIT_USAGE;
            }
            return migrateDatabase(loadSettings());
        }
        if (command("config", "show") && rest.empty()) {
            if (configFile_.empty()) {
                std::cerr << "usage: orderhost config show --config FILE [-D key=value]...\n";
                return EXIT_USAGE;
            }
            const ConfigLayers layers = loadLayers();
            readHostSettings(layers.mainFile(), *layers.configuration());  // the same checks as serve
            std::cout << describeSettings(layers);
            return EXIT_OK;
        }
        if (!args.empty() && args[0] == "keys") {
            if (configFile_.empty()) {
                std::cerr << "usage: orderhost keys create|list|revoke --config FILE (see --help)\n";
                return EXIT_USAGE;
            }
            KeyOptions options = keyOptions_;
            options.json = jsonOutput_;
            return runKeyCommand(std::vector<std::string>(args.begin() + 1, args.end()), options, loadSettings());
        }
        if (command("chains", "validate")) {
            if (configFile_.empty()) return validateChains(rest, std::nullopt);
            return validateChains(rest, loadSettings());
        }
        if (cli::isHostCommand(args)) {
            cli::CliOptions options = cliOptions_;
            options.json = jsonOutput_;
            return cli::runHostCommand(args, options, hostTarget());
        }
        if (args.empty() || (args.size() == 1 && args[0] == "serve")) return serve();
    } catch (const SettingsError& e) {
        std::cerr << "configuration error: " << e.what() << "\n";
        return EXIT_CONFIG;
    }
    std::cerr << "unknown command '";
    for (std::size_t i = 0; i < args.size(); ++i) std::cerr << (i ? " " : "") << args[i];
    std::cerr << "' (see --help)\n";
    return EXIT_USAGE;
}

ConfigLayers OrderHostApp::loadLayers() {
    return ConfigLayers::load(configFile_, ConfigLayers::processEnvironment(), defines_);
}

HostSettings OrderHostApp::loadSettings(bool tlsFiles) {
    const ConfigLayers layers = loadLayers();
    return readHostSettings(layers.mainFile(), *layers.configuration(), tlsFiles);
}

cli::HostTarget OrderHostApp::hostTarget() {
    cli::HostTarget target;
    if (!configFile_.empty()) {
        // The raw keys, not readHostSettings: a CLI on an admin's machine need not see the database.
        const auto config = loadLayers().configuration();
        std::string address = config->getString("http.address", "127.0.0.1");
        if (address.empty() || address == "0.0.0.0") address = "127.0.0.1";  // listening everywhere: ask loopback
        if (address == "::") address = "::1";
        if (address.find(':') != std::string::npos) address = "[" + address + "]";
        const bool tls = !config->getString("api.tls.certificate", "").empty();
        target.url = (tls ? "https://" : "http://") + address + ":" + config->getString("http.port", "8080");
        target.token = config->getString("api.token", "");  // ORDERHOST_API_TOKEN is layered over it
    } else if (const char* token = std::getenv("ORDERHOST_API_TOKEN")) {
        target.token = token;
    }
    if (const auto url = cliOptions_.value("url")) target.url = *url;
    if (const auto token = cliOptions_.value("token")) target.token = *token;
    target.caFile = cliOptions_.value("cacert").value_or("");
    target.certificate = cliOptions_.value("cert").value_or("");
    target.key = cliOptions_.value("key").value_or("");
    return target;
}

int OrderHostApp::serve() {
    if (configFile_.empty()) {
        std::cerr << "orderhost: --config FILE is required to serve (see config/orderhost.properties)\n";
        return EXIT_USAGE;
    }
    // Before any thread starts (the log's flush thread is one): a stop signal must reach the
    // start's checks (HostRuntime::openDatabase) or, once serving, waitForStopSignal, never a
    // thread that leaves it unblocked and dies of it.
    blockStopSignals();
    const HostSettings settings = loadSettings(true);
    try {
        // --daemon leaves no stdout (Poco points it at /dev/null): log.file, or else syslog.
        const bool daemon = config().getBool("application.runAsDaemon", false);
        logging::LogSettings log;
        log.format = settings.logFormat;
        log.file = settings.logFile;
        log.syslog = daemon && settings.logFile.empty();
        log.maxSizeMb = static_cast<std::size_t>(settings.logMaxSizeMb);
        log.maxFiles = static_cast<std::size_t>(settings.logMaxFiles);
        log.level = settings.logLevel;
        logging::configure(log);
    } catch (const std::exception& e) {
        std::cerr << "configuration error: log.file " << settings.logFile << ": " << e.what() << "\n";
        return EXIT_CONFIG;
    }
    HostRuntime runtime(settings);
    try {
        runtime.start();
    } catch (const StopRequestedWhileStarting& e) {
        spdlog::info("{}: not started", e.what());
        return EXIT_OK;
    } catch (const SettingsError& e) {  // found only once the socket is bound (no key beyond loopback)
        spdlog::critical("cannot start: {}", e.what());
        return EXIT_CONFIG;
    } catch (const Poco::Exception& e) {
        spdlog::critical("cannot start: {}", e.displayText());  // what() alone says "Net Exception"
        return EXIT_UNAVAILABLE;
    } catch (const std::exception& e) {
        spdlog::critical("cannot start: {}", e.what());
        return EXIT_UNAVAILABLE;
    }
    waitForStopSignal([&runtime] {
        try {
            runtime.reload("SIGHUP");  // logs what changed, or why nothing did
        } catch (const std::exception& e) {
            spdlog::error("reload on SIGHUP failed: {}", e.what());
        }
    });
    exitIfStoppingTakesLonger(std::chrono::seconds(settings.shutdownTimeoutSeconds));
    const std::size_t abandoned = runtime.stop();
    spdlog::info("stopped");
    if (abandoned > 0) {
        // Threads are still inside plugin calls that use the runtime's chains and plugins:
        // destroying those under them would be a use after free. Nothing is left to save (every
        // checkpoint is committed), so the process ends here, without destructors.
        spdlog::shutdown();
        std::_Exit(EXIT_OK);
    }
    return EXIT_OK;
}

}  // namespace orderhost::app

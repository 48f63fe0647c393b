#include "host/app/KeyCommands.h"

#include "host/api/ApiKeys.h"
#include "host/cli/TextTable.h"
#include "host/store/ApiKeyStore.h"
#include "host/store/Clock.h"
#include "host/store/Database.h"
#include "host/store/StoreError.h"

#include <Poco/JSON/Object.h>
#include <Poco/Util/Application.h>

#include <iostream>

namespace orderhost::app {
namespace {
using Poco::Util::Application;

using store::nowMs;

int usage(const std::string& why) {
    std::cerr << "orderhost keys: " << why << "\n"
              << "usage: orderhost keys create --config FILE --name NAME --role erp|viewer|admin[,...] [--chains A,B]\n"
              << "       orderhost keys list --config FILE [--json]\n"
              << "       orderhost keys revoke --config FILE KEY_ID\n";
    return Application::EXIT_USAGE;
}

int create(store::ApiKeyStore& keys, const KeyOptions& options) {
    if (options.name.empty()) return usage("create needs --name (who or what holds the key)");
    if (options.roles.empty()) return usage("create needs --role (erp, viewer, admin; several with commas)");
    if (options.chainsGiven && options.chains.find_first_not_of(" \t,") == std::string::npos)
        return usage("--chains names no chain (leave it out for a key that may use every chain)");
    api::NewApiKey key;
    try {
        key = api::makeApiKey(options.name, options.roles, options.chains, nowMs());
    } catch (const std::invalid_argument& e) {
        std::cerr << "orderhost keys create: " << e.what() << "\n";
        return Application::EXIT_DATAERR;
    }
    keys.insert(key.record);
    // The key alone on stdout, for `KEY=$(orderhost keys create ...)`; the rest on stderr.
    std::cout << key.token << "\n";
    std::cerr << "API key " << key.record.id << " (" << key.record.name << ") created with roles " << key.record.roles
              << (key.record.chains.empty() ? "" : ", limited to chains " + key.record.chains)
              << ". It is shown only now: the host keeps only its hash.\n";
    return Application::EXIT_OK;
}

int list(store::ApiKeyStore& keys, bool json) {
    const auto all = keys.list();
    if (json) {
        for (const auto& key : all) {
            Poco::JSON::Object line;
            line.set("id", key.id);
            line.set("name", key.name);
            line.set("roles", key.roles);
            line.set("chains", key.chains);
            line.set("created_at_ms", key.createdAtMs);
            if (key.revokedAtMs != 0) line.set("revoked_at_ms", key.revokedAtMs);
            line.stringify(std::cout);
            std::cout << "\n";
        }
        return Application::EXIT_OK;
    }
    cli::TextTable table({"ID", "NAME", "ROLES", "CHAINS", "CREATED", "REVOKED"});
    for (const auto& key : all) {
        table.add({key.id, cli::oneLine(key.name), key.roles, key.chains.empty() ? "*" : key.chains,
                   cli::formatTime(key.createdAtMs), key.revokedAtMs == 0 ? "-" : cli::formatTime(key.revokedAtMs)});
    }
    table.print(std::cout);
    return Application::EXIT_OK;
}

int revoke(store::ApiKeyStore& keys, const std::string& id) {
    if (!keys.revoke(id, nowMs())) {
        std::cerr << "orderhost keys revoke: no active key has the id '" << cli::oneLine(id.substr(0, 40))
                  << "' (see orderhost keys list)\n";
        return Application::EXIT_DATAERR;
    }
    std::cerr << "API key " << id << " revoked: every host refuses it within 2 seconds\n";
    return Application::EXIT_OK;
}

}  // namespace

int runKeyCommand(const std::vector<std::string>& args, const KeyOptions& options, const HostSettings& settings) {
    if (args.empty()) return usage("which keys command?");
    const std::string& command = args[0];
    if (command != "create" && command != "list" && command != "revoke")
        return usage("unknown command '" + command + "'");
    if ((command == "revoke") != (args.size() == 2) || args.size() > 2)
        return usage(command == "revoke" ? "revoke takes one KEY_ID" : command + " takes no arguments");
    try {
        store::Database database(settings.databaseConnection, store::DatabaseOptions{});
        store::ApiKeyStore keys(database);
        if (command == "create") return create(keys, options);
        if (command == "list") return list(keys, options.json);
        return revoke(keys, args[1]);
    } catch (const store::SchemaTooNewError& e) {
        std::cerr << e.what() << "\n";
        return Application::EXIT_DATAERR;
    } catch (const store::StoreError& e) {
        std::cerr << e.what() << "\n";
        return Application::EXIT_UNAVAILABLE;
    }
}

}  // namespace orderhost::app

#include "host/cli/HostCommands.h"

#include "host/cli/OrderCommands.h"
#include "host/cli/OrderDisplay.h"

#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Util/Application.h>
#include <Poco/Util/Option.h>

#include <iostream>

namespace orderhost::cli {
namespace {
using Poco::Util::Application;

struct OptionSpec {
    const char* name;
    const char* argument;
    const char* description;
};

const OptionSpec kOptions[] = {
    {"url", "URL",
     "orders/chains list/plugins list: the host's API (default: http.address and http.port of --config, "
     "https when it sets api.tls.certificate; else http://127.0.0.1:8080)"},
    {"cacert", "FILE", "https: the CAs (PEM) the host's certificate must chain to (default: the system's)"},
    {"cert", "FILE", "https: a client certificate (PEM), when the host requires one (api.tls.client_ca)"},
    {"key", "FILE", "https: the client certificate's private key (PEM)"},
    {"token", "TOKEN", "the host's api.token (default: ORDERHOST_API_TOKEN, else api.token of --config)"},
    {"state", "STATE", "orders list: only orders in this state (on_hold, failed, ...)"},
    {"customer", "ID", "orders list: only this customer's orders"},
    {"chain", "NAME", "orders list: only orders on this chain"},
    {"limit", "N", "orders list: at most N orders (default: every match)"},
    {"page-size", "N", "orders list: orders per request, 1 to 500 (default 100)"},
    {"ref", "ORDER_REF", "orders show: find the order by the ERP's reference"},
    {"reason", "TEXT", "orders cancel: why (stored with the cancellation)"},
    {"note", "TEXT", "orders retry/release: a note stored with the action"},
    {"data", "JSON", "orders retry: a JSON object for the step (the manual action's data)"},
    {"retire-all", nullptr, "reload: also when no chain would be left for new orders (an emptied chains folder)"},
};

const char* const kUsage =
    "usage: orderhost orders list [--state S] [--customer C] [--chain X] [--limit N] [--page-size N] [--json]\n"
    "       orderhost orders show ID | --ref ORDER_REF [--json]\n"
    "       orderhost orders retry ID [--note TEXT] [--data JSON]\n"
    "       orderhost orders release ID [--note TEXT]\n"
    "       orderhost orders cancel ID [--reason TEXT]\n"
    "       orderhost chains list [--json] | plugins list [--json]\n"
    "       orderhost reload [--retire-all]   (chains and plugins, as SIGHUP does)\n"
    "       each with [--url URL] [--token TOKEN] or [--config FILE]; https: [--cacert FILE] [--cert FILE --key "
    "FILE]\n";

// GET `path` and print it: a table, or with --json each member of `listName` on a line.
int printListing(const HostConnection& host, const std::string& path, const std::string& listName,
                 const CliOptions& options, void (*printTable)(std::ostream&, const Poco::JSON::Object&)) {
    const HostReply reply = host.get(path);
    if (!reply.ok()) return reportProblem(reply);
    Poco::JSON::Object::Ptr listing;
    try {
        Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
        listing = parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw BadReply("the host's reply to GET " + path + " is not a JSON object: " + e.displayText());
    }
    if (options.json) {
        const auto items = listing->getArray(listName);
        for (std::size_t i = 0; items && i < items->size(); ++i) {
            Poco::JSON::Stringifier::condense(items->get(static_cast<unsigned>(i)), std::cout);
            std::cout << "\n";
        }
    } else {
        printTable(std::cout, *listing);
    }
    // What the host refused to load is a problem the administrator must see, also with --json.
    for (const char* problems : {"errors", "refused"}) {
        const auto list = listing->getArray(problems);
        for (std::size_t i = 0; list && i < list->size(); ++i) {
            const auto item = list->get(static_cast<unsigned>(i));
            if (item.type() == typeid(Poco::JSON::Object::Ptr)) {
                const auto refusal = item.extract<Poco::JSON::Object::Ptr>();
                std::cerr << "refused: " << refusal->optValue<std::string>("file", "") << ": "
                          << refusal->optValue<std::string>("reason", "") << "\n";
            } else {
                std::cerr << "error: " << item.toString() << "\n";
            }
        }
    }
    return Application::EXIT_OK;
}

// POST /v1/admin/reload: what changed on stdout, or every problem that refused it on stderr.
int reload(const HostConnection& host, const CliOptions& options) {
    const HostReply reply =
        host.post(options.value("retire-all") ? "/v1/admin/reload?retire_all=true" : "/v1/admin/reload", "");
    if (!reply.ok()) return reportProblem(reply);
    if (options.json) {
        std::cout << reply.body << "\n";
        return Application::EXIT_OK;
    }
    try {
        const auto report = Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
        const auto chains = report->getObject("chains");
        for (const char* what : {"added", "kept", "retired", "dropped"}) {
            const auto list = chains ? chains->getArray(what) : nullptr;
            std::string names;
            for (std::size_t i = 0; list && i < list->size(); ++i)
                names += (names.empty() ? "" : ", ") + list->getElement<std::string>(static_cast<unsigned>(i));
            std::cout << "chains " << what << ": " << (names.empty() ? "none" : names) << "\n";
        }
        const auto plugins = report->getObject("plugins") ? report->getObject("plugins")->getArray("loaded") : nullptr;
        for (std::size_t i = 0; plugins && i < plugins->size(); ++i)
            std::cout << "plugin build loaded: " << plugins->getElement<std::string>(static_cast<unsigned>(i)) << "\n";
        // Left out as before (a file refused at start and left as it was): did not refuse the reload.
        const auto still = report->getArray("still_refused");
        for (std::size_t i = 0; still && i < still->size(); ++i) {
            const auto problem = still->getObject(static_cast<unsigned>(i));
            std::cerr << "still refused: " << problem->optValue<std::string>("field", "") << ": "
                      << problem->optValue<std::string>("message", "") << "\n";
        }
    } catch (const Poco::Exception& e) {
        throw BadReply("the host's reply to POST /v1/admin/reload is not a reload report: " + e.displayText());
    }
    return Application::EXIT_OK;
}

int runOrdersCommand(const HostConnection& host, const std::string& verb, const CliOptions& options,
                     const std::vector<std::string>& rest) {
    if (verb == "list") return listOrders(host, options, rest);
    if (verb == "show") return showOrder(host, options, rest);
    if (verb == "retry" || verb == "release" || verb == "hold" || verb == "cancel") {
        return actOnOrder(host, verb, options, rest);
    }
    throw UsageError("unknown command 'orders " + verb + "'");
}

}  // namespace

std::optional<std::string> CliOptions::value(const std::string& name) const {
    const auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
}

void defineHostCommandOptions(Poco::Util::OptionSet& options) {
    for (const auto& spec : kOptions) {
        Poco::Util::Option option(spec.name, "", spec.description);
        option.required(false).repeatable(false);
        if (spec.argument != nullptr) option.argument(spec.argument);  // else a flag
        options.addOption(option);
    }
}

bool isHostCommandOption(const std::string& name) {
    for (const auto& spec : kOptions) {
        if (name == spec.name) return true;
    }
    return false;
}

bool isHostCommand(const std::vector<std::string>& args) {
    if (!args.empty() && (args[0] == "orders" || args[0] == "reload")) return true;
    return args.size() >= 2 && (args[0] == "chains" || args[0] == "plugins") && args[1] == "list";
}

int runHostCommand(const std::vector<std::string>& args, const CliOptions& options, const HostTarget& target) {
    try {
        if (args[0] == "reload") {
            if (args.size() > 1) throw UsageError("reload takes no arguments");
            return reload(HostConnection(target), options);
        }
        if (args.size() < 2) throw UsageError("which orders command?");
        const std::vector<std::string> rest(args.begin() + 2, args.end());
        const HostConnection host(target);
        if (args[0] == "orders") return runOrdersCommand(host, args[1], options, rest);
        if (!rest.empty()) throw UsageError(args[0] + " list takes no arguments");
        if (args[0] == "chains") return printListing(host, "/v1/chains", "chains", options, printChains);
        return printListing(host, "/v1/plugins", "plugins", options, printPlugins);
    } catch (const UsageError& e) {
        std::cerr << "orderhost: " << e.what() << "\n" << kUsage;
        return Application::EXIT_USAGE;
    } catch (const HostUnreachable& e) {
        std::cerr << "orderhost: " << e.what() << "\n";
        return Application::EXIT_UNAVAILABLE;
    } catch (const BadReply& e) {
        std::cerr << "orderhost: " << e.what() << "\n";
        return Application::EXIT_PROTOCOL;
    }
}

}  // namespace orderhost::cli

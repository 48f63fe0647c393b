#include "host/cli/OrderCommands.h"

#include "host/cli/OrderDisplay.h"

#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Util/Application.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace orderhost::cli {
namespace {
using Poco::Util::Application;

constexpr long long kDefaultPageSize = 100;
constexpr long long kMaxPageSize = 500;  // the host's limit for GET /v1/orders

long long countOption(const CliOptions& options, const std::string& name, long long fallback, long long max) {
    const auto given = options.value(name);
    if (!given) return fallback;
    try {
        std::size_t used = 0;
        const long long value = std::stoll(*given, &used);
        if (used == given->size() && value >= 1 && value <= max) return value;
    } catch (const std::exception&) {
    }
    throw UsageError("--" + name + " must be a whole number from 1 to " + std::to_string(max) + ", got '" + *given +
                     "'");
}

std::string stringify(const Poco::JSON::Object& object) {
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(object, out);
    return out.str();
}

// Keeps the host's member order, so --json prints the objects as the host sent them.
Poco::JSON::Object::Ptr parseKeepingOrder(const HostReply& reply) {
    try {
        Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
        return parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
        throw BadReply("the host's reply is not a JSON object: " + e.displayText());
    }
}

// "listed 300 orders (page 3)…" on stderr while paging; on a terminal one line rewritten.
class PagingProgress {
public:
    void report(long long listed, int pages) {
        shown_ = true;
        std::cerr << (terminal_ ? "\r" : "") << "orderhost: " << listed << " orders listed (" << pages
                  << (pages == 1 ? " page" : " pages") << "), reading on…" << (terminal_ ? "" : "\n") << std::flush;
    }
    void finish(long long listed, int pages) {
        if (shown_ && terminal_) std::cerr << "\r\033[K";
        if (pages > 1) std::cerr << "orderhost: " << listed << " orders in " << pages << " pages\n";
    }

private:
    bool terminal_ = ::isatty(STDERR_FILENO) != 0;
    bool shown_ = false;
};

std::string onlyArgument(const std::vector<std::string>& arguments, const std::string& usage) {
    if (arguments.size() != 1 || arguments[0].empty()) throw UsageError("usage: " + usage);
    return arguments[0];
}

Poco::JSON::Object noteBody(const CliOptions& options) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    if (const auto note = options.value("note")) body.set("note", *note);
    return body;
}

// Prints the order the host answered with; exit code of the request.
int reportOutcome(const HostReply& reply, const CliOptions& options) {
    if (!reply.ok()) return reportProblem(reply);
    if (options.json) {
        std::cout << stringify(*parseKeepingOrder(reply)) << "\n";
    } else {
        std::cout << orderStatusLine(*reply.json()) << "\n";
    }
    return Application::EXIT_OK;
}

int manualAction(const HostConnection& host, const std::string& id, const std::string& action,
                 const CliOptions& options) {
    Poco::JSON::Object body = noteBody(options);
    body.set("action", action);
    if (const auto data = options.value("data")) {  // checked here: a typo is not sent to the host
        Poco::JSON::Object::Ptr object;
        try {
            object = Poco::JSON::Parser().parse(*data).extract<Poco::JSON::Object::Ptr>();
        } catch (const std::exception&) {  // Poco's parse and cast errors too
        }
        if (!object) throw UsageError("--data must be a JSON object, got '" + data->substr(0, 80) + "'");
        body.set("data", object);
    }
    return reportOutcome(host.post("/v1/orders/" + encodeComponent(id) + "/signals/manual_action", stringify(body)),
                         options);
}

// Sends the signal a held order waits for, when an administrator may give it.
int release(const HostConnection& host, const std::string& id, const CliOptions& options) {
    const HostReply current = host.get("/v1/orders/" + encodeComponent(id));
    if (!current.ok()) return reportProblem(current);
    const auto order = current.json();
    const std::string state = order->optValue<std::string>("state", "");
    const std::string signal = order->optValue<std::string>("awaiting_signal", "");
    if (state != "on_hold") {
        std::cerr << "orderhost: order " << id << " is " << state << ", not on_hold: there is nothing to release\n";
        return Application::EXIT_DATAERR;
    }
    if (signal == "manual_action") return manualAction(host, id, "retry", options);
    if (signal != "credit_approval") {
        std::cerr << "orderhost: order " << id << " waits for the signal '" << signal
                  << "', which the system it waits for sends (POST /v1/orders/" << id << "/signals/" << signal
                  << "); release gives only credit_approval and manual_action\n";
        return Application::EXIT_DATAERR;
    }
    Poco::JSON::Object body = noteBody(options);
    body.set("approved", true);
    const char* user = std::getenv("USER");
    body.set("by", std::string(user && *user ? user : "orderhost-cli"));
    return reportOutcome(host.post("/v1/orders/" + encodeComponent(id) + "/signals/credit_approval", stringify(body)),
                         options);
}

}  // namespace

int listOrders(const HostConnection& host, const CliOptions& options, const std::vector<std::string>& arguments) {
    if (!arguments.empty())
        throw UsageError("orders list takes no arguments; filter with --state, --customer, --chain");
    const long long limit = countOption(options, "limit", 0, 1'000'000'000);  // 0: every matching order
    const long long pageSize = countOption(options, "page-size", kDefaultPageSize, kMaxPageSize);
    std::string filters;
    for (const char* name : {"state", "customer", "chain"}) {
        if (const auto value = options.value(name)) filters += std::string("&") + name + "=" + encodeComponent(*value);
    }
    TextTable table = orderSummaryTable();
    PagingProgress progress;
    long long listed = 0;
    int pages = 0;
    std::string cursor;
    do {
        const long long size = limit > 0 ? std::min(pageSize, limit - listed) : pageSize;
        const HostReply reply = host.get("/v1/orders?limit=" + std::to_string(size) + filters +
                                         (cursor.empty() ? "" : "&cursor=" + encodeComponent(cursor)));
        if (!reply.ok()) {
            progress.finish(listed, pages);
            return reportProblem(reply);
        }
        const auto page = parseKeepingOrder(reply);
        const auto orders = page->getArray("orders");
        if (!orders) throw BadReply("the host's search reply has no \"orders\" array");
        for (std::size_t i = 0; i < orders->size(); ++i, ++listed) {
            const auto summary = orders->getObject(static_cast<unsigned>(i));
            if (options.json) {
                std::cout << stringify(*summary) << "\n";
            } else {
                addOrderSummary(table, *summary);
            }
        }
        ++pages;
        cursor = page->optValue<std::string>("next_cursor", "");
        if (!cursor.empty() && (limit == 0 || listed < limit)) progress.report(listed, pages);
    } while (!cursor.empty() && (limit == 0 || listed < limit));
    progress.finish(listed, pages);
    if (!options.json) table.print(std::cout);
    if (!cursor.empty()) std::cerr << "orderhost: stopped at --limit " << limit << "; more orders match\n";
    return Application::EXIT_OK;
}

int showOrder(const HostConnection& host, const CliOptions& options, const std::vector<std::string>& arguments) {
    const auto ref = options.value("ref");
    const std::string usage = "orderhost orders show ID | --ref ORDER_REF";
    const std::string path = ref ? "/v1/orders?order_ref=" + encodeComponent(*ref)
                                 : "/v1/orders/" + encodeComponent(onlyArgument(arguments, usage));
    if (ref && !arguments.empty()) throw UsageError("usage: " + usage + " (not both)");
    const HostReply reply = host.get(path);
    if (!reply.ok()) return reportProblem(reply);
    if (options.json) {
        std::cout << stringify(*parseKeepingOrder(reply)) << "\n";
        return Application::EXIT_OK;
    }
    const HostReply chains = host.get("/v1/chains");  // only to name the current step
    printOrderView(std::cout, *reply.json(), chains.ok() ? chains.json() : nullptr);
    return Application::EXIT_OK;
}

int actOnOrder(const HostConnection& host, const std::string& action, const CliOptions& options,
               const std::vector<std::string>& arguments) {
    const std::string id = onlyArgument(arguments, "orderhost orders " + action + " ID");
    if (action == "retry") return manualAction(host, id, "retry", options);
    if (action == "release") return release(host, id, options);
    if (action == "cancel") {
        Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
        if (const auto reason = options.value("reason")) body.set("reason", *reason);
        return reportOutcome(host.post("/v1/orders/" + encodeComponent(id) + "/cancel", stringify(body)), options);
    }
    // hold: an order goes on hold only through its own steps (a suspend, on_failure: hold);
    // the engine has no transition that parks a running or waiting order on an operator's word.
    std::cerr << "orderhost: orders hold: the host's API has no request that puts an order on hold (orders are held "
                 "by their steps: a step that suspends, or fails with on_failure: hold); nothing was sent. To stop an "
                 "order for good: orderhost orders cancel "
              << id << "\n";
    return Application::EXIT_USAGE;
}

}  // namespace orderhost::cli

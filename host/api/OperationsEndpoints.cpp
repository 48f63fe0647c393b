#include "host/api/OperationsEndpoints.h"

#include "host/api/ApiRequestHandler.h"
#include "host/api/JsonReply.h"
#include "host/events/WebhookClient.h"
#include "host/metrics/TextExposition.h"

#include <Poco/Data/Statement.h>
#include <spdlog/spdlog.h>

#include <ostream>

using namespace Poco::Data::Keywords;

namespace orderhost::api {
namespace {
using metrics::TextExposition;
using Poco::Net::HTTPResponse;

// Orders by chain and state, from the cache while it is fresh (Operations says why).
std::vector<store::OrderCount> orderCounts(Operations& operations) {
    std::lock_guard<std::mutex> lock(operations.ordersMutex);  // one scraper queries, the others wait
    const auto began = std::chrono::steady_clock::now();
    if (began < operations.ordersFreshUntil) return operations.orders;
    operations.orders = store::ordersByChainAndState(*operations.database);
    const auto took = std::chrono::steady_clock::now() - began;
    operations.ordersFreshUntil = began + 11 * took;
    return operations.orders;
}

// The subscriber's URL without user:password and query: /metrics may be read by more people
// than the host's configuration.
std::string subscriberLabel(const std::string& url) {
    try {
        return events::describeUrl(Poco::URI(url));
    } catch (const Poco::Exception&) {
        return "(unparsable URL)";
    }
}

void databaseMetrics(Operations& operations, TextExposition& out) {
    bool up = true;
    try {
        const auto counts = orderCounts(operations);
        out.family("orderhost_orders", "gauge", "Orders in the database, by chain and state.");
        for (const auto& count : counts)
            out.sample("orderhost_orders", {{"chain", count.chain}, {"state", count.state}},
                       static_cast<double>(count.orders));
        if (!operations.subscribers.empty()) {
            const auto lags = store::outboxLagBySubscriber(*operations.database, operations.subscribers);
            out.family("orderhost_outbox_pending_events", "gauge",
                       "Outbox events a webhook subscriber has not acknowledged yet.");
            for (const auto& lag : lags)
                out.sample("orderhost_outbox_pending_events", {{"subscriber", subscriberLabel(lag.subscriber)}},
                           static_cast<double>(lag.pendingEvents));
            out.family("orderhost_outbox_oldest_pending_timestamp_seconds", "gauge",
                       "When the oldest event a subscriber has not acknowledged was written (0: none pending).");
            for (const auto& lag : lags)
                out.sample("orderhost_outbox_oldest_pending_timestamp_seconds",
                           {{"subscriber", subscriberLabel(lag.subscriber)}},
                           static_cast<double>(lag.oldestPendingMs) / 1000.0);
        }
    } catch (const std::exception& e) {
        up = false;  // the families above are left out; the rest of the scrape still helps
        spdlog::debug("metrics: database figures unavailable: {}", e.what());
    }
    out.family("orderhost_database_up", "gauge", "1 when the scrape could read the database, else 0.");
    out.sample("orderhost_database_up", {}, up ? 1 : 0);
    const auto pool = operations.database->poolUsage();
    out.family("orderhost_db_pool_sessions", "gauge", "Pooled database sessions by state (in_use, idle).");
    out.sample("orderhost_db_pool_sessions", {{"state", "in_use"}}, pool.inUse);
    out.sample("orderhost_db_pool_sessions", {{"state", "idle"}}, pool.idle);
    out.family("orderhost_db_pool_max_sessions", "gauge", "The pool's limit (database.pool_size).");
    out.sample("orderhost_db_pool_max_sessions", {}, pool.max);
    out.family("orderhost_db_commits_total", "counter",
               "Commits on the host's database: checkpoints (steps committed together count once), inserts, leases.");
    out.sample("orderhost_db_commits_total", {}, static_cast<double>(operations.database->commits()));
}

void hostMetrics(ApiContext& context, TextExposition& out) {
    if (context.stepWorkerLoad) {
        const StepWorkerLoad load = context.stepWorkerLoad();
        out.family("orderhost_step_workers_busy", "gauge", "Step workers inside a plugin call (hung calls included).");
        out.sample("orderhost_step_workers_busy", {}, static_cast<double>(load.busy));
        out.family("orderhost_step_workers_max", "gauge", "Step workers there may be (engine.step_workers).");
        out.sample("orderhost_step_workers_max", {}, static_cast<double>(load.max));
    }
    const std::shared_ptr<const engine::ChainSet> set = context.chains.current();
    out.family("orderhost_chains_loaded", "gauge", "Chain versions loaded.");
    out.sample("orderhost_chains_loaded", {}, static_cast<double>(set->versionCount()));
    out.family("orderhost_chains_retired", "gauge",
               "Chain versions whose files were removed, loaded for the orders still on them.");
    out.sample("orderhost_chains_retired", {}, static_cast<double>(set->retired.size()));
    if (context.reloadCounts != nullptr) {
        out.family("orderhost_reloads_total", "counter", "Reloads of chains and plugins, by result.");
        out.sample("orderhost_reloads_total", {{"result", "applied"}},
                   static_cast<double>(context.reloadCounts->applied.load()));
        out.sample("orderhost_reloads_total", {{"result", "refused"}},
                   static_cast<double>(context.reloadCounts->refused.load()));
    }
    out.family("orderhost_plugins_loaded", "gauge", "Plugins loaded.");
    std::size_t current = 0;
    const auto builds = context.plugins.snapshot();
    for (const auto* plugin : builds) current += context.plugins.isCurrent(*plugin) ? 1 : 0;
    out.sample("orderhost_plugins_loaded", {}, static_cast<double>(current));
    out.family("orderhost_plugin_builds_loaded", "gauge",
               "Plugin builds loaded: older builds of an id stay for the chain versions bound to them.");
    out.sample("orderhost_plugin_builds_loaded", {}, static_cast<double>(builds.size()));
}

void sendStatusDocument(Poco::Net::HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
                        const Poco::JSON::Object& body, bool sendBody) {
    response.set("Cache-Control", "no-store");
    if (sendBody) return sendJson(response, status, body, "application/json");
    response.setStatusAndReason(status);
    response.setContentLength(0);
    response.send();
}

// Why the host cannot take orders now, one reason per failed check.
// `recovering`: orders still to resume (recoveringReason).
std::vector<std::string> notReadyReasons(ApiContext& context, Poco::JSON::Object& checks, std::size_t& recovering) {
    std::vector<std::string> reasons;
    const auto check = [&](const char* name, const std::string& problem) {
        checks.set(name, problem.empty() ? "ok" : "failed");
        if (!problem.empty()) reasons.push_back(problem);
    };
    std::string database;
    try {
        context.store.database().withSession("readiness check", [](Poco::Data::Session& s) {
            int one = 0;
            s << "SELECT 1", into(one), now;
            return one;
        });
    } catch (const store::DatabaseUnavailableError& e) {
        // No connection string here: this endpoint needs no token. The outage is in the log.
        database = e.reason() == "full" ? "the database is full (no space left)" : "the database does not answer";
    } catch (const std::exception& e) {
        database = "the database does not answer";
        spdlog::debug("readiness: {}", e.what());
    }
    check("database", database);
    std::string chains;
    const std::string defaultChain = context.operations ? context.operations->defaultChain : "";
    const std::shared_ptr<const engine::ChainSet> set = context.chains.current();
    if (set->chains.empty()) {
        chains = "no chain is loaded (see GET /v1/chains for the chain files' errors)";
    } else if (!defaultChain.empty() && set->latest(defaultChain) == nullptr) {
        chains = "the default chain '" + defaultChain + "' (chains.default) is not loaded";
    }
    check("chains", chains);
    std::string workers;
    if (context.stepWorkerLoad) {
        const StepWorkerLoad load = context.stepWorkerLoad();
        if (load.max > 0 && load.busy >= load.max)
            workers = "every step worker is busy (" + std::to_string(load.busy) + " of " + std::to_string(load.max) +
                      "): steps are refused until a plugin call returns";
    }
    check("step_workers", workers);
    check("recovery", recoveringReason(context, recovering));
    return reasons;
}

}  // namespace

std::string recoveringReason(const ApiContext& context, std::size_t& left) {
    left = context.recoveryLeft ? context.recoveryLeft() : 0;
    if (left == 0) return {};
    return "resuming " + std::to_string(left) +
           " unfinished order(s) left by this host's previous run, in the background (requests are served meanwhile)";
}

void getMetrics(ApiContext& context, Poco::Net::HTTPServerResponse& response) {
    if (context.operations == nullptr)
        return sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, "metrics are not collected by this host");
    Operations& operations = *context.operations;
    TextExposition out;
    if (operations.database != nullptr) databaseMetrics(operations, out);
    hostMetrics(context, out);
    if (operations.steps != nullptr) operations.steps->writeTo(out);
    operations.http.writeTo(out);
    response.setStatusAndReason(HTTPResponse::HTTP_OK);
    response.setContentType(metrics::kExpositionContentType);
    response.set("Cache-Control", "no-store");
    response.setContentLength(static_cast<std::streamsize>(out.text().size()));
    response.send() << out.text();
}

void healthLive(ApiContext&, Poco::Net::HTTPServerResponse& response, bool sendBody) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("status", "live");
    sendStatusDocument(response, HTTPResponse::HTTP_OK, body, sendBody);
}

void healthReady(ApiContext& context, Poco::Net::HTTPServerResponse& response, bool sendBody) {
    Poco::JSON::Object checks(Poco::JSON_PRESERVE_KEY_ORDER);
    std::size_t recovering = 0;
    const std::vector<std::string> reasons = notReadyReasons(context, checks, recovering);
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("status", reasons.empty() ? "ready" : "not_ready");
    body.set("checks", checks);
    if (recovering > 0) body.set("recovering", recovering);
    if (reasons.empty()) return sendStatusDocument(response, HTTPResponse::HTTP_OK, body, sendBody);
    Poco::JSON::Array list;
    for (const auto& reason : reasons) list.add(reason);
    body.set("reasons", list);
    response.set("Retry-After", "5");
    sendStatusDocument(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE, body, sendBody);
}

}  // namespace orderhost::api

// The HTTP API: one handler object per request, routing by method and path.
//
//   POST /v1/orders              submit an order (201 created, 200 repeated, 4xx refused)
//   GET  /v1/orders/{id}         an order with its step history
//   GET  /v1/orders?order_ref=R  the same, found by the ERP's reference
//   POST /v1/quotes              a what-if run of a chain for a draft order; nothing is stored
//   POST /v1/orders/{id}/signals/{name}  resume a held order (body: JSON object payload)
//   GET  /v1/plugins             loaded plugins and refused plugin files
//   GET  /v1/chains              loaded chains and chain errors
//   POST /v1/admin/reload        reload chains and plugins from their folders (admin role)
//   GET  /v1/events?after=N&limit=L      the outbox events feed, in delivery order
//   GET  /v1/orders/{id}/events  the events of one order
//   GET  /v1/health              liveness and load (no authentication): 200 "ok", 503 "degraded"
//   GET  /v1/health/live, /v1/health/ready, /metrics   (OperationsEndpoints.h)
//   GET  /v1/openapi.json        this API's OpenAPI 3.1 description (docs/openapi.yaml)
//   GET  /v1/dead-letters, POST /v1/dead-letters/{id}/replay   webhook events set aside
//
// Every error is a problem document (JsonReply.h) that says what was wrong and where.
#pragma once

#include "host/api/ApiKeyCache.h"
#include "host/api/OperationsEndpoints.h"
#include "host/engine/ChainCatalog.h"
#include "host/engine/ChainReload.h"
#include "host/engine/OrderCommands.h"
#include "host/engine/OrderIntake.h"
#include "host/engine/OrderSignals.h"
#include "host/engine/QuoteRunner.h"
#include "host/engine/ReadyChain.h"
#include "host/plugins/PluginRegistry.h"
#include "host/store/IdempotencyStore.h"
#include "host/store/OrderStore.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <cstddef>
#include <functional>
#include <string>

namespace orderhost::api {

struct ApiSettings {
    std::size_t maxBodyBytes = 1024 * 1024;
    std::string bearerToken;            // api.token: a shared key with every role; empty: none
    int idempotencyTtlSeconds = 86400;  // http.idempotency_ttl_s (IdempotentRequests.h)
    bool requireKeys = false;           // keys required even before the first key exists (ApiKeyCache.h)
};

// How many of the engine's step workers are inside a plugin call (hung calls included), and
// how many there may be: when all are busy, new steps are refused and health says so.
struct StepWorkerLoad {
    std::size_t busy = 0;
    std::size_t max = 0;
};

// What the handlers work with; owned by the application, outlives the server.
struct ApiContext {
    engine::OrderIntake& intake;
    engine::OrderSignals& signals;
    store::OrderStore& store;
    const engine::ChainCatalog& chains;      // read a snapshot: a reload may swap it at any time
    const plugins::PluginRegistry& plugins;  // read snapshot(): a reload may add builds at any time
    ApiSettings settings;
    // The events feed reads here; null answers /v1/events and /v1/orders/{id}/events with 503.
    store::OutboxReader* outbox = nullptr;
    // Cancel and return; null answers them with 503.
    engine::OrderCommands* commands = nullptr;
    // Problems the engine found while serving (GET /v1/health); null: none tracked.
    const engine::HealthProblems* engineProblems = nullptr;
    // Step worker load for /v1/health; empty: not reported.
    std::function<StepWorkerLoad()> stepWorkerLoad = nullptr;
    // Orders a restarted host still has to resume (engine/OrderRecovery.h), for health and
    // readiness; empty: none.
    std::function<std::size_t()> recoveryLeft = nullptr;
    // GET /metrics and readiness; null: /metrics answers 503, requests are not counted.
    Operations* operations = nullptr;
    // API keys (ApiKeyCache.h); null: only settings.bearerToken.
    store::ApiKeyStore* apiKeys = nullptr;
    // POST /v1/quotes (engine/QuoteRunner.h); null: 503.
    engine::QuoteRunner* quotes = nullptr;
    // Idempotency-Key on POSTs (IdempotentRequests.h); null: the header is ignored.
    store::IdempotencyStore* idempotency = nullptr;
    // POST /v1/admin/reload (app/HostReload.h), given who asked and ?retire_all=true; empty: 503.
    std::function<engine::ReloadReport(const std::string& requestedBy, bool retireAll)> reload = nullptr;
    const engine::ReloadCounts* reloadCounts = nullptr;  // for GET /metrics; null: not reported
};

class ApiRequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit ApiRequestHandlerFactory(ApiContext& context)
        : context_(context), keys_(context.apiKeys, context.settings.bearerToken, context.settings.requireKeys) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

private:
    ApiContext& context_;
    ApiKeyCache keys_;
};

}  // namespace orderhost::api

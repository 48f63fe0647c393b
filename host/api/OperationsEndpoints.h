// The endpoints operators' tools poll, none of them authenticated except /metrics:
//
//   GET /metrics           Prometheus text format 0.0.4 (docs/admin-guide.md lists every metric)
//   GET /v1/health/live    200 while the process serves HTTP at all (a liveness probe)
//   GET /v1/health/ready   200 when it can take orders: the database answers, chains are loaded
//                          (the default chain among them), a step worker is free and the orders
//                          its previous run left are resumed; else 503 with the reasons (a
//                          readiness probe / load balancer check)
//
// GET /v1/health (AdminEndpoints.cpp) stays as it was: load and problems in one document.
#pragma once

#include "host/metrics/HttpMetrics.h"
#include "host/metrics/StepMetrics.h"
#include "host/store/Database.h"
#include "host/store/OperationsCensus.h"

#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace orderhost::api {

struct ApiContext;

// What the operations endpoints read besides ApiContext; owned by the application.
struct Operations {
    metrics::HttpMetrics http;                    // the request handler records into it
    const metrics::StepMetrics* steps = nullptr;  // the engine's
    store::Database* database = nullptr;
    std::vector<std::string> subscribers;  // events.webhooks, for the outbox lag
    std::string defaultChain;              // chains.default, for readiness

    // Orders by chain and state is an aggregate over the orders table: a scrape reuses the
    // last count for ten times as long as that query took, so scraping stays under a tenth
    // of one database session however often (and by however many scrapers) it is done.
    std::mutex ordersMutex;
    std::vector<store::OrderCount> orders;
    std::chrono::steady_clock::time_point ordersFreshUntil{};
};

// While the host resumes the orders its previous run left: how many are left (`left`) and
// why it is not ready yet, for health and readiness; empty (and 0) once it is over.
std::string recoveringReason(const ApiContext& context, std::size_t& left);

void getMetrics(ApiContext& context, Poco::Net::HTTPServerResponse& response);
// `sendBody` false answers HEAD: the same status, no body.
void healthLive(ApiContext& context, Poco::Net::HTTPServerResponse& response, bool sendBody);
void healthReady(ApiContext& context, Poco::Net::HTTPServerResponse& response, bool sendBody);

}  // namespace orderhost::api

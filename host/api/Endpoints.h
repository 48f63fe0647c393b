// The endpoint functions behind ApiRequestHandler's routes. Each one writes a complete reply.
#pragma once

#include "host/api/ApiRequestHandler.h"

#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <string>

namespace orderhost::api {

void postOrder(ApiContext& context, const std::string& body, Poco::Net::HTTPServerResponse& response);
void getOrder(ApiContext& context, const std::string& id, Poco::Net::HTTPServerResponse& response);
void postSignal(ApiContext& context, const std::string& id, const std::string& signal, const std::string& body,
                Poco::Net::HTTPServerResponse& response);
// POST /v1/orders/{id}/cancel and /return (command "cancel" or "return").
void postCommand(ApiContext& context, const std::string& id, const std::string& command, const std::string& body,
                 Poco::Net::HTTPServerResponse& response);
void getOrderByRef(ApiContext& context, const std::string& orderRef, Poco::Net::HTTPServerResponse& response);

// GET /v1/events?after=&limit= and GET /v1/orders/{id}/events (EventEndpoints.cpp).
void getEvents(ApiContext& context, const Poco::URI& uri, Poco::Net::HTTPServerResponse& response);
void getOrderEvents(ApiContext& context, const std::string& id, Poco::Net::HTTPServerResponse& response);

void listPlugins(ApiContext& context, Poco::Net::HTTPServerResponse& response);
void listChains(ApiContext& context, Poco::Net::HTTPServerResponse& response);
// GET /v1/health: 200 {"status":"ok",...}, or 503 {"status":"degraded","reasons":[...]} when the
// host cannot run steps (every step worker busy). HEAD answers with the same status, no body.
void health(ApiContext& context, Poco::Net::HTTPServerResponse& response);
void headHealth(ApiContext& context, Poco::Net::HTTPServerResponse& response);

}  // namespace orderhost::api

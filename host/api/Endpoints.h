// The endpoint functions behind ApiRequestHandler's routes. Each one writes a complete reply.
#pragma once

#include "host/api/ApiKeyCache.h"
#include "host/api/ApiRequestHandler.h"

#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <string>

namespace orderhost::api {

// Who is asking, for what belongs to a client (quotes, Idempotency-Key replies): the API key's
// id, "*" for api.token and an open host.
inline std::string clientOf(const Caller& caller) { return caller.keyId.empty() ? "*" : caller.keyId; }

// `client`: an order may name only a quote the same client asked for. `respondAsync` (the
// request's `Prefer: respond-async`): 202 once stored, the chain runs on (engine/AsyncRuns.h).
void postOrder(ApiContext& context, const std::string& body, const std::string& client, bool respondAsync,
               Poco::Net::HTTPServerResponse& response);
// Whether a Prefer header (RFC 7240) asks for respond-async.
bool prefersRespondAsync(const std::string& prefer);
// POST /v1/quotes (QuoteEndpoints.cpp): a what-if run of a chain; only the quote is stored.
void postQuote(ApiContext& context, const std::string& body, const std::string& client,
               Poco::Net::HTTPServerResponse& response);
void getOrder(ApiContext& context, const std::string& id, Poco::Net::HTTPServerResponse& response);
// `acknowledgeFinished` (?if_not_waiting=acknowledge, for webhook senders that retry anything
// but a 2xx): an order that runs no chain and waits for nothing answers 202 instead of 409.
void postSignal(ApiContext& context, const std::string& id, const std::string& signal, const std::string& body,
                bool acknowledgeFinished, Poco::Net::HTTPServerResponse& response);
// POST /v1/orders/{id}/cancel and /return (command "cancel" or "return").
void postCommand(ApiContext& context, const std::string& id, const std::string& command, const std::string& body,
                 Poco::Net::HTTPServerResponse& response);
void getOrderByRef(ApiContext& context, const std::string& orderRef, Poco::Net::HTTPServerResponse& response);
// GET /v1/orders?customer=&order_ref=&state=&created_from=&created_to=&chain=&limit=&cursor=
// (SearchEndpoints.cpp); order_ref alone answers like getOrderByRef.
void getOrders(ApiContext& context, const Poco::URI::QueryParameters& parameters,
               Poco::Net::HTTPServerResponse& response);

// Inquiries (InquiryEndpoints.cpp): POST /v1/orders/{id}/inquiries, POST
// /v1/orders/{id}/inquiries/{iid}/answer, GET /v1/orders/{id}/inquiries[/{iid}] (inquiryId empty: all).
void postInquiry(ApiContext& context, const std::string& orderId, const std::string& body,
                 Poco::Net::HTTPServerResponse& response);
void postInquiryAnswer(ApiContext& context, const std::string& orderId, const std::string& inquiryId,
                       const std::string& body, Poco::Net::HTTPServerResponse& response);
void getInquiries(ApiContext& context, const std::string& orderId, const std::string& inquiryId,
                  Poco::Net::HTTPServerResponse& response);

// GET /v1/events?after=&limit= and GET /v1/orders/{id}/events (EventEndpoints.cpp).
void getEvents(ApiContext& context, const Poco::URI& uri, Poco::Net::HTTPServerResponse& response);
void getOrderEvents(ApiContext& context, const std::string& id, Poco::Net::HTTPServerResponse& response);

// GET /v1/dead-letters?state= and POST /v1/dead-letters/{id}/replay (DeadLetterEndpoints.cpp).
void getDeadLetters(ApiContext& context, const Poco::URI::QueryParameters& parameters,
                    Poco::Net::HTTPServerResponse& response);
void postDeadLetterReplay(ApiContext& context, const std::string& id, Poco::Net::HTTPServerResponse& response);

// GET /v1/whoami: the calling key's id, name, roles and chains (AdminEndpoints.cpp), so a
// client such as the web console can offer only what the key may do.
void getWhoAmI(const Caller& caller, Poco::Net::HTTPServerResponse& response);

void listPlugins(ApiContext& context, Poco::Net::HTTPServerResponse& response);
void listChains(ApiContext& context, Poco::Net::HTTPServerResponse& response);
// POST /v1/admin/reload[?retire_all=true] (ReloadEndpoint.cpp): 200 with what changed; 422
// problem+json listing each file (file:line) or plugin that refused the reload, which then
// changed nothing; 503 when the host is stopping (or the database did not answer).
void postReload(ApiContext& context, const Caller& caller, const Poco::URI::QueryParameters& parameters,
                Poco::Net::HTTPServerResponse& response);
// GET /v1/health: 200 {"status":"ok",...}, or 503 {"status":"degraded","reasons":[...]} when the
// host cannot run steps (every step worker busy). HEAD answers with the same status, no body.
// `withProblems` false (a caller without a key while keys are required): engine_problems is
// empty, its count stays in problems.
void health(ApiContext& context, Poco::Net::HTTPServerResponse& response, bool withProblems = true);
void headHealth(ApiContext& context, Poco::Net::HTTPServerResponse& response);

}  // namespace orderhost::api

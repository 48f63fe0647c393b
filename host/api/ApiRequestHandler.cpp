#include "host/api/ApiRequestHandler.h"

#include "host/api/ClientSocket.h"
#include "host/api/ClientText.h"
#include "host/api/Endpoints.h"
#include "host/api/HttpFraming.h"
#include "host/api/IdempotentRequests.h"
#include "host/api/JsonReply.h"
#include "host/api/OpenApiDocument.h"
#include "host/api/RequestAuthorization.h"
#include "host/api/RequestReading.h"
#include "host/console/ConsoleAssets.h"
#include "host/logging/LogContext.h"
#include "host/store/HiddenOrder.h"
#include "host/store/StoreError.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

namespace orderhost::api {
namespace {

using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// Counts the request in GET /metrics when it ends, however it ends.
class RequestObservation {
public:
    RequestObservation(ApiContext& context, const HTTPServerRequest& request, const HTTPServerResponse& response)
        : context_(context), request_(request), response_(response), began_(std::chrono::steady_clock::now()) {}
    ~RequestObservation() {
        if (context_.operations == nullptr) return;
        const std::string& uri = request_.getURI();
        context_.operations->http.record(request_.getMethod(), std::string_view(uri).substr(0, uri.find('?')),
                                         static_cast<int>(response_.getStatus()),
                                         std::chrono::steady_clock::now() - began_);
    }

private:
    ApiContext& context_;
    const HTTPServerRequest& request_;
    const HTTPServerResponse& response_;
    std::chrono::steady_clock::time_point began_;
};

class ApiRequestHandler : public Poco::Net::HTTPRequestHandler {
public:
    ApiRequestHandler(ApiContext& context, ApiKeyCache& keys) : context_(context), keys_(keys) {}

    void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
        // A refusal can leave the body unread, and its bytes would then be parsed as the next
        // request on this connection. So such a connection closes after the reply, unless
        // readBody() consumed the whole body.
        keepAlive_ = response.getKeepAlive();
        if (hasRequestBody(request)) response.setKeepAlive(false);
        // The request's id, kept from X-Request-Id or made here: in every log line written
        // for it (and the order's first ones), and in the reply, so a client can quote it.
        const std::string clientId = request.get("X-Request-Id", "");
        const std::string requestId = logging::isUsableRequestId(clientId) ? clientId : logging::newRequestId();
        response.set("X-Request-Id", requestId);
        const logging::LogScope logFields({requestId, "", "", "", "", ""});
        const RequestObservation observed(context_, request, response);
        try {
            route(request, response);
        } catch (const RequestRefused& refused) {
            if (refused.status == HTTPResponse::HTTP_SERVICE_UNAVAILABLE) {
                response.set("Retry-After", "5");
                response.setKeepAlive(false);
            }
            sendProblem(response, refused.status, refused.detail);
        } catch (const AccessRefused& refused) {
            if (refused.status == HTTPResponse::HTTP_UNAUTHORIZED) response.set("WWW-Authenticate", "Bearer");
            sendProblem(response, static_cast<HTTPResponse::HTTPStatus>(refused.status), refused.detail);
        } catch (const store::DatabaseUnavailableError& e) {
            // The database logged the outage once (OutageLog); a line per request would bury it.
            if (!response.sent()) {
                response.set("Retry-After", "5");
                sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                            std::string(e.reason() == "full" ? "the host's database is full (no space left)"
                                                             : "the host's database is unreachable") +
                                " right now; repeat the request later (it is safe: an order is identified by "
                                "its order_ref)");
            }
        } catch (const std::exception& e) {
            // Details go to the log only: they can hold SQL or file paths.
            spdlog::error("{} {} failed: {}", loggableText(request.getMethod(), 16), loggableText(request.getURI()),
                          loggableText(e.what(), 1000));
            if (!response.sent()) {
                sendProblem(response, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                            "the host could not complete the request (see its log); repeating it is safe: an "
                            "order is identified by its order_ref");
            }
        }
    }

private:
    void route(HTTPServerRequest& request, HTTPServerResponse& response) {
        const Poco::URI uri = parseUri(request);
        const std::string& path = uri.getPath();
        const std::string& method = request.getMethod();
        // The console's static files need no key: they hold no data (ConsoleAssets.h).
        if (console::isConsolePath(path)) return console::serveConsole(request, path, response);
        // Liveness needs no key: a process supervisor asks it.
        if (path == "/v1/health/live") {
            const bool head = method == HTTPRequest::HTTP_HEAD;
            if (!head && method != HTTPRequest::HTTP_GET) return notAllowed("GET, HEAD", response);
            return healthLive(context_, response, !head);
        }
        if (path == "/v1/health") {
            if (method == HTTPRequest::HTTP_HEAD) return headHealth(context_, response);
            return only(method, HTTPRequest::HTTP_GET, response,
                        [&] { health(context_, response, knownCaller(request)); });
        }
        caller_ = authenticateRequest(keys_, request);
        const Caller& caller = caller_;
        if (path == "/v1/health/ready") {
            permit(caller, Access::Read);
            const bool head = method == HTTPRequest::HTTP_HEAD;
            if (!head && method != HTTPRequest::HTTP_GET) return notAllowed("GET, HEAD", response);
            return healthReady(context_, response, !head);
        }
        if (path == "/v1/orders") {
            if (method == HTTPRequest::HTTP_POST) {
                permit(caller, Access::Act);
                const std::string body = readBody(request, response);
                permitPlacement(context_, caller, body);
                return idempotent(request, response, "POST /v1/orders", path, body, [&](HTTPServerResponse& out) {
                    postOrder(context_, body, clientOf(caller), prefersRespondAsync(preferences(request)), out);
                });
            }
            if (method != HTTPRequest::HTTP_GET) return notAllowed("POST, GET", response);
            permit(caller, Access::Read);
            Poco::URI::QueryParameters parameters = queryParameters(uri);
            std::optional<store::HiddenOrder> hidden;
            if (std::string id = limitSearch(context_, caller, parameters); !id.empty()) hidden.emplace(std::move(id));
            return getOrders(context_, parameters, response);
        }
        if (path == "/v1/quotes") {
            return only(method, HTTPRequest::HTTP_POST, response, [&] {
                permit(caller, Access::Act);
                const std::string body = readBody(request, response);
                permitPlacement(context_, caller, body);  // a key limited to chains quotes only on them
                // No Idempotency-Key handling: a quote changes nothing, so a repeat is safe, and a
                // stored reply would replay old prices (and be a row a quote promises not to write).
                postQuote(context_, body, clientOf(caller), response);
            });
        }
        const std::string ordersPrefix = "/v1/orders/";
        if (path.compare(0, ordersPrefix.size(), ordersPrefix) == 0) {
            const std::string rest = path.substr(ordersPrefix.size());
            const auto slash = rest.find('/');
            // Every route below acts on one order: the role first, then the key's chains.
            permit(caller, orderAccess(method, rest, slash));
            // Another chain's order (for a key limited to chains) is not found, by every check below.
            std::optional<store::HiddenOrder> hidden;
            if (!maySee(context_, caller, rest.substr(0, slash))) hidden.emplace(rest.substr(0, slash));
            if (slash != std::string::npos && rest.compare(slash, std::string::npos, "/events") == 0) {
                return only(method, HTTPRequest::HTTP_GET, response,
                            [&] { getOrderEvents(context_, rest.substr(0, slash), response); });
            }
            if (slash != std::string::npos &&
                routeInquiries(request, response, rest.substr(0, slash), rest.substr(slash)))
                return;
            for (const char* command : {"cancel", "return"}) {
                const std::string suffix = std::string("/") + command;
                if (slash != std::string::npos && rest.compare(slash, std::string::npos, suffix) == 0) {
                    return only(method, HTTPRequest::HTTP_POST, response, [&] {
                        const std::string body = readBody(request, response);
                        idempotent(request, response, std::string("POST /v1/orders/{id}/") + command, path, body,
                                   [&](HTTPServerResponse& out) {
                                       postCommand(context_, rest.substr(0, slash), command, body, out);
                                   });
                    });
                }
            }
            const std::string signals = "/signals/";
            const auto at = rest.find(signals);
            if (at != std::string::npos) {
                // However the path was spelled, the signal it names decides (a second check).
                if (rest.substr(at + signals.size()) == "manual_action") permit(caller, Access::Administer);
                return only(method, HTTPRequest::HTTP_POST, response, [&] {
                    const bool acknowledge = acknowledgesFinished(queryParameters(uri));
                    const std::string body = readBody(request, response);
                    idempotent(request, response, "POST /v1/orders/{id}/signals/{name}", uri.getPathAndQuery(), body,
                               [&](HTTPServerResponse& out) {
                                   postSignal(context_, rest.substr(0, at), rest.substr(at + signals.size()), body,
                                              acknowledge, out);
                               });
                });
            }
            return only(method, HTTPRequest::HTTP_GET, response, [&] { getOrder(context_, rest, response); });
        }
        if (path == "/v1/whoami") {
            permit(caller, Access::Read);
            return only(method, HTTPRequest::HTTP_GET, response, [&] { getWhoAmI(caller, response); });
        }
        if (path == "/metrics" || path == "/v1/openapi.json" || path == "/v1/events") permit(caller, Access::Read);
        if (path == "/v1/plugins" || path == "/v1/chains" || path.compare(0, 16, "/v1/dead-letters") == 0)
            permit(caller, Access::Administer);
        if (path == "/v1/dead-letters")
            return only(method, HTTPRequest::HTTP_GET, response,
                        [&] { getDeadLetters(context_, queryParameters(uri), response); });
        const std::string deadPrefix = "/v1/dead-letters/", replaySuffix = "/replay";
        if (path.size() > deadPrefix.size() + replaySuffix.size() &&
            path.compare(0, deadPrefix.size(), deadPrefix) == 0 &&
            path.compare(path.size() - replaySuffix.size(), replaySuffix.size(), replaySuffix) == 0) {
            const std::string id =
                path.substr(deadPrefix.size(), path.size() - deadPrefix.size() - replaySuffix.size());
            return only(method, HTTPRequest::HTTP_POST, response, [&] {
                const std::string body = readBody(request, response);
                idempotent(request, response, "POST /v1/dead-letters/{id}/replay", path, body,
                           [&](HTTPServerResponse& out) { postDeadLetterReplay(context_, id, out); });
            });
        }
        if (path == "/v1/admin/reload") {
            permit(caller, Access::Administer);
            return only(method, HTTPRequest::HTTP_POST, response, [&] {
                readBody(request, response);  // none is needed; one that is there must be JSON
                postReload(context_, caller, queryParameters(uri), response);
            });
        }
        if (path == "/metrics") {
            permitEveryChainFigures(caller);
            return only(method, HTTPRequest::HTTP_GET, response, [&] { getMetrics(context_, response); });
        }
        if (path == "/v1/events") {
            permitWholeFeed(caller);
            return only(method, HTTPRequest::HTTP_GET, response, [&] { getEvents(context_, uri, response); });
        }
        if (path == "/v1/plugins")
            return only(method, HTTPRequest::HTTP_GET, response, [&] { listPlugins(context_, response); });
        if (path == "/v1/chains")
            return only(method, HTTPRequest::HTTP_GET, response, [&] { listChains(context_, response); });
        if (path == "/v1/openapi.json")
            return only(method, HTTPRequest::HTTP_GET, response, [&] { getOpenApiDescription(response); });
        sendProblem(response, HTTPResponse::HTTP_NOT_FOUND, "no such endpoint: " + clientText(path));
    }

    // Whether the request carries a valid key (or needs none): for the public /v1/health.
    bool knownCaller(const HTTPServerRequest& request) {
        try {
            authenticateRequest(keys_, request);
            return true;
        } catch (...) {
            return false;
        }
    }

    // What a route under /v1/orders/{id} needs: reading for GETs, acting for POSTs, and the
    // admin role for the manual_action signal (the answer to a step's on_failure: hold).
    static Access orderAccess(const std::string& method, const std::string& rest, std::size_t slash) {
        if (method != HTTPRequest::HTTP_POST) return Access::Read;
        if (slash != std::string::npos && rest.compare(slash, std::string::npos, "/signals/manual_action") == 0)
            return Access::Administer;
        return Access::Act;
    }

    // /v1/orders/{id}/inquiries[/{iid}[/answer]]; false when `tail` is not an inquiry path.
    bool routeInquiries(HTTPServerRequest& request, HTTPServerResponse& response, const std::string& id,
                        const std::string& tail) {
        const std::string prefix = "/inquiries";
        if (tail.compare(0, prefix.size(), prefix) != 0) return false;
        const std::string rest = tail.substr(prefix.size());
        const std::string answer = "/answer";
        if (rest.empty()) {
            if (request.getMethod() == HTTPRequest::HTTP_POST) {
                const std::string body = readBody(request, response);
                idempotent(request, response, "POST /v1/orders/{id}/inquiries", "/v1/orders/" + id + tail, body,
                           [&](HTTPServerResponse& out) { postInquiry(context_, id, body, out); });
            } else if (request.getMethod() == HTTPRequest::HTTP_GET)
                getInquiries(context_, id, "", response);
            else
                notAllowed("POST, GET", response);
        } else if (rest[0] != '/' || rest.size() == 1) {
            return false;
        } else if (rest.size() > answer.size() &&
                   rest.compare(rest.size() - answer.size(), answer.size(), answer) == 0) {
            only(request.getMethod(), HTTPRequest::HTTP_POST, response, [&] {
                const std::string body = readBody(request, response);
                idempotent(request, response, "POST /v1/orders/{id}/inquiries/{iid}/answer", "/v1/orders/" + id + tail,
                           body, [&](HTTPServerResponse& out) {
                               postInquiryAnswer(context_, id, rest.substr(1, rest.size() - 1 - answer.size()), body,
                                                 out);
                           });
            });
        } else {
            only(request.getMethod(), HTTPRequest::HTTP_GET, response,
                 [&] { getInquiries(context_, id, rest.substr(1), response); });
        }
        return true;
    }

    // Reads the whole body; the connection may then carry further requests again. Without
    // Content-Length and Transfer-Encoding a request has no body (RFC 9112 §6.3): it is not
    // read until the client closes, and needs no Content-Type (`curl -X POST .../cancel`).
    std::string readBody(HTTPServerRequest& request, HTTPServerResponse& response) {
        if (!hasRequestBody(request)) return {};
        std::string body = readJsonBody(context_.settings, request);
        // A chunked body was read through a stream that reads ahead (ChunkedBody.h): the
        // connection closes after the reply.
        if (!request.getChunkedTransferEncoding()) response.setKeepAlive(keepAlive_);
        return body;
    }

    // POSTs go through Idempotency-Key handling (IdempotentRequests.h).
    void idempotent(const HTTPServerRequest& request, HTTPServerResponse& response, const std::string& route,
                    const std::string& path, const std::string& body,
                    const std::function<void(HTTPServerResponse&)>& endpoint) {
        runIdempotent(context_, request, caller_.keyId.empty() ? "*" : caller_.keyId, route, path, body, response,
                      endpoint);
    }

    template <typename Handler>
    void only(const std::string& method, const std::string& allowed, HTTPServerResponse& response, Handler handler) {
        if (method == allowed) return handler();
        notAllowed(allowed, response);
    }

    void notAllowed(const std::string& allowed, HTTPServerResponse& response) {
        response.set("Allow", allowed);
        sendProblem(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "method not allowed here; allowed: " + allowed);
    }

    ApiContext& context_;
    ApiKeyCache& keys_;
    Caller caller_;          // who is asking, once authenticateRequest said
    bool keepAlive_ = true;  // what Poco decided before we knew whether the body gets read
};

}  // namespace

Poco::Net::HTTPRequestHandler* ApiRequestHandlerFactory::createRequestHandler(const HTTPServerRequest&) {
    return new ApiRequestHandler(context_, keys_);
}

}  // namespace orderhost::api

#include "host/api/HttpServer.h"

#include "host/api/ClientText.h"
#include "host/api/HttpFraming.h"
#include "host/api/JsonReply.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <algorithm>
#include <thread>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequestImpl;
using Poco::Net::HTTPServerResponseImpl;
using Poco::Net::HTTPServerSession;

// Poco's HTTPServerConnection loop, with refusals as problem documents and framing checked
// before a handler can read a body.
class HttpConnection : public Poco::Net::TCPServerConnection {
public:
    HttpConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                   Poco::Net::HTTPRequestHandlerFactory::Ptr factory)
        : TCPServerConnection(socket), params_(std::move(params)), factory_(std::move(factory)) {}

    void run() override {
        HTTPServerSession session(socket(), params_);
        while (session.hasMoreRequests() && serveOne(session)) {
        }
    }

private:
    // Serves one request; false when the connection must close.
    bool serveOne(HTTPServerSession& session) {
        HTTPServerResponseImpl response(session);
        std::unique_ptr<HTTPServerRequestImpl> request;
        try {
            request = std::make_unique<HTTPServerRequestImpl>(response, session, params_.get());
        } catch (const Poco::Exception& e) {
            return refuseUnreadable(session, e);
        }
        response.setDate(Poco::Timestamp());
        response.setVersion(request->getVersion());
        response.setKeepAlive(params_->getKeepAlive() && request->getKeepAlive() && session.canKeepAlive());
        if (const auto problem = checkFraming(*request)) {
            spdlog::info("HTTP: refused {} {} from {}: {}", loggableText(request->getMethod(), 16),
                         loggableText(request->getURI()), clientOf(), problem->detail);
            return refuse(session, problem->status, problem->detail);
        }
        try {
            std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(factory_->createRequestHandler(*request));
            if (request->getExpectContinue() && response.getStatus() == HTTPResponse::HTTP_OK) response.sendContinue();
            handler->handleRequest(*request, response);
            session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive() && session.canKeepAlive());
            return session.getKeepAlive();
        } catch (const Poco::Exception& e) {
            // A handler answers every error it knows; what escapes is the connection failing.
            spdlog::debug("HTTP: connection from {} ended: {}", clientOf(), loggableText(e.displayText()));
            if (!response.sent()) refuse(session, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR, "the request failed");
            return false;
        }
    }

    // The request head could not be read: say why when there is someone left to tell.
    bool refuseUnreadable(HTTPServerSession& session, const Poco::Exception& error) {
        const auto* client = dynamic_cast<const ClientSocketImpl*>(socket().impl());
        if (client != nullptr && client->deadlinePassed()) {
            return refuse(session, HTTPResponse::HTTP_REQUEST_TIMEOUT,
                          "the request did not arrive within the request deadline (http.request_timeout_ms)");
        }
        if (dynamic_cast<const Poco::Net::NoMessageException*>(&error) != nullptr) return false;  // closed
        if (const Poco::Exception* network = session.networkException()) {
            if (dynamic_cast<const Poco::TimeoutException*>(network) != nullptr) {
                return refuse(session, HTTPResponse::HTTP_REQUEST_TIMEOUT,
                              "the client stopped sending its request (http.read_timeout_s)");
            }
            return false;  // reset: nobody to answer
        }
        // Poco parses Content-Length while reading the head and throws on a number it cannot hold.
        const bool badLength = dynamic_cast<const Poco::SyntaxException*>(&error) != nullptr;
        const std::string detail = badLength ? "Content-Length is not a number of bytes the host can accept"
                                             : "malformed request head: " + clientText(error.message());
        spdlog::info("HTTP: refused a request from {}: {}", clientOf(), loggableText(detail));
        return refuse(session, HTTPResponse::HTTP_BAD_REQUEST, detail);
    }

    // Answers with a problem document and closes: the rest of the request is never read.
    bool refuse(HTTPServerSession& session, HTTPResponse::HTTPStatus status, const std::string& detail) {
        try {
            HTTPServerResponseImpl fresh(session);  // the request's own response may refer to a half-built request
            fresh.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
            fresh.setKeepAlive(false);
            sendProblem(fresh, status, detail);
        } catch (const Poco::Exception&) {
            // the client is gone
        }
        session.setKeepAlive(false);
        return false;
    }

    std::string clientOf() {
        const auto* client = dynamic_cast<const ClientSocketImpl*>(socket().impl());
        return client != nullptr ? client->clientAddress() : "?";
    }

    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
};

class HttpConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    HttpConnectionFactory(Poco::Net::HTTPServerParams::Ptr params, Poco::Net::HTTPRequestHandlerFactory::Ptr factory)
        : params_(std::move(params)), factory_(std::move(factory)) {}

    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
        return new HttpConnection(socket, params_, factory_);
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
};

Poco::Net::HTTPServerParams::Ptr serverParams(const HttpServerSettings& settings) {
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(settings.maxThreads);
    params->setMaxQueued(settings.maxQueued);
    params->setKeepAliveTimeout(Poco::Timespan(settings.keepAliveSeconds, 0));
    params->setKeepAlive(settings.keepAliveSeconds > 0);
    params->setMaxKeepAliveRequests(1000);
    params->setTimeout(Poco::Timespan(settings.readTimeoutSeconds, 0));
    return params;
}

GateLimits gateLimits(const HttpServerSettings& settings) {
    GateLimits limits;
    limits.maxConnections = static_cast<std::size_t>(settings.maxConnections);
    limits.maxConnectionsPerClient = static_cast<std::size_t>(settings.maxConnectionsPerClient);
    limits.maxQueued = settings.maxQueued;
    limits.retryAfterSeconds = settings.retryAfterSeconds;
    limits.timeouts.wholeRequest = std::chrono::milliseconds(settings.requestTimeoutMs);
    limits.timeouts.perRead = std::chrono::seconds(settings.readTimeoutSeconds);
    return limits;
}

}  // namespace

HttpServer::HttpServer(Poco::Net::ServerSocket listener, Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                       const HttpServerSettings& settings)
    : connections_(std::make_shared<ClientConnections>()),
      // Poco's ThreadPool needs at least as many threads as its minimum of 2 would start.
      threads_(std::min(2, settings.maxThreads), settings.maxThreads),
      port_(listener.address().port()) {
    const auto params = serverParams(settings);
    dispatcher_ =
        new Poco::Net::TCPServerDispatcher(new HttpConnectionFactory(params, std::move(factory)), threads_, params);
    gate_ = std::make_unique<ConnectionGate>(std::move(listener), *dispatcher_, connections_, gateLimits(settings),
                                             settings.tls);
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() { gate_->start(); }

void HttpServer::stop(std::chrono::milliseconds drain) {
    if (stopped_) return;
    stopped_ = true;
    gate_->stop();
    dispatcher_->stop();
    // Reads end (an idle keep-alive connection stops waiting for its next request), replies being
    // written do not: SHUT_RDWR here cut the reply of every request still being served (an
    // administrator's probe saw curl's "empty reply" for an order the host had answered).
    connections_->shutdownAll(SHUT_RD);
    const auto until = std::chrono::steady_clock::now() + drain;
    while (dispatcher_->currentConnections() > 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (dispatcher_->currentConnections() > 0) {
        spdlog::warn("HTTP: {} request(s) still running after {} ms; stopping without them",
                     dispatcher_->currentConnections(), drain.count());
        connections_->shutdownAll(SHUT_RDWR);
    }
}

}  // namespace orderhost::api

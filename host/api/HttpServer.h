// The host's HTTP server: Poco's request and response classes and handler threads behind a
// front door of our own (ConnectionGate) and a connection loop of our own, because Poco 1.11
// lacks what an exposed server needs:
//   - a deadline for a whole request, not just for each read (ClientSocket.h);
//   - a cap on connections per client address, and 503/429 with Retry-After instead of a
//     silent close when the server is full (ConnectionGate.h);
//   - refusing ambiguous framing (two Content-Lengths, Transfer-Encoding with Content-Length,
//     an unparsable length) with 400 and closing, instead of guessing or dropping the
//     connection without a status (HttpFraming.h);
//   - JSON problem documents for every refusal, including malformed request heads;
//   - TLS whose handshake does not hold a thread (TlsSession.h), with the same limits.
//
//   HttpServer server(boundSocket, new ApiRequestHandlerFactory(context), settings);
//   server.start();
//   ...
//   server.stop();  // closes the port, aborts open connections, waits a bounded time
#pragma once

#include "host/api/ConnectionGate.h"

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerDispatcher.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <memory>

namespace orderhost::api {

struct HttpServerSettings {
    int maxThreads = 64;              // handler threads
    int maxQueued = 256;              // connections with a complete head waiting for a thread
    int keepAliveSeconds = 5;         // 0: one request per connection
    int readTimeoutSeconds = 10;      // longest wait for any one read
    int requestTimeoutMs = 10000;     // whole request: head and body
    int maxConnections = 1000;        // open client connections in all
    int maxConnectionsPerClient = 0;  // 0: no cap
    int retryAfterSeconds = 1;
    std::shared_ptr<const TlsContext> tls;  // null: plain HTTP; else only TLS is spoken
};

class HttpServer {
public:
    // `listener` is bound and listening; `factory` is owned by the server from here on.
    HttpServer(Poco::Net::ServerSocket listener, Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
               const HttpServerSettings& settings);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void start();
    // Stops accepting, shuts down every open connection (a handler in the middle of a request
    // finishes it, but cannot send more), and waits up to `drain` for handlers to return.
    void stop(std::chrono::milliseconds drain = std::chrono::seconds(5));

    unsigned short port() const { return port_; }

private:
    std::shared_ptr<ClientConnections> connections_;
    Poco::ThreadPool threads_;  // before dispatcher_: its threads end before the pool goes
    Poco::AutoPtr<Poco::Net::TCPServerDispatcher> dispatcher_;
    std::unique_ptr<ConnectionGate> gate_;
    unsigned short port_;
    bool stopped_ = false;
};

}  // namespace orderhost::api

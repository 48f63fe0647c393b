// The front door of the HTTP server: one thread that accepts connections and waits, without
// holding a handler thread, until a connection has sent its whole request head. Only then is
// it handed to the handler threads (Poco's TCPServerDispatcher).
//
// Why: Poco gives every connection a thread from accept on, so clients that drip their
// headers a byte at a time (slowloris) can hold every thread while others wait. Here they
// cost a buffer; the gate answers instead of resetting the connection when a limit is hit:
//   429 + Retry-After   the client already has http.max_connections_per_client connections
//   503 + Retry-After   http.max_connections are open, or the handler queue is full
//                       (every thread busy and http.max_queued connections waiting)
//   408                 the head did not arrive within http.request_timeout_ms, or the
//                       client sent nothing for http.read_timeout_s
//   431                 the head is larger than kMaxHeadBytes
// A refused connection gets its answer, then the gate stops sending and reads what the
// client still sends for up to a second before closing, so the answer is not lost to a reset.
//
// With TLS (a TlsContext), the gate also runs each connection's handshake, without blocking
// and within the same timeouts as the head (TlsSession.h), and reads the head through it:
//   - a connection that does not finish its handshake in time is closed (there is no TLS
//     to answer over); one whose handshake fails (no or an unknown client certificate, a
//     protocol the host does not offer) gets OpenSSL's alert, then the same lingering close;
//   - a plain HTTP request (its first byte is not a TLS handshake record's) gets a plain 400
//     saying the port speaks HTTPS;
//   - at http.max_connections the connection is closed without an answer (one needs a
//     handshake, the work the limit is there to avoid); the per-client 429 is sent after
//     the handshake.
//
// Thread-safe: start() and stop() from one owner thread; everything else runs on the gate's.
#pragma once

#include "host/api/ClientSocket.h"
#include "host/api/TlsContext.h"

#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServerDispatcher.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace orderhost::api {

struct GateLimits {
    std::size_t maxConnections = 1000;        // open client connections in all (gate, queue, threads)
    std::size_t maxConnectionsPerClient = 0;  // per client address; 0: no cap
    int maxQueued = 256;                      // handler queue length that counts as saturated
    int retryAfterSeconds = 1;
    RequestTimeouts timeouts;
};

class ConnectionGate {
public:
    static constexpr std::size_t kMaxHeadBytes = 16 * 1024;

    // `tls`: null for plain HTTP.
    ConnectionGate(Poco::Net::ServerSocket listener, Poco::Net::TCPServerDispatcher& dispatcher,
                   std::shared_ptr<ClientConnections> connections, GateLimits limits,
                   std::shared_ptr<const TlsContext> tls = nullptr);
    ~ConnectionGate();
    ConnectionGate(const ConnectionGate&) = delete;
    ConnectionGate& operator=(const ConnectionGate&) = delete;

    void start();
    void stop();  // stops accepting and closes the connections still at the gate

private:
    using Clock = std::chrono::steady_clock;
    struct Waiting {
        Poco::Net::StreamSocket socket;
        ClientSocketImpl* client;
        std::string head;
        Clock::time_point until;
        bool refused;                     // answered; reading what is left until the client closes or `until`
        bool wantsWrite = false;          // the TLS handshake waits to send, not to receive
        std::string replyAfterHandshake;  // a refusal to send once TLS is up
    };

    void run();
    void acceptConnections(Clock::time_point now);
    // False when the connection is done with (closed, handed on, or its lingering ended).
    bool readFrom(Waiting& waiting, Clock::time_point now);
    // Bytes read into `buffer` (> 0), 0 when the connection ended, -1 when there are none yet.
    long receiveSome(Waiting& waiting, char* buffer, std::size_t size);
    // Takes a TLS connection's handshake a step on (TlsSession.h); false when it is done with.
    bool continueHandshake(Waiting& waiting, TlsSession& tls, Clock::time_point now);
    bool headArrived(Waiting& waiting, Clock::time_point now);
    // Until when the gate waits for the next bytes of a head: the next read timeout, at most
    // the request's deadline.
    Clock::time_point readUntil(const ClientSocketImpl& client, Clock::time_point now) const;
    // False when the connection is closed without an answer (a TLS handshake that never ended).
    bool refuseLate(Waiting& waiting, Clock::time_point now);
    void refuse(Waiting& waiting, Poco::Net::HTTPResponse::HTTPStatus status, const std::string& detail,
                Clock::time_point now);
    // Sends `reply` (may be empty) over what the connection speaks, stops sending, and lingers.
    void answerAndLinger(Waiting& waiting, const std::string& reply, Clock::time_point now);
    void reportRefusals(Clock::time_point now);
    static bool tlsHoldsBytes(const Waiting& waiting);

    Poco::Net::ServerSocket listener_;
    Poco::Net::TCPServerDispatcher& dispatcher_;
    const std::shared_ptr<ClientConnections> connections_;
    const GateLimits limits_;
    const std::shared_ptr<const TlsContext> tls_;
    std::vector<Waiting> waiting_;
    std::map<std::string, std::size_t> refusals_;  // by reason, since the last report
    Clock::time_point lastReport_;
    Clock::time_point acceptPausedUntil_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace orderhost::api

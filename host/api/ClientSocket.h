// A client connection's socket, as the HTTP server's threads see it.
//
// Poco's HTTP server only has a per-read timeout: a client that sends one byte every few
// seconds keeps a connection (and, once its request head is complete, a thread) for as long
// as it likes. This socket adds a deadline for the whole request: from the moment the
// connection is accepted (or, on a kept-alive connection, from the first byte of the next
// request) until the host starts to answer, receiving must finish within
// `RequestTimeouts::wholeRequest`; past it every receive throws Poco::TimeoutException and
// deadlinePassed() says why. Sending an answer ends the request: the next receive starts a
// new deadline.
//
// It also returns first the bytes the ConnectionGate read ahead (the request head), and
// counts itself in ClientConnections from accept to close.
//
// On a TLS listener it carries the connection's TlsSession (TlsSession.h) from accept on:
// receives and sends go through it, with the same deadlines, and the socket is non-blocking.
//
// One thread at a time uses a socket (the gate, then one handler thread); ClientConnections
// may shut any socket down from another thread.
#pragma once

#include "host/api/TlsSession.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace orderhost::api {

class ClientSocketImpl;

// Every client connection that is open, by client address. Thread-safe.
class ClientConnections {
public:
    std::size_t total() const;
    std::size_t ofClient(const std::string& address) const;
    // shutdown(2) on every open connection: `how` SHUT_RD ends reads (an idle keep-alive
    // connection's wait for its next request) and lets replies being written finish; SHUT_RDWR
    // ends everything.
    void shutdownAll(int how);

private:
    friend class ClientSocketImpl;
    void add(ClientSocketImpl& socket);
    void remove(ClientSocketImpl& socket);

    mutable std::mutex mutex_;
    std::map<std::string, std::size_t> perClient_;
    std::set<ClientSocketImpl*> open_;
};

struct RequestTimeouts {
    std::chrono::milliseconds wholeRequest{10000};
    std::chrono::milliseconds perRead{10000};
};

class ClientSocketImpl : public Poco::Net::StreamSocketImpl {
public:
    using Clock = std::chrono::steady_clock;

    // Takes ownership of the connected `fd`.
    ClientSocketImpl(poco_socket_t fd, std::string clientAddress, std::shared_ptr<ClientConnections> connections,
                     RequestTimeouts timeouts);

    const std::string& clientAddress() const { return clientAddress_; }
    Clock::time_point deadline() const { return deadline_; }
    bool deadlinePassed() const { return deadlinePassed_; }
    // The host shut the connection for reading as it stops (ClientConnections::shutdownAll):
    // a request body that ends early then ended for that, not by the client.
    bool shutForStopping() const { return shutForStopping_.load(); }
    // Bytes already read from the connection (by the gate); receives return them first.
    void setReadAhead(std::string bytes) { readAhead_ = std::move(bytes); }
    // Makes the socket non-blocking and speaks TLS on it from now on (the gate, at accept).
    void startTls(const TlsContext& context);
    // The connection's TLS, or nullptr on a plain connection.
    TlsSession* tls() const { return tls_.get(); }

    using Poco::Net::StreamSocketImpl::receiveBytes;
    using Poco::Net::StreamSocketImpl::sendBytes;
    int receiveBytes(void* buffer, int length, int flags = 0) override;
    int sendBytes(const void* buffer, int length, int flags = 0) override;
    bool poll(const Poco::Timespan& timeout, int mode) override;
    bool secure() const override { return tls_ != nullptr; }
    void close() override;

protected:
    ~ClientSocketImpl() override;

private:
    friend class ClientConnections;  // sets shutForStopping_
    std::chrono::milliseconds receiveWait();

    const std::string clientAddress_;
    const std::shared_ptr<ClientConnections> connections_;
    const RequestTimeouts timeouts_;
    std::string readAhead_;
    std::size_t readAheadAt_ = 0;
    bool requestOpen_ = true;  // a request is being received: the deadline runs
    bool deadlinePassed_ = false;
    std::atomic<bool> shutForStopping_{false};
    Clock::time_point deadline_;
    std::unique_ptr<TlsSession> tls_;
};

// The ClientSocketImpl behind a request served by HttpServer, or nullptr for any other.
const ClientSocketImpl* clientSocketOf(Poco::Net::HTTPServerRequest& request);

}  // namespace orderhost::api

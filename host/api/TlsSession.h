// One client connection's TLS, on its socket, used in turn by the two parties that read it:
//
//  - the ConnectionGate, on its one thread for every waiting connection, never blocks: it calls
//    handshake() and readSome() when poll() says the socket is ready, and they say what to wait
//    for next. The gate's timeouts bound the handshake as they bound the request head, so a
//    client that opens a connection and never finishes its handshake holds a descriptor until
//    then, never a handler thread;
//  - a handler thread, once the head has arrived, calls receive() and send(), which wait with
//    poll() up to a timeout. ClientSocketImpl (ClientSocket.h) puts them under Poco's HTTP
//    session in place of the plain socket calls.
//
// Why OpenSSL itself and not Poco's SecureStreamSocket: Poco's handshake and reads block a
// thread per connection (what the gate exists to avoid), and its socket class could not carry
// the gate's read-ahead and request deadlines. The socket stays non-blocking for the whole
// session; OpenSSL reads and writes it through a small BIO of ours that sends with
// MSG_NOSIGNAL, because OpenSSL's own socket BIO uses write(), and a client resetting its
// connection at the wrong moment would raise SIGPIPE, fatal to a process that has not blocked
// or ignored it (the orderhost binary happens to block it; this class does not rely on that).
//
// One thread at a time uses a session.
#pragma once

#include "host/api/TlsContext.h"

#include <chrono>
#include <string>

namespace orderhost::api {

class TlsSession {
public:
    // Where a non-blocking call stands: finished, or waiting for the socket to be readable or
    // writable, or over (the client closed, or TLS failed: failure() says why).
    enum class Step { done, wantRead, wantWrite, closed, failed };

    // `fd` is connected and non-blocking, and outlives the session.
    TlsSession(const TlsContext& context, int fd);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    Step handshake();
    bool started() const { return started_; }
    bool established() const { return established_; }
    // Up to `length` decrypted bytes (> 0), or 0 with `step` saying what to wait for or why not.
    int readSome(void* buffer, int length, Step& step);
    // Decrypted bytes that OpenSSL holds and nobody has read yet: poll() on the socket misses them.
    bool hasBuffered() const;

    // Waiting versions, for handler threads. receive() returns 0 when the client closed; both
    // throw Poco::TimeoutException when `timeout` passes without progress and
    // Poco::Net::ConnectionResetException when the connection fails.
    int receive(void* buffer, int length, bool peek, std::chrono::milliseconds timeout);
    int send(const void* buffer, int length, std::chrono::milliseconds timeout);

    // Without waiting, best effort: `bytes` (a short answer the socket has room for), then close_notify.
    void sendFinal(const std::string& bytes);
    // close_notify, without waiting, once; nothing after a failure (OpenSSL forbids it).
    void closeNotify();

    const std::string& failure() const { return failure_; }

private:
    Step stepOf(int result);
    // Waits until the socket is ready for what `step` wants; throws at `until`.
    void waitFor(Step step, std::chrono::steady_clock::time_point until) const;

    SSL* ssl_;
    const int fd_;
    bool started_ = false;
    bool established_ = false;
    bool broken_ = false;
    std::string failure_;
};

}  // namespace orderhost::api

#include "host/api/ConnectionGate.h"

#include "host/api/JsonReply.h"

#include <Poco/Net/SocketAddress.h>
#include <spdlog/spdlog.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace orderhost::api {
namespace {
using Poco::Net::HTTPResponse;

constexpr auto kLinger = std::chrono::milliseconds(1000);
constexpr auto kPollAtMost = std::chrono::milliseconds(250);  // how soon stop() is noticed
constexpr auto kReportEvery = std::chrono::seconds(10);
constexpr int kAcceptsPerRound = 64;
constexpr unsigned char kTlsHandshakeRecord = 22;  // the first byte a TLS client sends

bool wouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

// How long the request head in `bytes` is, or npos while its end has not arrived.
std::size_t headLength(const std::string& bytes) {
    const auto crlf = bytes.find("\r\n\r\n");
    const auto lf = bytes.find("\n\n");
    if (crlf == std::string::npos && lf == std::string::npos) return std::string::npos;
    return crlf < lf ? crlf + 4 : lf + 2;
}

std::string rawReply(HTTPResponse::HTTPStatus status, const std::string& detail, int retryAfterSeconds) {
    const std::string body = problemJson(status, detail);
    std::string text = "HTTP/1.1 " + std::to_string(static_cast<int>(status)) + " " +
                       HTTPResponse::getReasonForStatus(status) +
                       "\r\nContent-Type: application/problem+json\r\nCache-Control: no-store\r\nConnection: close\r\n"
                       "Content-Length: " +
                       std::to_string(body.size()) + "\r\n";
    if (status == HTTPResponse::HTTP_SERVICE_UNAVAILABLE || status == HTTPResponse::HTTP_TOO_MANY_REQUESTS) {
        text += "Retry-After: " + std::to_string(retryAfterSeconds) + "\r\n";
    }
    return text + "\r\n" + body;
}

}  // namespace

// Decrypted bytes the gate has not read yet: poll() on the socket cannot see them.
bool ConnectionGate::tlsHoldsBytes(const Waiting& waiting) {
    const TlsSession* tls = waiting.client->tls();
    return !waiting.refused && tls != nullptr && tls->established() && tls->hasBuffered();
}

ConnectionGate::ConnectionGate(Poco::Net::ServerSocket listener, Poco::Net::TCPServerDispatcher& dispatcher,
                               std::shared_ptr<ClientConnections> connections, GateLimits limits,
                               std::shared_ptr<const TlsContext> tls)
    : listener_(std::move(listener)),
      dispatcher_(dispatcher),
      connections_(std::move(connections)),
      limits_(limits),
      tls_(std::move(tls)) {}

ConnectionGate::~ConnectionGate() { stop(); }

void ConnectionGate::start() {
    listener_.setBlocking(false);
    thread_ = std::thread([this] { run(); });
}

void ConnectionGate::stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
}

void ConnectionGate::run() {
    lastReport_ = Clock::now() - kReportEvery;
    std::vector<pollfd> fds;
    while (!stopping_) {
        Clock::time_point now = Clock::now();
        const bool accepting = now >= acceptPausedUntil_;
        Clock::time_point wake = now + kPollAtMost;
        if (!accepting) wake = std::min(wake, acceptPausedUntil_);
        fds.assign(1, pollfd{listener_.impl()->sockfd(), static_cast<short>(accepting ? POLLIN : 0), 0});
        for (const Waiting& waiting : waiting_) {
            fds.push_back(
                pollfd{waiting.client->sockfd(), static_cast<short>(waiting.wantsWrite ? POLLOUT : POLLIN), 0});
            wake = std::min(wake, tlsHoldsBytes(waiting) ? now : waiting.until);
        }
        const auto timeout = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
        if (::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(0, timeout))) < 0 &&
            errno != EINTR) {
            spdlog::error("HTTP gate: poll failed (errno {}); retrying", errno);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        now = Clock::now();
        std::vector<Waiting> kept;
        kept.reserve(waiting_.size());
        for (std::size_t i = 0; i < waiting_.size(); ++i) {
            Waiting& waiting = waiting_[i];
            bool keep = (fds[i + 1].revents == 0 && !tlsHoldsBytes(waiting)) || readFrom(waiting, now);
            if (keep && now >= waiting.until) keep = !waiting.refused && refuseLate(waiting, now);
            if (keep) kept.push_back(std::move(waiting));
        }
        waiting_.swap(kept);
        if ((fds[0].revents & POLLIN) != 0) acceptConnections(now);
        reportRefusals(now);
    }
    waiting_.clear();
}

void ConnectionGate::acceptConnections(Clock::time_point now) {
    for (int i = 0; i < kAcceptsPerRound; ++i) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        const int fd =
            ::accept4(listener_.impl()->sockfd(), reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // The connection stays in the kernel's backlog; try again shortly.
                ++refusals_["no file descriptor left (accept paused)"];
                acceptPausedUntil_ = now + std::chrono::milliseconds(100);
            }
            return;
        }
        std::string client;
        try {
            client = Poco::Net::SocketAddress(reinterpret_cast<sockaddr*>(&address), length).host().toString();
        } catch (const Poco::Exception&) {
            client = "unknown";
        }
        auto* impl = new ClientSocketImpl(fd, client, connections_, limits_.timeouts);
        Waiting waiting{Poco::Net::StreamSocket(impl), impl, {}, readUntil(*impl, now), false, false, {}};
        impl->setNoDelay(true);
        if (tls_) {
            try {
                impl->startTls(*tls_);
            } catch (const std::exception& e) {
                spdlog::error("HTTP gate: no TLS session for a connection from {}: {}", client, e.what());
                continue;
            }
        }
        const std::size_t open = connections_->total();
        if (open > limits_.maxConnections) {
            refuse(waiting, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                   "the host has " + std::to_string(limits_.maxConnections) +
                       " connections open (http.max_connections); try again later",
                   now);
            ++refusals_["connection limit"];
            continue;  // no lingering at the limit: it would hold more descriptors (nor a TLS handshake)
        }
        if (limits_.maxConnectionsPerClient > 0 && connections_->ofClient(client) > limits_.maxConnectionsPerClient) {
            refuse(waiting, HTTPResponse::HTTP_TOO_MANY_REQUESTS,
                   "this client has " + std::to_string(limits_.maxConnectionsPerClient) +
                       " connections open (http.max_connections_per_client); reuse one or try again later",
                   now);
            ++refusals_["per-client connection cap"];
        }
        waiting_.push_back(std::move(waiting));
    }
}

bool ConnectionGate::readFrom(Waiting& waiting, Clock::time_point now) {
    TlsSession* tls = waiting.client->tls();
    if (tls != nullptr && !tls->established() && !waiting.refused) {
        if (!continueHandshake(waiting, *tls, now)) return false;
        if (waiting.refused || !tls->established()) return true;
    }
    char buffer[4096];
    for (int round = 0; round < 16; ++round) {  // bounded: one client must not keep the gate to itself
        const long n = receiveSome(waiting, buffer, sizeof buffer);
        if (n == 0) return false;       // the client closed
        if (n < 0) return true;         // nothing more for now
        if (waiting.refused) continue;  // what is left of a refused request: read and dropped
        waiting.head.append(buffer, static_cast<std::size_t>(n));
        waiting.until = readUntil(*waiting.client, now);
        const std::size_t length = headLength(waiting.head);
        if (length <= kMaxHeadBytes) return headArrived(waiting, now);
        if (waiting.head.size() > kMaxHeadBytes) {
            refuse(waiting, HTTPResponse::HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
                   "the request head exceeds " + std::to_string(kMaxHeadBytes) + " bytes", now);
            ++refusals_["head too large"];
            return true;
        }
        // Less than asked for: the socket is drained. Not so with TLS, which hands out one
        // record at a time: it reads on until OpenSSL wants more from the socket.
        if (tls == nullptr && static_cast<std::size_t>(n) < sizeof buffer) return true;
    }
    return true;
}

long ConnectionGate::receiveSome(Waiting& waiting, char* buffer, std::size_t size) {
    TlsSession* tls = waiting.client->tls();
    if (tls != nullptr && !waiting.refused) {  // a refused connection's bytes are dropped unread
        TlsSession::Step step = TlsSession::Step::done;
        const int n = tls->readSome(buffer, static_cast<int>(size), step);
        waiting.wantsWrite = step == TlsSession::Step::wantWrite;
        if (n > 0) return n;
        return step == TlsSession::Step::wantRead || step == TlsSession::Step::wantWrite ? -1 : 0;
    }
    const ssize_t n = ::recv(waiting.client->sockfd(), buffer, size, MSG_DONTWAIT);
    if (n < 0) return wouldBlock(errno) ? -1 : 0;
    return n;
}

bool ConnectionGate::continueHandshake(Waiting& waiting, TlsSession& tls, Clock::time_point now) {
    if (!tls.started()) {
        // A plain HTTP request is answered in plain HTTP, as nginx does: cheap to tell, since
        // every TLS client opens with a handshake record.
        unsigned char first = 0;
        const ssize_t n = ::recv(waiting.client->sockfd(), &first, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n <= 0) return n < 0 && wouldBlock(errno);
        if (first != kTlsHandshakeRecord) {
            answerAndLinger(waiting,
                            rawReply(HTTPResponse::HTTP_BAD_REQUEST,
                                     "this port speaks HTTPS only: send the request over TLS (https://)", 0),
                            now);
            ++refusals_["plain HTTP on the TLS port"];
            return true;
        }
    }
    const TlsSession::Step step = tls.handshake();
    waiting.wantsWrite = step == TlsSession::Step::wantWrite;
    switch (step) {
        case TlsSession::Step::done:
            if (!waiting.replyAfterHandshake.empty()) answerAndLinger(waiting, waiting.replyAfterHandshake, now);
            return true;
        case TlsSession::Step::wantRead:
        case TlsSession::Step::wantWrite:
            return true;
        case TlsSession::Step::failed:
            spdlog::debug("HTTP: TLS handshake with {} failed: {}", waiting.client->clientAddress(), tls.failure());
            ++refusals_["TLS handshake failed"];
            answerAndLinger(waiting, "", now);  // OpenSSL's alert is out: let it arrive before the close
            return true;
        case TlsSession::Step::closed:
            break;
    }
    return false;
}

bool ConnectionGate::headArrived(Waiting& waiting, Clock::time_point now) {
    // Only this thread adds to the queue, so it cannot grow between this check and enqueue():
    // Poco's own answer to a full queue, a silent close, never happens.
    if (dispatcher_.queuedConnections() >= limits_.maxQueued) {
        refuse(waiting, HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
               "every HTTP thread is busy and " + std::to_string(limits_.maxQueued) +
                   " connections are waiting (http.max_threads, http.max_queued); try again later",
               now);
        ++refusals_["saturated"];
        return true;
    }
    waiting.client->setReadAhead(std::move(waiting.head));
    dispatcher_.enqueue(waiting.socket);
    return false;
}

ConnectionGate::Clock::time_point ConnectionGate::readUntil(const ClientSocketImpl& client,
                                                            Clock::time_point now) const {
    return std::min(client.deadline(), now + limits_.timeouts.perRead);
}

bool ConnectionGate::refuseLate(Waiting& waiting, Clock::time_point now) {
    const TlsSession* tls = waiting.client->tls();
    if (tls != nullptr && !tls->established()) {
        ++refusals_["TLS handshake not finished in time"];
        return false;
    }
    const bool deadline = now >= waiting.client->deadline();
    const std::string detail =
        deadline ? "the request head did not arrive within " + std::to_string(limits_.timeouts.wholeRequest.count()) +
                       " ms (http.request_timeout_ms)"
                 : "the client sent nothing for " + std::to_string(limits_.timeouts.perRead.count() / 1000) +
                       " s (http.read_timeout_s)";
    refuse(waiting, HTTPResponse::HTTP_REQUEST_TIMEOUT, detail, now);
    ++refusals_[deadline ? "request deadline" : "read timeout"];
    return true;
}

void ConnectionGate::refuse(Waiting& waiting, HTTPResponse::HTTPStatus status, const std::string& detail,
                            Clock::time_point now) {
    std::string reply = rawReply(status, detail, limits_.retryAfterSeconds);
    const TlsSession* tls = waiting.client->tls();
    if (tls != nullptr && !tls->established()) {
        waiting.replyAfterHandshake = std::move(reply);  // nothing can be said before TLS is up
        // But a refused connection gets no more time than a plain one lingers: over its cap, a
        // client that stalls its handshake must not hold a descriptor for the whole head deadline.
        waiting.until = std::min(waiting.until, now + kLinger);
        return;
    }
    answerAndLinger(waiting, reply, now);
}

void ConnectionGate::answerAndLinger(Waiting& waiting, const std::string& reply, Clock::time_point now) {
    TlsSession* tls = waiting.client->tls();
    if (tls != nullptr && tls->established()) {
        tls->sendFinal(reply);
    } else if (!reply.empty()) {
        // A new connection's send buffer is empty: the whole short answer fits without waiting.
        (void)::send(waiting.client->sockfd(), reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    ::shutdown(waiting.client->sockfd(), SHUT_WR);
    waiting.refused = true;
    waiting.wantsWrite = false;
    waiting.head.clear();
    waiting.until = now + kLinger;
}

void ConnectionGate::reportRefusals(Clock::time_point now) {
    if (refusals_.empty() || now - lastReport_ < kReportEvery) return;
    std::string counts;
    for (const auto& [reason, count] : refusals_)
        counts += (counts.empty() ? "" : ", ") + reason + ": " + std::to_string(count);
    spdlog::warn("HTTP: connections refused ({}); {} open", counts, connections_->total());
    refusals_.clear();
    lastReport_ = now;
}

}  // namespace orderhost::api

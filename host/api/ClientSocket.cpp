#include "host/api/ClientSocket.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace orderhost::api {

std::size_t ClientConnections::total() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return open_.size();
}

std::size_t ClientConnections::ofClient(const std::string& address) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = perClient_.find(address);
    return found == perClient_.end() ? 0 : found->second;
}

void ClientConnections::shutdownAll(int how) {
    std::lock_guard<std::mutex> lock(mutex_);
    // Under the lock: a socket removes itself (here) before its descriptor is closed, so the
    // descriptor shut down is still this connection's and not a reused number.
    for (ClientSocketImpl* socket : open_) {
        socket->shutForStopping_ = true;
        ::shutdown(socket->sockfd(), how);
    }
}

void ClientConnections::add(ClientSocketImpl& socket) {
    std::lock_guard<std::mutex> lock(mutex_);
    open_.insert(&socket);
    ++perClient_[socket.clientAddress()];
}

void ClientConnections::remove(ClientSocketImpl& socket) {
    std::lock_guard<std::mutex> lock(mutex_);
    open_.erase(&socket);
    const auto found = perClient_.find(socket.clientAddress());
    if (found != perClient_.end() && --found->second == 0) perClient_.erase(found);
}

ClientSocketImpl::ClientSocketImpl(poco_socket_t fd, std::string clientAddress,
                                   std::shared_ptr<ClientConnections> connections, RequestTimeouts timeouts)
    : Poco::Net::StreamSocketImpl(fd),
      clientAddress_(std::move(clientAddress)),
      connections_(std::move(connections)),
      timeouts_(timeouts),
      deadline_(Clock::now() + timeouts.wholeRequest) {
    connections_->add(*this);
    // A client that stops reading its answer must not hold a thread for longer either.
    setSendTimeout(
        Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeouts.wholeRequest).count()));
}

ClientSocketImpl::~ClientSocketImpl() {
    if (tls_ && sockfd() != POCO_INVALID_SOCKET) tls_->closeNotify();
    connections_->remove(*this);
}

void ClientSocketImpl::startTls(const TlsContext& context) {
    setBlocking(false);
    tls_ = std::make_unique<TlsSession>(context, sockfd());
}

void ClientSocketImpl::close() {
    if (tls_ && sockfd() != POCO_INVALID_SOCKET) tls_->closeNotify();
    Poco::Net::StreamSocketImpl::close();
}

int ClientSocketImpl::receiveBytes(void* buffer, int length, int flags) {
    if (readAheadAt_ < readAhead_.size() && length > 0) {
        const std::size_t n = std::min(readAhead_.size() - readAheadAt_, static_cast<std::size_t>(length));
        std::memcpy(buffer, readAhead_.data() + readAheadAt_, n);
        if ((flags & MSG_PEEK) == 0) readAheadAt_ += n;
        if (readAheadAt_ == readAhead_.size()) {
            std::string().swap(readAhead_);
            readAheadAt_ = 0;
        }
        return static_cast<int>(n);
    }
    const std::chrono::milliseconds wait = receiveWait();
    try {
        if (tls_) return tls_->receive(buffer, length, (flags & MSG_PEEK) != 0, wait);
        setReceiveTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(wait).count()));
        return Poco::Net::StreamSocketImpl::receiveBytes(buffer, length, flags);
    } catch (const Poco::TimeoutException&) {
        if (Clock::now() >= deadline_) deadlinePassed_ = true;
        throw;
    }
}

// How long the next receive may wait: the per-read timeout, at most until the deadline.
std::chrono::milliseconds ClientSocketImpl::receiveWait() {
    const Clock::time_point now = Clock::now();
    if (!requestOpen_) {  // the first byte of the next request on a kept-alive connection
        requestOpen_ = true;
        deadline_ = now + timeouts_.wholeRequest;
    }
    if (now >= deadline_) {
        deadlinePassed_ = true;
        throw Poco::TimeoutException("the request did not arrive within the request deadline");
    }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline_ - now);
    return std::max(std::chrono::milliseconds(1), std::min(left, timeouts_.perRead));
}

int ClientSocketImpl::sendBytes(const void* buffer, int length, int flags) {
    requestOpen_ = false;  // answering: the request is over (its deadline with it)
    if (tls_) return tls_->send(buffer, length, timeouts_.wholeRequest);  // what the send timeout is below
    return Poco::Net::StreamSocketImpl::sendBytes(buffer, length, flags | MSG_NOSIGNAL);
}

bool ClientSocketImpl::poll(const Poco::Timespan& timeout, int mode) {
    if ((mode & SELECT_READ) != 0 && (readAheadAt_ < readAhead_.size() || (tls_ && tls_->hasBuffered()))) return true;
    return Poco::Net::StreamSocketImpl::poll(timeout, mode);
}

const ClientSocketImpl* clientSocketOf(Poco::Net::HTTPServerRequest& request) {
    auto* served = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
    return served == nullptr ? nullptr : dynamic_cast<const ClientSocketImpl*>(served->socket().impl());
}

}  // namespace orderhost::api

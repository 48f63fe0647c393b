#include "host/api/TlsSession.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>

namespace orderhost::api {
namespace {
using Clock = std::chrono::steady_clock;

// --- The BIO between OpenSSL and the socket (see the header for why it is ours) ---

int socketOf(BIO* bio) { return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio))); }

bool tlsWouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

// Before each OpenSSL call: SSL_get_error reads this thread's error queue, and a failed
// socket call's errno, so nothing older may be left in either.
void clearErrors() {
    ERR_clear_error();
    errno = 0;
}

int bioWrite(BIO* bio, const char* data, int length) {
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::send(socketOf(bio), data, static_cast<std::size_t>(length), MSG_NOSIGNAL);
    if (n < 0 && tlsWouldBlock(errno)) BIO_set_retry_write(bio);
    return static_cast<int>(n);
}

int bioRead(BIO* bio, char* data, int length) {
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::recv(socketOf(bio), data, static_cast<std::size_t>(length), 0);
    if (n < 0 && tlsWouldBlock(errno)) BIO_set_retry_read(bio);
    if (n == 0) BIO_set_flags(bio, BIO_FLAGS_IN_EOF);  // OpenSSL asks BIO_CTRL_EOF to tell EOF from an error
    return static_cast<int>(n);
}

long bioControl(BIO* bio, int command, long, void*) {
    switch (command) {
        case BIO_CTRL_FLUSH:
            return 1;  // nothing is buffered here
        case BIO_CTRL_EOF:
            return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
        default:
            return 0;
    }
}

// Made once, kept for the process (OpenSSL's own methods are static too).
const BIO_METHOD* socketMethod() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "orderhost socket");
        if (made != nullptr) {
            BIO_meth_set_write(made, bioWrite);
            BIO_meth_set_read(made, bioRead);
            BIO_meth_set_ctrl(made, bioControl);
        }
        return made;
    }();
    return method;
}

}  // namespace

TlsSession::TlsSession(const TlsContext& context, int fd) : ssl_(SSL_new(context.native())), fd_(fd) {
    BIO* bio = socketMethod() != nullptr ? BIO_new(socketMethod()) : nullptr;
    if (ssl_ == nullptr || bio == nullptr) {
        BIO_free(bio);
        SSL_free(ssl_);
        ERR_clear_error();
        throw std::bad_alloc();
    }
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_, bio, bio);  // the session owns the BIO from here
    SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

TlsSession::Step TlsSession::handshake() {
    started_ = true;
    clearErrors();
    const int result = SSL_do_handshake(ssl_);
    if (result == 1) {
        established_ = true;
        return Step::done;
    }
    return stepOf(result);
}

int TlsSession::readSome(void* buffer, int length, Step& step) {
    clearErrors();
    const int n = SSL_read(ssl_, buffer, length);
    step = n > 0 ? Step::done : stepOf(n);
    return std::max(n, 0);
}

// SSL_pending, not SSL_has_pending: the latter also counts the first bytes of a record still
// arriving, and a client sending a record slowly would then keep the gate's poll from waiting.
// Without read-ahead (the default) OpenSSL reads no further than the record it works on, so
// every other byte is still the socket's, where poll() sees it.
bool TlsSession::hasBuffered() const { return SSL_pending(ssl_) > 0; }

int TlsSession::receive(void* buffer, int length, bool peek, std::chrono::milliseconds timeout) {
    const Clock::time_point until = Clock::now() + timeout;
    for (;;) {
        clearErrors();
        const int n = peek ? SSL_peek(ssl_, buffer, length) : SSL_read(ssl_, buffer, length);
        if (n > 0) return n;
        const Step step = stepOf(n);
        if (step == Step::closed) return 0;
        if (step == Step::failed) throw Poco::Net::ConnectionResetException("TLS: " + failure_);
        waitFor(step, until);
    }
}

int TlsSession::send(const void* buffer, int length, std::chrono::milliseconds timeout) {
    if (length <= 0) return 0;
    const Clock::time_point until = Clock::now() + timeout;
    for (;;) {
        clearErrors();
        // Without partial writes (OpenSSL's default) success means all of it; a retry after
        // WANT_* must pass the same buffer and length, as this loop does.
        const int n = SSL_write(ssl_, buffer, length);
        if (n > 0) return n;
        const Step step = stepOf(n);
        if (step == Step::closed || step == Step::failed) {
            throw Poco::Net::ConnectionResetException("TLS: " + (failure_.empty() ? "the client closed" : failure_));
        }
        waitFor(step, until);
    }
}

void TlsSession::sendFinal(const std::string& bytes) {
    if (!established_ || broken_) return;
    if (!bytes.empty()) {
        clearErrors();
        const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
        if (n <= 0) {
            (void)stepOf(n);
            broken_ = true;  // no room (a record half sent) or failed: nothing more on this connection
            return;
        }
    }
    closeNotify();
}

void TlsSession::closeNotify() {
    if (!established_ || broken_ || (SSL_get_shutdown(ssl_) & SSL_SENT_SHUTDOWN) != 0) return;
    ERR_clear_error();
    (void)SSL_shutdown(ssl_);  // sends close_notify; the client's own is not waited for
    ERR_clear_error();
}

TlsSession::Step TlsSession::stepOf(int result) {
    const int error = errno;  // of the socket call that failed, if one did
    switch (SSL_get_error(ssl_, result)) {
        case SSL_ERROR_WANT_READ:
            return Step::wantRead;
        case SSL_ERROR_WANT_WRITE:
            return Step::wantWrite;
        case SSL_ERROR_ZERO_RETURN:
            return Step::closed;
        case SSL_ERROR_SYSCALL:
            broken_ = true;
            failure_ = takeOpenSslErrors(error != 0 ? std::strerror(error) : "the connection ended");
            return Step::failed;
        default:
            broken_ = true;
            failure_ = takeOpenSslErrors();
            return Step::failed;
    }
}

void TlsSession::waitFor(Step step, Clock::time_point until) const {
    pollfd ready{fd_, static_cast<short>(step == Step::wantWrite ? POLLOUT : POLLIN), 0};
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
        if (left <= 0) throw Poco::TimeoutException("TLS: the connection made no progress in time");
        const int n = ::poll(&ready, 1, static_cast<int>(left));
        if (n > 0) return;  // ready, or hung up / failed: the next OpenSSL call says which
        if (n < 0 && errno != EINTR)
            throw Poco::Net::NetException("TLS: poll failed: " + std::string(std::strerror(errno)));
    }
}

}  // namespace orderhost::api

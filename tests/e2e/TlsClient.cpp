#include "TlsClient.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace orderhost::testing {
namespace {

std::string openSslErrors() {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char line[256];
        ERR_error_string_n(code, line, sizeof line);
        text += (text.empty() ? "" : "; ") + std::string(line);
    }
    return text.empty() ? "no reason given" : text;
}

}  // namespace

TlsClient::TlsClient(unsigned short port, const std::string& caFile, const std::string& certificate,
                     const std::string& key, const std::string& from)
    : fd_(::socket(AF_INET, SOCK_STREAM, 0)), context_(SSL_CTX_new(TLS_client_method())), ssl_(nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (fd_ < 0 || context_ == nullptr || ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        const std::string error = std::strerror(errno);
        release();
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " + error);
    }
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    const bool loaded =
        SSL_CTX_load_verify_locations(context_, caFile.c_str(), nullptr) == 1 &&
        (certificate.empty() || (SSL_CTX_use_certificate_chain_file(context_, certificate.c_str()) == 1 &&
                                 SSL_CTX_use_PrivateKey_file(context_, key.c_str(), SSL_FILETYPE_PEM) == 1));
    if (!loaded) {
        const std::string error = openSslErrors();
        release();
        throw std::runtime_error("the test's TLS client cannot load its files: " + error);
    }
    ssl_ = SSL_new(context_);
    SSL_set_fd(ssl_, fd_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");  // the host's certificate must name it
}

TlsClient::~TlsClient() { release(); }

void TlsClient::release() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (context_ != nullptr) SSL_CTX_free(context_);
    if (fd_ >= 0) ::close(fd_);
    ssl_ = nullptr;
    context_ = nullptr;
    fd_ = -1;
}

void TlsClient::restrict(int maxVersion, const std::string& ciphers) {
    SSL_set_security_level(ssl_, 0);  // OpenSSL 3 itself refuses TLS 1.1 and SHA-1 suites above level 0
    SSL_set_max_proto_version(ssl_, maxVersion);
    if (SSL_set_cipher_list(ssl_, ciphers.c_str()) != 1) throw std::runtime_error("cipher list: " + openSslErrors());
}

bool TlsClient::handshake() {
    ERR_clear_error();
    if (SSL_connect(ssl_) == 1) return true;
    failure_ = openSslErrors();
    return false;
}

bool TlsClient::send(const std::string& bytes) {
    ERR_clear_error();
    if (SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) == static_cast<int>(bytes.size())) return true;
    failure_ = openSslErrors();
    return false;
}

void TlsClient::reset() {
    const linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    release();
}

bool TlsClient::sendRaw(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

std::string TlsClient::read(std::chrono::milliseconds timeout, const std::string& marker) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::string received;
    while (!closedByHost_ && (marker.empty() || received.find(marker) == std::string::npos)) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd ready{fd_, POLLIN, 0};
        if (SSL_pending(ssl_) == 0 && ::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
        char buffer[4096];
        ERR_clear_error();
        const int n = SSL_read(ssl_, buffer, sizeof buffer);
        if (n <= 0) {
            const int error = SSL_get_error(ssl_, n);
            if (error == SSL_ERROR_WANT_READ) continue;  // a record without application data (a session ticket)
            if (error != SSL_ERROR_ZERO_RETURN) failure_ = openSslErrors();
            closedByHost_ = true;
            break;
        }
        received.append(buffer, static_cast<std::size_t>(n));
    }
    return received;
}

// `request` should say "Connection: close": the reply is read until the host closes.
std::string requestOverTls(unsigned short port, const std::string& caFile, const std::string& request) {
    TlsClient client(port, caFile);
    if (!client.handshake() || !client.send(request)) return "";
    return client.read(std::chrono::seconds(10));
}

}  // namespace orderhost::testing

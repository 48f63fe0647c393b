#include "RawConnection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace orderhost::testing {

RawConnection::RawConnection(unsigned short port, const std::string& from) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
        const std::string error = std::strerror(errno);
        ::close(fd_);
        throw std::runtime_error("cannot connect from " + from + ": " + error);
    }
}

RawConnection::~RawConnection() { ::close(fd_); }

bool RawConnection::send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) == static_cast<ssize_t>(bytes.size());
}

std::string RawConnection::read(std::chrono::milliseconds timeout, const std::string& marker) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::string received;
    while (!closedByHost_ && (marker.empty() || received.find(marker) == std::string::npos)) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd ready{fd_, POLLIN, 0};
        if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
        char buffer[4096];
        const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) {
            closedByHost_ = true;  // end of stream, or reset
            break;
        }
        received.append(buffer, static_cast<std::size_t>(n));
    }
    return received;
}

int statusOf(const std::string& reply) {
    if (reply.compare(0, 5, "HTTP/") != 0) return 0;
    const auto space = reply.find(' ');
    return space == std::string::npos ? 0 : std::atoi(reply.c_str() + space + 1);
}

std::string headerOf(const std::string& reply, const std::string& name) {
    const std::string head = reply.substr(0, reply.find("\r\n\r\n"));
    const std::string key = "\r\n" + name + ": ";
    const auto at = head.find(key);
    if (at == std::string::npos) return "";
    const auto end = head.find("\r\n", at + key.size());
    return head.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
}

std::string bodyOf(const std::string& reply) {
    const auto at = reply.find("\r\n\r\n");
    return at == std::string::npos ? "" : reply.substr(at + 4);
}

}  // namespace orderhost::testing

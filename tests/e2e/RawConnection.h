// A raw TCP connection to a host under test, from a chosen loopback address (127.0.0.0/8 is
// all loopback on Linux, so tests can play many clients), for tests that must send exactly
// the bytes they mean (broken framing, one byte at a time) and see exactly what comes back.
#pragma once

#include <chrono>
#include <string>

namespace orderhost::testing {

class RawConnection {
public:
    RawConnection(unsigned short port, const std::string& from = "127.0.0.1");
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // Sends without waiting for room; false when the host has closed or reset the connection.
    bool send(const std::string& bytes);
    // Reads until `marker` has arrived (empty: until the host closes), or `timeout` passes.
    std::string read(std::chrono::milliseconds timeout, const std::string& marker = "");
    // Whether the host has closed its side (read() saw the end of the stream).
    bool closedByHost() const { return closedByHost_; }

private:
    int fd_;
    bool closedByHost_ = false;
};

// "HTTP/1.1 404 Not Found..." -> 404; 0 when `reply` is not an HTTP response.
int statusOf(const std::string& reply);
// The value of header `name` in `reply` ("" when absent).
std::string headerOf(const std::string& reply, const std::string& name);
// What follows the first empty line.
std::string bodyOf(const std::string& reply);

}  // namespace orderhost::testing

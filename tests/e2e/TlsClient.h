// A TLS client of the test's own (OpenSSL, blocking), for tests of the host's TLS listener
// that must send exactly the bytes they mean over TLS (broken framing) and see exactly how a
// connection ends (an alert for a refused client certificate).
//
//   TlsClient client(port, certificates.ca);  // verifies the host's certificate for 127.0.0.1
//   ASSERT_TRUE(client.handshake()) << client.failure();
//   client.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
//   const std::string reply = client.read(5s, "}");
#pragma once

#include <chrono>
#include <string>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace orderhost::testing {

class TlsClient {
public:
    // Connects from `from` (any 127.0.0.0/8 address) to 127.0.0.1:`port`; presents
    // `certificate` and `key` when given.
    TlsClient(unsigned short port, const std::string& caFile, const std::string& certificate = "",
              const std::string& key = "", const std::string& from = "127.0.0.1");
    ~TlsClient();
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    // Before handshake(): offer at most `maxVersion` (TLS1_1_VERSION, ...) and, for TLS 1.2 and
    // older, only the suites in `ciphers` (OpenSSL's format) — a client the host must refuse.
    void restrict(int maxVersion, const std::string& ciphers);
    // False when the handshake failed (failure() says why). With TLS 1.3 a refused client
    // certificate shows only at the first read, as an alert.
    bool handshake();
    bool send(const std::string& bytes);
    // Bytes straight onto the socket, past TLS: to play a client whose TLS record arrives in part.
    bool sendRaw(const std::string& bytes);
    // Reads until `marker` has arrived (empty: until the host closes), or `timeout` passes.
    std::string read(std::chrono::milliseconds timeout, const std::string& marker = "");
    bool closedByHost() const { return closedByHost_; }
    // Closes the connection with a TCP reset (SO_LINGER 0), as a client that crashed would.
    void reset();
    const std::string& failure() const { return failure_; }

private:
    void release();

    int fd_;
    SSL_CTX* context_;
    SSL* ssl_;
    bool closedByHost_ = false;
    std::string failure_;
};

// One request (which should say "Connection: close") over a new TLS connection: the whole
// reply, read until the host closes ("" when the host refused the handshake).
std::string requestOverTls(unsigned short port, const std::string& caFile, const std::string& request);

}  // namespace orderhost::testing

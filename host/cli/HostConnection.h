// The CLI's side of the HTTP API: one request at a time to a running host, with its bearer
// token, and the mapping from what the host answered to the command's exit code.
//
// Exit codes (sysexits, as the offline commands): 0 ok, 64 usage, 65 the host refused the
// request (4xx), 69 the host cannot be reached, 75 try again later (503, 429, 408), 76 the
// reply is not what the API describes (another 5xx, not JSON), 77 the token was refused (401,
// 403). docs/admin-guide.md#cli lists them for scripts.
//
//   cli::HostConnection host({"http://127.0.0.1:8080", token});
//   const cli::HostReply reply = host.get("/v1/chains");
//   if (!reply.ok()) return cli::reportProblem(reply);
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>

#include <stdexcept>
#include <string>

namespace orderhost::cli {

// Where the host is and how to authenticate: --url/--token, else the config and environment.
struct HostTarget {
    std::string url = "http://127.0.0.1:8080";  // or https://
    std::string token;                          // empty: no Authorization header
    // https: the CAs the host's certificate must chain to (--cacert; empty: the system's), and
    // the client certificate and key to present when the host requires one (--cert, --key).
    std::string caFile;
    std::string certificate;
    std::string key;
};

struct HostReply {
    int status = 0;
    std::string reason;
    std::string contentType;
    std::string body;

    bool ok() const { return status >= 200 && status < 300; }
    // The body as a JSON object; throws BadReply when it is not one.
    Poco::JSON::Object::Ptr json() const;
};

// No connection, or it broke before a reply arrived (exit 69).
class HostUnreachable : public std::runtime_error {
public:
    HostUnreachable(const std::string& message, bool requestMayHaveArrived)
        : std::runtime_error(message), requestMayHaveArrived(requestMayHaveArrived) {}
    // False when no connection was made (refused, unknown name): repeating cannot act twice.
    bool requestMayHaveArrived;
};
// The reply is not what the API describes (exit 76).
class BadReply : public std::runtime_error {
    using std::runtime_error::runtime_error;
};
// The command line is wrong (exit 64).
class UsageError : public std::runtime_error {
    using std::runtime_error::runtime_error;
};

class HostConnection {
public:
    // Throws UsageError when the URL is not http(s)://HOST[:PORT][/prefix], or its TLS files
    // cannot be used.
    explicit HostConnection(HostTarget target);
    ~HostConnection();
    HostConnection(const HostConnection&) = delete;
    HostConnection& operator=(const HostConnection&) = delete;

    const std::string& url() const { return target_.url; }

    HostReply get(const std::string& pathAndQuery) const;
    // POSTs a JSON body with a fresh Idempotency-Key. When the connection breaks after the
    // request may have reached the host, it is sent again with the same key, so the host runs
    // it at most once and the repeat gets the first reply.
    HostReply post(const std::string& path, const std::string& jsonBody) const;

private:
    HostReply send(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& idempotencyKey) const;

    HostTarget target_;
    std::string host_;
    unsigned short port_ = 80;
    std::string prefix_;           // a path the host's API sits under behind a proxy, without trailing '/'
    Poco::Net::Context::Ptr tls_;  // https only
};

// Exit code for a reply that is not 2xx (see the table at the top).
int exitCodeFor(const HostReply& reply);

// Prints a refusal as "orderhost: <title>: <detail>" on stderr (the host's problem+json, or
// the status line when the body is not one) and returns exitCodeFor(reply).
int reportProblem(const HostReply& reply);

// Percent-encodes one path segment or query value.
std::string encodeComponent(const std::string& text);

}  // namespace orderhost::cli

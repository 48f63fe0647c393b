// Issue 8, findings 7, 8 and 11 against the real host over loopback: where a request's body
// ends (no request smuggling, no waiting for a body that was never announced), and that no
// client bytes reach a reply or a log line raw.
#include "HostProcess.h"
#include "RawConnection.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <chrono>

namespace orderhost::testing::http_request_test {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kUnknownOrder = "00000000-0000-4000-8000-000000000000";
// Answered with {"status":"ok"...} if it is ever served: it must never be.
const std::string kSmuggled = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";

Poco::JSON::Object::Ptr jsonOf(const std::string& reply) {
    return Poco::JSON::Parser().parse(bodyOf(reply)).extract<Poco::JSON::Object::Ptr>();
}

TEST(HttpRequestTest, APostWithoutBodyOrLengthIsAnsweredAtOnceAndTheConnectionServesOn) {
    HostProcess host;  // http.read_timeout_s = 10: an answer after it would be too late here
    // As `curl -X POST` sends it, with and without a Content-Type.
    for (const std::string type : {"", "Content-Type: application/json\r\n"}) {
        SCOPED_TRACE(type);
        RawConnection connection(host.port());
        const auto start = Clock::now();
        ASSERT_TRUE(
            connection.send("POST /v1/orders/" + kUnknownOrder + "/cancel HTTP/1.1\r\nHost: x\r\n" + type + "\r\n"));
        const std::string reply = connection.read(8s, "}");
        EXPECT_LT(Clock::now() - start, 5s);       // not the 10 s of http.read_timeout_s
        EXPECT_EQ(statusOf(reply), 404) << reply;  // the order is unknown: the request itself was fine
        EXPECT_NE(reply.find(kUnknownOrder), std::string::npos) << reply;
        // The connection was not poisoned by a body nobody announced.
        ASSERT_TRUE(connection.send(kSmuggled));
        EXPECT_EQ(statusOf(connection.read(3s, "}")), 200);
    }
}

TEST(HttpRequestTest, AmbiguousOrUnsupportedFramingIsRefusedAndTheConnectionClosed) {
    HostProcess host;
    const std::string body = kSmuggled;
    const std::string length = std::to_string(body.size());
    const struct {
        const char* name;
        std::string headers;
    } cases[] = {
        {"two Content-Length", "Content-Length: " + length + "\r\nContent-Length: " + length + "\r\n"},
        {"two different Content-Length", "Content-Length: 0\r\nContent-Length: " + length + "\r\n"},
        {"Transfer-Encoding and Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: " + length + "\r\n"},
        {"Transfer-Encoding gzip", "Transfer-Encoding: gzip\r\n"},
        {"Transfer-Encoding chunked twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"},
        {"Content-Length too large for 64 bits", "Content-Length: 99999999999999999999\r\n"},
        {"Content-Length with a sign", "Content-Length: +" + length + "\r\n"},
        {"Content-Length not a number", "Content-Length: ab\r\n"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        RawConnection connection(host.port());
        ASSERT_TRUE(connection.send("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                                    c.headers + "\r\n" + body));
        const std::string reply = connection.read(5s);
        EXPECT_EQ(statusOf(reply), 400) << reply;
        EXPECT_EQ(headerOf(reply, "Content-Type"), "application/problem+json") << reply;
        EXPECT_EQ(jsonOf(reply)->getValue<int>("status"), 400) << reply;
        EXPECT_TRUE(connection.closedByHost()) << "the connection stayed open after:\n" << reply;
        EXPECT_EQ(reply.find("\"status\":\"ok\""), std::string::npos) << "the body was served as a request:\n" << reply;
    }
    EXPECT_EQ(host.get("/v1/health").status, 200);
}

TEST(HttpRequestTest, ABodyOverTheLimitGets413NamingTheLimit) {
    HostOptions options;
    options.extraSettings["http.max_body_bytes"] = "2048";
    HostProcess host(options);
    RawConnection connection(host.port());
    ASSERT_TRUE(
        connection.send("POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 5000000\r\n\r\n{"));
    const std::string reply = connection.read(5s);
    EXPECT_EQ(statusOf(reply), 413) << reply;
    EXPECT_NE(jsonOf(reply)->getValue<std::string>("detail").find("2048 bytes"), std::string::npos) << reply;
    EXPECT_TRUE(connection.closedByHost());
}

TEST(HttpRequestTest, InvalidUtf8AndControlCharactersInAUrlAreNeverEchoedRaw) {
    HostProcess host;
    for (const std::string path : {"/v1/orders/%FF%FE%1B%5B31m%0Aforged", "/v1/nothing/%C0%AF%ED%A0%80%00",
                                   "/v1/orders?order_ref=%FF%0A", "/v1/events?after=%FF%1B"}) {
        SCOPED_TRACE(path);
        RawConnection connection(host.port());
        ASSERT_TRUE(connection.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        const std::string reply = connection.read(5s);
        const std::string body = bodyOf(reply);
        EXPECT_GE(statusOf(reply), 400) << reply;
        for (const char raw : {'\xFF', '\xFE', '\xC0', '\xED', '\x1B', '\n', '\0'}) {
            EXPECT_EQ(body.find(raw), std::string::npos) << "raw byte " << static_cast<int>(raw) << " in " << body;
        }
        EXPECT_NO_THROW(jsonOf(reply)) << body;
    }
}

TEST(HttpRequestTest, AClientCannotForgeLogLinesThroughTheRequestLine) {
    HostProcess host;
    RawConnection connection(host.port());
    // A raw ESC sequence in the request target, on a request the host logs as refused.
    ASSERT_TRUE(
        connection.send("POST /v1/orders\x1b[31mFORGED HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                        "Content-Length: 2\r\n\r\nxx"));
    EXPECT_EQ(statusOf(connection.read(5s)), 400);
    const std::string log = host.log();
    EXPECT_NE(log.find("/v1/orders\\x1B[31mFORGED"), std::string::npos) << log;
    EXPECT_EQ(log.find('\x1b'), std::string::npos) << log;
}

}  // namespace
}  // namespace orderhost::testing::http_request_test

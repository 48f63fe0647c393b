// Issue 13, item 4: TLS on the HTTP listener, with optional client certificates. The real
// host binary with certificates the openssl command makes at test time; clients are Poco's
// HTTPS client, curl, and a raw OpenSSL client of the test's own (TlsClient.h) for exact bytes.
#include "TlsListenerFixture.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

namespace orderhost::testing::tls_listener_test {
namespace {
using Clock = std::chrono::steady_clock;

std::string order(const std::string& ref) {
    return R"({"order_ref":")" + ref +
           R"(","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"SKU-1","quantity":1}]})";
}

// `orderhost ARGUMENTS`: its exit code, and what it printed (stdout and stderr together).
std::pair<int, std::string> runCli(const std::string& arguments) {
    std::string output;
    int status = -1;
    if (FILE* pipe = ::popen((std::string(ORDERHOST_BINARY) + " " + arguments + " 2>&1").c_str(), "r")) {
        char buffer[4096];
        while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
        status = ::pclose(pipe);
    }
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// CPU time the process `pid` has used so far (all its threads), from /proc.
std::chrono::milliseconds cpuTimeOf(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
    std::string field;
    long ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i >= 14) ticks += std::stol(field);  // utime, stime
    }
    return std::chrono::milliseconds(ticks * 1000 / ::sysconf(_SC_CLK_TCK));
}

// What `command` printed on stdout.
std::string outputOf(const std::string& command) {
    std::string output;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[4096];
        while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
        ::pclose(pipe);
    }
    return output;
}

TEST_F(TlsListenerTest, PocosHttpsClientIsServedOverOneKeptAliveConnection) {
    HostProcess host(tlsHost());
    Poco::Net::initializeSSL();
    {
        Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", certs().ca,
                                                                 Poco::Net::Context::VERIFY_RELAXED, 9, false);
        Poco::Net::HTTPSClientSession session("127.0.0.1", host.port(), context);
        session.setTimeout(Poco::Timespan(30, 0));
        const auto call = [&session](const std::string& method, const std::string& path, const std::string& body) {
            Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
            if (!body.empty()) {
                request.setContentType("application/json");
                request.setContentLength(static_cast<std::streamsize>(body.size()));
            }
            session.sendRequest(request) << body;
            Poco::Net::HTTPResponse response;
            std::string text;
            Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
            return std::make_pair(static_cast<int>(response.getStatus()), text);
        };
        const auto health = call("GET", "/v1/health", "");
        EXPECT_EQ(health.first, 200) << health.second;
        // A body of many TLS records (200 kB of JSON whitespace): read by a handler thread
        // through the session the gate handed on, on the same kept-alive connection.
        const auto placed = call("POST", "/v1/orders", order("TLS-1") + std::string(200 * 1024, ' '));
        EXPECT_EQ(placed.first, 201) << placed.second;
        EXPECT_NE(placed.second.find("TLS-1"), std::string::npos) << placed.second;
        EXPECT_EQ(call("GET", "/v1/orders?order_ref=TLS-1", "").first, 200);
    }
    Poco::Net::uninitializeSSL();
    EXPECT_NE(host.log().find("orderhost listening on https://127.0.0.1:" + std::to_string(host.port())),
              std::string::npos);
    EXPECT_NE(host.log().find("TLS on the HTTP listener: certificate CN=localhost, valid until"), std::string::npos);
    EXPECT_EQ(host.terminate(), 0) << host.log();  // under ASan: no leak, no error at exit
}

TEST_F(TlsListenerTest, CurlVerifiesTheHostAndReusesItsConnection) {
    HostProcess host(tlsHost());
    const std::string url = "https://127.0.0.1:" + std::to_string(host.port()) + "/v1/health";
    const std::string output =
        outputOf("curl -sS --http1.1 --cacert '" + certs().ca + "' -o /dev/null -o /dev/null -w " +
                 "'%{http_code} %{num_connects}\\n' '" + url + "' '" + url + "' 2>&1");
    EXPECT_EQ(output, "200 1\n200 0\n");  // the second request on the first connection
    // Without the CA, curl refuses the host's certificate: the host's TLS is real.
    EXPECT_NE(outputOf("curl -sS --http1.1 -o /dev/null '" + url + "' 2>&1").find("certificate"), std::string::npos);
}

TEST_F(TlsListenerTest, PlainHttpToTheTlsPortGetsA400AndAClose) {
    HostProcess host(tlsHost());
    RawConnection plain(host.port());
    ASSERT_TRUE(plain.send(kHealth));
    const std::string reply = plain.read(5s);
    EXPECT_EQ(statusOf(reply), 400) << reply;
    EXPECT_NE(bodyOf(reply).find("this port speaks HTTPS only"), std::string::npos) << reply;
    EXPECT_TRUE(plain.closedByHost());
}

TEST_F(TlsListenerTest, UnfinishedHandshakesAreDroppedAtTheDeadlineWithoutHoldingAThread) {
    HostOptions options = tlsHost();
    options.extraSettings["http.request_timeout_ms"] = "3000";
    options.extraSettings["http.max_threads"] = "2";
    HostProcess host(options);
    // Ten clients (more than the threads) open connections and stall: half send nothing, half
    // the first bytes of a ClientHello.
    std::vector<std::unique_ptr<RawConnection>> stalled;
    const auto opened = Clock::now();
    for (int i = 0; i < 10; ++i) {
        stalled.push_back(std::make_unique<RawConnection>(host.port(), "127.0.0." + std::to_string(2 + i)));
        if (i % 2 == 1) {
            ASSERT_TRUE(stalled.back()->send(std::string("\x16\x03\x01\x02\x00\x01", 6)));
        }
    }
    // Meanwhile another client is served.
    const std::string reply = requestOverTls(host.port(), certs().ca, kHealth);
    EXPECT_EQ(statusOf(reply), 200) << reply;
    EXPECT_LT(Clock::now() - opened, 3s) << "served only after the stalled handshakes were dropped";
    for (auto& connection : stalled) {
        EXPECT_EQ(connection->read(10s), "");  // no TLS, so no 408: the connection is closed
        EXPECT_TRUE(connection->closedByHost());
    }
    EXPECT_LT(Clock::now() - opened, 9s);  // a deadline of 3 s, with room for a loaded machine
    EXPECT_EQ(host.terminate(), 0) << host.log();
}

TEST_F(TlsListenerTest, ARecordArrivingInPartsDoesNotKeepTheFrontDoorBusy) {
    HostOptions options = tlsHost();
    options.extraSettings["http.request_timeout_ms"] = "4000";
    HostProcess host(options);
    TlsClient client(host.port(), certs().ca);
    ASSERT_TRUE(client.handshake()) << client.failure();
    // The header of an application-data record of 100 bytes, and 10 of them; the rest never comes.
    ASSERT_TRUE(client.sendRaw(std::string("\x17\x03\x03\x00\x64", 5) + std::string(10, 'x')));
    std::this_thread::sleep_for(200ms);
    const auto before = cpuTimeOf(host.pid());
    std::this_thread::sleep_for(2s);
    const auto used = cpuTimeOf(host.pid()) - before;
    // An idle host uses a few ms; a front door polling without waiting would use the 2 s.
    EXPECT_LT(used, 500ms) << used.count() << " ms of CPU in 2 s";
}

TEST_F(TlsListenerTest, ClientsThatResetTheirConnectionDoNotEndTheHost) {
    HostProcess host(tlsHost());
    // Each reset arrives while the host reads or answers: the write of the answer or of its
    // close_notify fails (ECONNRESET, EPIPE), and the host serves on.
    for (int i = 0; i < 20; ++i) {
        TlsClient client(host.port(), certs().ca);
        ASSERT_TRUE(client.handshake()) << client.failure();
        ASSERT_TRUE(client.send("GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n"));
        client.reset();
    }
    const std::string reply = requestOverTls(host.port(), certs().ca, kHealth);
    EXPECT_EQ(statusOf(reply), 200) << host.log();
    EXPECT_EQ(host.terminate(), 0) << host.log();  // still running, and it stops cleanly
}

TEST_F(TlsListenerTest, ClientCertificatesAreRequiredAndVerifiedAgainstTheClientCa) {
    HostProcess host(tlsHost(true));
    {
        TlsClient anonymous(host.port(), certs().ca);
        // With TLS 1.3 the client's handshake ends before the host has checked its certificate:
        // the refusal arrives as an alert instead of an answer.
        const bool sent = anonymous.handshake() && anonymous.send(kHealth);
        const std::string reply = sent ? anonymous.read(5s) : "";
        EXPECT_EQ(statusOf(reply), 0) << reply;
        EXPECT_NE(anonymous.failure().find("certificate required"), std::string::npos) << anonymous.failure();
    }
    {
        TlsClient stranger(host.port(), certs().ca, certs().strangerCertificate, certs().strangerKey);
        const bool sent = stranger.handshake() && stranger.send(kHealth);
        const std::string reply = sent ? stranger.read(5s) : "";
        EXPECT_EQ(statusOf(reply), 0) << reply;
        EXPECT_NE(stranger.failure().find("unknown ca"), std::string::npos) << stranger.failure();
    }
    TlsClient known(host.port(), certs().ca, certs().clientCertificate, certs().clientKey);
    ASSERT_TRUE(known.handshake()) << known.failure();
    ASSERT_TRUE(known.send(kHealth));
    const std::string reply = known.read(5s);
    EXPECT_EQ(statusOf(reply), 200) << reply;
    EXPECT_NE(host.log().find("client certificates required (CAs from " + certs().ca + ")"), std::string::npos);
}

TEST_F(TlsListenerTest, FramingRefusalsHoldOverTls) {
    HostProcess host(tlsHost());
    const std::string twoLengths =
        requestOverTls(host.port(), certs().ca,
                       "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}");
    EXPECT_EQ(statusOf(twoLengths), 400) << twoLengths;
    EXPECT_NE(twoLengths.find("more than one Content-Length"), std::string::npos) << twoLengths;
    const std::string lengthAndChunked = requestOverTls(
        host.port(), certs().ca,
        "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}");
    EXPECT_EQ(statusOf(lengthAndChunked), 400) << lengthAndChunked;
    EXPECT_NE(lengthAndChunked.find("both Transfer-Encoding and Content-Length"), std::string::npos);
}

TEST_F(TlsListenerTest, ThePerClientCapIsAnsweredAfterTheHandshake) {
    HostOptions options = tlsHost();
    options.extraSettings["http.max_connections_per_client"] = "1";
    HostProcess host(options);
    TlsClient first(host.port(), certs().ca, "", "", "127.0.0.9");
    ASSERT_TRUE(first.handshake()) << first.failure();
    TlsClient second(host.port(), certs().ca, "", "", "127.0.0.9");
    ASSERT_TRUE(second.handshake()) << second.failure();
    const std::string reply = second.read(5s);
    EXPECT_EQ(statusOf(reply), 429) << reply;
    EXPECT_EQ(headerOf(reply, "Retry-After"), "1");
}

TEST_F(TlsListenerTest, AtTheConnectionLimitANewConnectionIsClosedWithoutAHandshake) {
    HostOptions options = tlsHost();
    options.extraSettings["http.max_connections"] = "2";
    HostProcess host(options);
    std::this_thread::sleep_for(300ms);  // the start-up check's connection is gone
    const std::string keepAlive = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
    std::vector<std::unique_ptr<TlsClient>> open;
    for (int i = 0; i < 2; ++i) {
        open.push_back(std::make_unique<TlsClient>(host.port(), certs().ca));
        ASSERT_TRUE(open.back()->handshake()) << open.back()->failure();
        ASSERT_TRUE(open.back()->send(keepAlive));
        EXPECT_EQ(statusOf(open.back()->read(5s, "}")), 200);
    }
    TlsClient third(host.port(), certs().ca);
    EXPECT_FALSE(third.handshake());  // closed at accept: answering would take a handshake
    for (auto& client : open) {       // the two open connections are still served
        ASSERT_TRUE(client->send(keepAlive));
        EXPECT_EQ(statusOf(client->read(5s, "}")), 200);
    }
}

TEST_F(TlsListenerTest, TheCliTalksHttpsWithItsCaAndClientCertificate) {
    HostProcess host(tlsHost(true));
    const std::string url = " --url https://127.0.0.1:" + std::to_string(host.port());
    const std::string trust = " --cacert " + certs().ca;
    const std::string identity = " --cert " + certs().clientCertificate + " --key " + certs().clientKey;
    const auto listed = runCli("chains list" + url + trust + identity);
    EXPECT_EQ(listed.first, 0) << listed.second;
    EXPECT_NE(listed.second.find("place-order"), std::string::npos) << listed.second;
    // --config: https because the file sets api.tls.certificate.
    const auto fromConfig =
        runCli("chains list --config " + (host.folder() / "orderhost.properties").string() + trust + identity);
    EXPECT_EQ(fromConfig.first, 0) << fromConfig.second;
    // Without the CA the host's certificate is not trusted; without a client certificate the host refuses.
    const auto untrusted = runCli("chains list" + url + identity);
    EXPECT_EQ(untrusted.first, 69) << untrusted.second;
    const auto anonymous = runCli("chains list" + url + trust);
    EXPECT_EQ(anonymous.first, 69) << anonymous.second;
    EXPECT_NE(anonymous.second.find("cannot reach the host at https://127.0.0.1:"), std::string::npos)
        << anonymous.second;
}

// A certificate from the trusted CA that names another host is refused by the CLI: the chain
// verifies, the name does not (a stolen certificate of another service must not pass).
TEST_F(TlsListenerTest, TheCliRefusesACertificateOfTheRightCaThatNamesAnotherHost) {
    HostOptions options = tlsHost();
    options.extraSettings["api.tls.certificate"] = certs().elsewhereCertificate;
    options.extraSettings["api.tls.private_key"] = certs().elsewhereKey;
    options.healthy = [](unsigned short port) {  // TlsClient checks the name too: only the listener here
        try {
            RawConnection probe(port);
            return probe.send(std::string("\x16", 1));
        } catch (const std::exception&) {
            return false;
        }
    };
    HostProcess host(options);
    const std::string trust = " --cacert " + certs().ca;
    for (const std::string& name : {std::string("127.0.0.1"), std::string("localhost")}) {
        const auto refused = runCli("chains list --url https://" + name + ":" + std::to_string(host.port()) + trust);
        EXPECT_EQ(refused.first, 69) << name << ": " << refused.second;
        EXPECT_NE(refused.second.find("cannot reach the host at https://" + name), std::string::npos) << refused.second;
        EXPECT_EQ(refused.second.find("place-order"), std::string::npos) << refused.second;
    }
}

TEST_F(TlsListenerTest, BadFilesRefuseTheStartNamingTheSettingAndTheFile) {
    HostOptions missing = tlsHost();
    const std::string nowhere = (folder_ / "nowhere.pem").string();
    missing.extraSettings["api.tls.certificate"] = nowhere;
    EXPECT_NE(startFailure(missing).find("setting api.tls.certificate: " + nowhere + " does not exist"),
              std::string::npos);

    HostOptions mismatched = tlsHost();
    mismatched.extraSettings["api.tls.private_key"] = certs().clientKey;
    EXPECT_NE(startFailure(mismatched)
                  .find("setting api.tls.private_key: " + certs().clientKey + " is not the key of the certificate in " +
                        certs().serverCertificate),
              std::string::npos);

    HostOptions keyless = tlsHost();
    keyless.extraSettings.erase("api.tls.private_key");
    EXPECT_NE(startFailure(keyless).find("setting api.tls.private_key is required with api.tls.certificate"),
              std::string::npos);
}

TEST_F(TlsListenerTest, BeyondLoopbackWithoutTlsTheHostWarns) {
    HostOptions plain;
    plain.apiToken = "a-shared-token-for-the-test";
    plain.extraSettings["http.address"] = "0.0.0.0";
    HostProcess plainHost(plain);
    EXPECT_NE(plainHost.log().find("listening on 0.0.0.0 (beyond loopback) without TLS"), std::string::npos)
        << plainHost.log();

    HostOptions tls = tlsHost();
    tls.apiToken = plain.apiToken;
    tls.extraSettings["http.address"] = "0.0.0.0";
    HostProcess tlsHostProcess(tls);
    EXPECT_EQ(tlsHostProcess.log().find("without TLS"), std::string::npos) << tlsHostProcess.log();
}

}  // namespace
}  // namespace orderhost::testing::tls_listener_test

// The fixture of the TLS listener tests: certificates the openssl command makes once per
// suite (TestCertificates.h), hosts that speak TLS only, and what a refused start said.
#pragma once

#include "HostProcess.h"
#include "RawConnection.h"
#include "TlsClient.h"

#include "tests/support/TestCertificates.h"
#include "tests/support/TestDatabase.h"  // makeTempDir

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace orderhost::testing {

using namespace std::chrono_literals;

inline const std::string kHealth = "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

class TlsListenerTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        folder_ = makeTempDir("orderhost-tls");
        certificates_ = std::make_unique<TestCertificates>(folder_);
    }
    static void TearDownTestSuite() {
        certificates_.reset();
        std::filesystem::remove_all(folder_);
    }

    static const TestCertificates& certs() { return *certificates_; }

    // A host that speaks TLS only; with `clientCertificates`, it requires ones signed by the test CA.
    static HostOptions tlsHost(bool clientCertificates = false) {
        HostOptions options;
        options.extraSettings["api.tls.certificate"] = certs().serverCertificate;
        options.extraSettings["api.tls.private_key"] = certs().serverKey;
        if (clientCertificates) options.extraSettings["api.tls.client_ca"] = certs().ca;
        options.healthy = [clientCertificates](unsigned short port) {
            TlsClient client(port, certs().ca, clientCertificates ? certs().clientCertificate : "",
                             clientCertificates ? certs().clientKey : "");
            return client.handshake() && client.send(kHealth) && statusOf(client.read(5s)) == 200;
        };
        return options;
    }

    // What starting a host with `options` fails with ("started" when it does not fail).
    static std::string startFailure(const HostOptions& options) {
        try {
            HostProcess host(options);
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "started";
    }

    inline static std::filesystem::path folder_;
    inline static std::unique_ptr<TestCertificates> certificates_;
};

}  // namespace orderhost::testing

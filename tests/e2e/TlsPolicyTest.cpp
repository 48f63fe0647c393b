// What the host's TLS listener refuses (issue 13): protocols older than TLS 1.2, TLS 1.2 suites
// without forward secrecy or with CBC, revoked client certificates (api.tls.client_crl), and a
// CRL setting without client CAs or with a file that holds no CRL.
#include "TlsListenerFixture.h"

#include <openssl/ssl.h>

namespace orderhost::testing::tls_policy_test {
namespace {

class TlsPolicyTest : public TlsListenerTest {
protected:
    // A client offering only what `restrictTo` allows: the reply to a health check, "" when the
    // host refused the handshake (then `failure` says how).
    static std::string healthWith(unsigned short port, int maxVersion, const std::string& ciphers,
                                  std::string& failure) {
        TlsClient client(port, certs().ca);
        client.restrict(maxVersion, ciphers);
        const std::string reply = client.handshake() && client.send(kHealth) ? client.read(5s) : "";
        failure = client.failure();
        return reply;
    }
};

TEST_F(TlsPolicyTest, OldProtocolsAndSuitesWithoutForwardSecrecyOrWithCbcAreRefused) {
    HostProcess host(tlsHost());
    std::string failure;
    EXPECT_EQ(statusOf(healthWith(host.port(), TLS1_1_VERSION, "DEFAULT", failure)), 0);
    EXPECT_NE(failure.find("protocol version"), std::string::npos) << failure;
    EXPECT_EQ(statusOf(healthWith(host.port(), TLS1_VERSION, "DEFAULT", failure)), 0);
    EXPECT_NE(failure.find("protocol version"), std::string::npos) << failure;
    // The test certificate's key is EC: ECDHE-ECDSA with CBC is the one CBC suite it could serve.
    EXPECT_EQ(
        statusOf(healthWith(host.port(), TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA", failure)),
        0);
    EXPECT_NE(failure.find("handshake failure"), std::string::npos) << failure;
    // What the host does offer with TLS 1.2, and TLS 1.3 as it comes.
    EXPECT_EQ(statusOf(healthWith(host.port(), TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", failure)), 200)
        << failure;
    EXPECT_EQ(statusOf(healthWith(host.port(), TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", failure)), 200)
        << failure;
    EXPECT_EQ(statusOf(healthWith(host.port(), TLS1_3_VERSION, "DEFAULT", failure)), 200) << failure;
}

TEST_F(TlsPolicyTest, ARevokedClientCertificateIsRefusedAndTheOthersAreServed) {
    HostOptions options = tlsHost(true);
    options.extraSettings["api.tls.client_crl"] = certs().caCrl;
    HostProcess host(options);
    {
        TlsClient revoked(host.port(), certs().ca, certs().revokedCertificate, certs().revokedKey);
        const bool sent = revoked.handshake() && revoked.send(kHealth);
        const std::string reply = sent ? revoked.read(5s) : "";  // TLS 1.3: the refusal arrives as an alert
        EXPECT_EQ(statusOf(reply), 0) << reply;
        EXPECT_NE(revoked.failure().find("certificate revoked"), std::string::npos) << revoked.failure();
    }
    TlsClient known(host.port(), certs().ca, certs().clientCertificate, certs().clientKey);
    ASSERT_TRUE(known.handshake()) << known.failure();
    ASSERT_TRUE(known.send(kHealth));
    EXPECT_EQ(statusOf(known.read(5s)), 200);
    EXPECT_NE(host.log().find("1 CRL(s) from " + certs().caCrl), std::string::npos) << host.log();
}

TEST_F(TlsPolicyTest, ACrlSettingWithoutClientCasOrWithoutACrlRefusesTheStart) {
    HostOptions alone = tlsHost();
    alone.extraSettings["api.tls.client_crl"] = certs().caCrl;
    EXPECT_NE(startFailure(alone).find("setting api.tls.client_crl needs api.tls.client_ca"), std::string::npos);

    HostOptions notACrl = tlsHost(true);
    notACrl.extraSettings["api.tls.client_crl"] = certs().ca;  // a certificate, not a CRL
    EXPECT_NE(startFailure(notACrl).find("setting api.tls.client_crl: " + certs().ca + " holds no PEM CRL"),
              std::string::npos);
}

}  // namespace
}  // namespace orderhost::testing::tls_policy_test

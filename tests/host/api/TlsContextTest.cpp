// The listener's TLS configuration: every mistake an administrator can make with the files is
// refused at start, naming the setting and the file. Certificates are made by the openssl
// command at test time (tests/support/TestCertificates.h).
#include "host/api/TlsContext.h"

#include "tests/support/TestCertificates.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>

namespace orderhost::api {
namespace {
namespace fs = std::filesystem;

class TlsContextTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        char name[] = "/tmp/orderhost-tls-XXXXXX";
        ASSERT_NE(::mkdtemp(name), nullptr);
        folder_ = name;
        certificates_ = std::make_unique<testing::TestCertificates>(folder_);
    }
    static void TearDownTestSuite() {
        certificates_.reset();
        fs::remove_all(folder_);
    }

    // What loading `files` throws ("loaded" when it does not).
    static std::string errorOf(const TlsFiles& files) {
        try {
            TlsContext context(files);
        } catch (const TlsConfigError& e) {
            return e.what();
        }
        return "loaded";
    }

    static std::string writeFile(const std::string& name, const std::string& text) {
        std::ofstream(folder_ / name) << text;
        return (folder_ / name).string();
    }

    static const testing::TestCertificates& certs() { return *certificates_; }

    static fs::path folder_;
    static std::unique_ptr<testing::TestCertificates> certificates_;
};

fs::path TlsContextTest::folder_;
std::unique_ptr<testing::TestCertificates> TlsContextTest::certificates_;

TEST_F(TlsContextTest, AMatchingCertificateAndKeyLoad) {
    const TlsContext plain({certs().serverCertificate, certs().serverKey, ""});
    EXPECT_FALSE(plain.requiresClientCertificates());
    EXPECT_NE(plain.describeCertificate().find("CN=localhost, valid until "), std::string::npos)
        << plain.describeCertificate();
    const TlsContext mutual({certs().serverCertificate, certs().serverKey, certs().ca});
    EXPECT_TRUE(mutual.requiresClientCertificates());
}

TEST_F(TlsContextTest, AMissingFileIsRefusedNamingItsSettingAndPath) {
    const std::string missing = (folder_ / "no-such.pem").string();
    EXPECT_EQ(errorOf({missing, certs().serverKey, ""}), "setting api.tls.certificate: " + missing + " does not exist");
    EXPECT_EQ(errorOf({certs().serverCertificate, missing, ""}),
              "setting api.tls.private_key: " + missing + " does not exist");
    EXPECT_EQ(errorOf({certs().serverCertificate, certs().serverKey, missing}),
              "setting api.tls.client_ca: " + missing + " does not exist");
    EXPECT_EQ(errorOf({folder_.string(), certs().serverKey, ""}),
              "setting api.tls.certificate: " + folder_.string() + " is not a file");
}

TEST_F(TlsContextTest, AKeyThatIsNotTheCertificatesIsRefused) {
    // The client's key is an EC P-256 key too: only its values differ.
    EXPECT_EQ(errorOf({certs().serverCertificate, certs().clientKey, ""}),
              "setting api.tls.private_key: " + certs().clientKey + " is not the key of the certificate in " +
                  certs().serverCertificate + " (api.tls.certificate)");
    // A key of another type goes into another of OpenSSL's slots: caught by the final check.
    const std::string rsaKey = (folder_ / "rsa.key").string();
    ASSERT_EQ(
        std::system(
            ("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out '" + rsaKey + "' 2>/dev/null").c_str()),
        0);
    EXPECT_EQ(errorOf({certs().serverCertificate, rsaKey, ""}),
              "setting api.tls.private_key: " + rsaKey + " is not the key of the certificate in " +
                  certs().serverCertificate + " (api.tls.certificate)");
}

TEST_F(TlsContextTest, FilesWithoutPemAreRefused) {
    const std::string text = writeFile("not-pem.txt", "this is not a certificate\n");
    EXPECT_NE(errorOf({text, certs().serverKey, ""})
                  .find("setting api.tls.certificate: " + text + " holds no PEM certificate OpenSSL can use ("),
              std::string::npos);
    EXPECT_NE(errorOf({certs().serverCertificate, text, ""})
                  .find("setting api.tls.private_key: " + text + " holds no PEM private key OpenSSL can use ("),
              std::string::npos);
    EXPECT_NE(errorOf({certs().serverCertificate, certs().serverKey, text})
                  .find("setting api.tls.client_ca: " + text + " holds no PEM CA certificate OpenSSL can use ("),
              std::string::npos);
}

TEST_F(TlsContextTest, AnEncryptedKeyIsRefusedWithoutAskingForAPassphrase) {
    const std::string encrypted = (folder_ / "encrypted.key").string();
    ASSERT_EQ(std::system(("openssl pkey -in '" + certs().serverKey + "' -aes256 -passout pass:secret-words -out '" +
                           encrypted + "' 2>/dev/null")
                              .c_str()),
              0);
    EXPECT_EQ(errorOf({certs().serverCertificate, encrypted, ""}),
              "setting api.tls.private_key: " + encrypted +
                  " is encrypted, and the host cannot ask for its passphrase: store it decrypted, readable by the "
                  "host's user only");
}

}  // namespace
}  // namespace orderhost::api

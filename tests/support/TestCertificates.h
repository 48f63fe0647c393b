// Certificates made at test time with the openssl command, so that no key is ever committed:
// a CA, a server certificate for 127.0.0.1 and localhost signed by it, a client certificate
// signed by it, a revoked one with the CA's CRL listing it, and a second CA with a client
// certificate of its own (one a host that trusts only the first CA must refuse). Keys are EC P-256: quick to make.
//
//   const TestCertificates certificates(folder);  // throws std::runtime_error with openssl's output
//   settings["api.tls.certificate"] = certificates.serverCertificate;
#pragma once

#include <filesystem>
#include <string>

namespace orderhost::testing {

struct TestCertificates {
    explicit TestCertificates(const std::filesystem::path& folder);

    std::string ca;                 // PEM: the CA that signed the server and client certificates
    std::string serverCertificate;  // CN=localhost, subjectAltName localhost and 127.0.0.1
    std::string serverKey;
    std::string elsewhereCertificate;  // CN=elsewhere.example, subjectAltName elsewhere.example only, signed by `ca`
    std::string elsewhereKey;
    std::string clientCertificate;  // CN=erp-client, signed by `ca`
    std::string clientKey;
    std::string revokedCertificate;  // CN=revoked-client, signed by `ca`, listed in `caCrl`
    std::string revokedKey;
    std::string caCrl;                // PEM CRL of `ca`, revoking `revokedCertificate` only
    std::string otherCa;              // another CA, which nothing here trusts
    std::string strangerCertificate;  // CN=stranger, signed by `otherCa`
    std::string strangerKey;
};

}  // namespace orderhost::testing

// The HTTP listener's TLS configuration, loaded once at start: the certificate chain and the
// private key the host presents, and optionally the CAs whose client certificates it then
// requires. Connections use it through TlsSession (TlsSession.h), driven by the ConnectionGate.
//
// Loading checks what an administrator can get wrong — a missing or unreadable file, a file
// without a PEM certificate or key, an encrypted key, a key that does not belong to the
// certificate — and throws TlsConfigError naming the setting and the file, so the host refuses
// to start instead of failing every handshake. TLS 1.2 is the oldest version offered, and with
// it only forward-secret AEAD suites (Mozilla's "intermediate" list); TLS 1.3 keeps OpenSSL's.
//
//   TlsFiles files{"/etc/orderhost/tls/chain.pem", "/etc/orderhost/tls/key.pem", ""};
//   auto tls = std::make_shared<const TlsContext>(files);  // throws TlsConfigError
//
// Thread-safe once constructed: sessions are made from it on the gate's thread while handler
// threads use theirs (OpenSSL's SSL_CTX is safe for that).
#pragma once

#include <openssl/types.h>

#include <stdexcept>
#include <string>

namespace orderhost::api {

struct TlsFiles {
    std::string certificate;     // api.tls.certificate: PEM, the host's certificate, then intermediates
    std::string privateKey;      // api.tls.private_key: PEM, not encrypted
    std::string clientCa;        // api.tls.client_ca: PEM CA certificates; empty: no client certificates
    std::string clientCrl = "";  // api.tls.client_crl: PEM CRLs of those CAs; revoked client certificates refused
};

class TlsConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class TlsContext {
public:
    explicit TlsContext(const TlsFiles& files);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* native() const { return context_; }
    bool requiresClientCertificates() const { return !files_.clientCa.empty(); }
    int clientCrls() const { return crls_; }  // CRLs loaded from api.tls.client_crl
    const TlsFiles& files() const { return files_; }
    // "CN=orders.example.com, expires 2027-12-01 10:00:00 GMT", for the start-up log.
    std::string describeCertificate() const;

private:
    void loadCertificateAndKey();
    void loadClientCa();
    void loadClientCrl();

    const TlsFiles files_;
    SSL_CTX* context_;
    int crls_ = 0;
};

// OpenSSL's queued errors on this thread, as one line (and the queue emptied); `fallback` when
// there are none.
std::string takeOpenSslErrors(const std::string& fallback = "no reason given");

}  // namespace orderhost::api

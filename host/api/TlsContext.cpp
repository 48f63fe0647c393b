#include "host/api/TlsContext.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

namespace orderhost::api {
namespace {
constexpr char kCertificateSetting[] = "api.tls.certificate";
constexpr char kPrivateKeySetting[] = "api.tls.private_key";
constexpr char kClientCaSetting[] = "api.tls.client_ca";
constexpr char kClientCrlSetting[] = "api.tls.client_crl";
// TLS 1.2 suites: Mozilla's "intermediate" configuration (ECDHE/DHE key exchange, AES-GCM or
// ChaCha20-Poly1305): no CBC, no RSA key exchange, nothing without forward secrecy.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// Sessions resumed with a client certificate need an id context (OpenSSL refuses them otherwise).
constexpr unsigned char kSessionIdContext[] = "orderhost";

TlsConfigError configError(const std::string& setting, const std::string& message) {
    ERR_clear_error();
    return TlsConfigError("setting " + setting + ": " + message);
}

// Checked before OpenSSL reads it: OpenSSL's "system lib" says less than errno does.
void checkReadable(const std::string& setting, const std::string& path) {
    if (path.empty()) throw configError(setting, "no file named");
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        throw configError(setting,
                          path + (std::filesystem::exists(path, error) ? " is not a file" : " does not exist"));
    }
    std::FILE* file = std::fopen(path.c_str(), "r");
    if (file == nullptr) throw configError(setting, "cannot read " + path + ": " + std::strerror(errno));
    std::fclose(file);
}

bool fileMentions(const std::string& path, const std::string& text) {
    std::ifstream in(path);
    std::stringstream content;
    content << in.rdbuf();
    return content.str().find(text) != std::string::npos;
}

// An encrypted key would make OpenSSL ask for its passphrase on the terminal: refuse instead.
int refusePassphrase(char*, int, int, void*) { return 0; }

std::string printed(const std::function<void(BIO*)>& print) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio) return "?";
    print(bio.get());
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return length > 0 ? std::string(data, static_cast<std::size_t>(length)) : "";
}

}  // namespace

std::string takeOpenSslErrors(const std::string& fallback) {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char line[256];
        ERR_error_string_n(code, line, sizeof line);
        text += (text.empty() ? "" : "; ") + std::string(line);
    }
    return text.empty() ? fallback : text;
}

TlsContext::TlsContext(const TlsFiles& files) : files_(files), context_(SSL_CTX_new(TLS_server_method())) {
    if (context_ == nullptr) throw TlsConfigError("TLS: OpenSSL could not make a context: " + takeOpenSslErrors());
    try {
        SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
        if (SSL_CTX_set_cipher_list(context_, kTls12Ciphers) != 1)
            throw TlsConfigError("TLS: OpenSSL refused the cipher list: " + takeOpenSslErrors());
        SSL_CTX_set_dh_auto(context_, 1);  // the DHE suites need parameters; OpenSSL 3 has none by default
        // No renegotiation (a client could make the host redo handshakes at will); a client
        // that closes without close_notify is a normal end once its answer is complete,
        // because every answer has a Content-Length.
        SSL_CTX_set_options(context_,
                            SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
        SSL_CTX_set_default_passwd_cb(context_, refusePassphrase);
        SSL_CTX_set_session_id_context(context_, kSessionIdContext, sizeof kSessionIdContext - 1);
        loadCertificateAndKey();
        if (!files_.clientCa.empty()) loadClientCa();
        if (!files_.clientCrl.empty()) loadClientCrl();
    } catch (...) {
        SSL_CTX_free(context_);
        throw;
    }
    const X509* certificate = SSL_CTX_get0_certificate(context_);
    if (X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0) {
        spdlog::warn("the certificate in {} ({}) has expired: clients will refuse it", kCertificateSetting,
                     files_.certificate);
    }
}

TlsContext::~TlsContext() { SSL_CTX_free(context_); }

void TlsContext::loadCertificateAndKey() {
    checkReadable(kCertificateSetting, files_.certificate);
    checkReadable(kPrivateKeySetting, files_.privateKey);
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(context_, files_.certificate.c_str()) != 1) {
        throw configError(kCertificateSetting, files_.certificate + " holds no PEM certificate OpenSSL can use (" +
                                                   takeOpenSslErrors() + ")");
    }
    if (SSL_CTX_use_PrivateKey_file(context_, files_.privateKey.c_str(), SSL_FILETYPE_PEM) != 1) {
        const unsigned long reason = ERR_GET_REASON(ERR_peek_last_error());
        if (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH) {
            throw configError(kPrivateKeySetting, files_.privateKey + " is not the key of the certificate in " +
                                                      files_.certificate + " (" + kCertificateSetting + ")");
        }
        if (fileMentions(files_.privateKey, "ENCRYPTED")) {
            throw configError(kPrivateKeySetting,
                              files_.privateKey +
                                  " is encrypted, and the host cannot ask for its "
                                  "passphrase: store it decrypted, readable by the host's user only");
        }
        throw configError(kPrivateKeySetting, files_.privateKey + " holds no PEM private key OpenSSL can use (" +
                                                  takeOpenSslErrors() + ")");
    }
    // A key of another type than the certificate's is accepted above and caught here.
    if (SSL_CTX_check_private_key(context_) != 1) {
        throw configError(kPrivateKeySetting, files_.privateKey + " is not the key of the certificate in " +
                                                  files_.certificate + " (" + kCertificateSetting + ")");
    }
}

void TlsContext::loadClientCa() {
    checkReadable(kClientCaSetting, files_.clientCa);
    ERR_clear_error();
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files_.clientCa.c_str());
    if (names == nullptr || SSL_CTX_load_verify_locations(context_, files_.clientCa.c_str(), nullptr) != 1) {
        if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
        throw configError(kClientCaSetting, files_.clientCa + " holds no PEM CA certificate OpenSSL can use (" +
                                                takeOpenSslErrors("no certificate found") + ")");
    }
    SSL_CTX_set_client_CA_list(context_, names);  // the names a client is told to choose a certificate by
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
}

// Every CRL in the file goes into the store; each client certificate is then checked against
// its issuer's CRL, and a CA without one in the file fails every client it signed ("unable to
// get certificate CRL"): a forgotten CRL refuses, it does not let revoked ones in. Read at
// start: a new CRL takes a restart (tickets die with it: their keys are made per start).
void TlsContext::loadClientCrl() {
    checkReadable(kClientCrlSetting, files_.clientCrl);
    std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_file(files_.clientCrl.c_str(), "r"), BIO_free);
    X509_STORE* store = SSL_CTX_get_cert_store(context_);
    int loaded = 0;
    ERR_clear_error();
    while (in) {
        X509_CRL* crl = PEM_read_bio_X509_CRL(in.get(), nullptr, refusePassphrase, nullptr);
        if (crl == nullptr) break;
        const int added = X509_STORE_add_crl(store, crl);
        X509_CRL_free(crl);
        if (added != 1) throw configError(kClientCrlSetting, files_.clientCrl + ": " + takeOpenSslErrors());
        ++loaded;
    }
    if (loaded == 0)
        throw configError(kClientCrlSetting, files_.clientCrl + " holds no PEM CRL OpenSSL can use (" +
                                                 takeOpenSslErrors("no CRL found") + ")");
    ERR_clear_error();  // the end of the file reads as an error
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    crls_ = loaded;
}

std::string TlsContext::describeCertificate() const {
    const X509* certificate = SSL_CTX_get0_certificate(context_);
    const std::string subject = printed(
        [certificate](BIO* bio) { X509_NAME_print_ex(bio, X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253); });
    const std::string until =
        printed([certificate](BIO* bio) { ASN1_TIME_print(bio, X509_get0_notAfter(certificate)); });
    return subject + ", valid until " + until;
}

}  // namespace orderhost::api

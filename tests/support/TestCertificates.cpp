#include "tests/support/TestCertificates.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace orderhost::testing {
namespace {
namespace fs = std::filesystem;

void run(const fs::path& folder, const std::string& command) {
    const std::string log = (folder / "openssl.log").string();
    const std::string line = "cd '" + folder.string() + "' && " + command + " >>'" + log + "' 2>&1";
    if (std::system(line.c_str()) != 0) {
        std::ifstream in(log);
        std::stringstream text;
        text << in.rdbuf();
        throw std::runtime_error("openssl could not make the test certificates (" + command + "):\n" + text.str());
    }
}

void makeCa(const fs::path& folder, const std::string& name) {
    run(folder, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=" + name +
                    " -keyout " + name + ".key -out " + name + ".pem");
}

// `name`.pem and `name`.key, signed by the CA `ca`, with the extensions in `extensions`.
void makeSigned(const fs::path& folder, const std::string& name, const std::string& ca, const std::string& extensions) {
    std::ofstream(folder / (name + ".ext")) << extensions;
    run(folder, "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=" + name + " -keyout " +
                    name + ".key -out " + name + ".csr");
    run(folder, "openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -CAcreateserial " +
                    "-days 2 -extfile " + name + ".ext -out " + name + ".pem");
}

// `ca`.crl: the CA's CRL with `revoked` listed, made by `openssl ca` with a minimal database.
void makeCrl(const fs::path& folder, const std::string& ca, const std::string& revoked) {
    std::ofstream(folder / (ca + ".cnf")) << "[ca]\ndefault_ca = own\n[own]\ndatabase = " << ca
                                          << ".index\ncrlnumber = " << ca << ".crlnumber\ndefault_md = sha256\n"
                                          << "default_crl_days = 2\n";
    std::ofstream(folder / (ca + ".index"));
    std::ofstream(folder / (ca + ".crlnumber")) << "01\n";
    const std::string common = "openssl ca -config " + ca + ".cnf -keyfile " + ca + ".key -cert " + ca + ".pem";
    run(folder, common + " -revoke " + revoked + ".pem");
    run(folder, common + " -gencrl -out " + ca + ".crl");
}

}  // namespace

TestCertificates::TestCertificates(const fs::path& folder) {
    fs::create_directories(folder);
    makeCa(folder, "test-ca");
    makeCa(folder, "other-ca");
    makeSigned(folder, "localhost", "test-ca",
               "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    makeSigned(folder, "elsewhere.example", "test-ca",
               "subjectAltName=DNS:elsewhere.example\nextendedKeyUsage=serverAuth\n");
    makeSigned(folder, "erp-client", "test-ca", "extendedKeyUsage=clientAuth\n");
    makeSigned(folder, "stranger", "other-ca", "extendedKeyUsage=clientAuth\n");
    makeSigned(folder, "revoked-client", "test-ca", "extendedKeyUsage=clientAuth\n");
    makeCrl(folder, "test-ca", "revoked-client");
    const auto file = [&folder](const std::string& name) { return (folder / name).string(); };
    ca = file("test-ca.pem");
    serverCertificate = file("localhost.pem");
    serverKey = file("localhost.key");
    elsewhereCertificate = file("elsewhere.example.pem");
    elsewhereKey = file("elsewhere.example.key");
    clientCertificate = file("erp-client.pem");
    clientKey = file("erp-client.key");
    revokedCertificate = file("revoked-client.pem");
    revokedKey = file("revoked-client.key");
    caCrl = file("test-ca.crl");
    otherCa = file("other-ca.pem");
    strangerCertificate = file("stranger.pem");
    strangerKey = file("stranger.key");
}

}  // namespace orderhost::testing

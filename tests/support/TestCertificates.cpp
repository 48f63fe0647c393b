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

}  // namespace

TestCertificates::TestCertificates(const fs::path& folder) {
    fs::create_directories(folder);
    makeCa(folder, "test-ca");
    makeCa(folder, "other-ca");
    makeSigned(folder, "localhost", "test-ca", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    makeSigned(folder, "elsewhere.example", "test-ca", "subjectAltName=DNS:elsewhere.example\nextendedKeyUsage=serverAuth\n");
    makeSigned(folder, "erp-client", "test-ca", "extendedKeyUsage=clientAuth\n");
    makeSigned(folder, "stranger", "other-ca", "extendedKeyUsage=clientAuth\n");
    const auto file = [&folder](const std::string& name) { return (folder / name).string(); };
    ca = file("test-ca.pem");
    serverCertificate = file("localhost.pem");
    serverKey = file("localhost.key");
    elsewhereCertificate = file("elsewhere.example.pem");
    elsewhereKey = file("elsewhere.example.key");
    clientCertificate = file("erp-client.pem");
    clientKey = file("erp-client.key");
    otherCa = file("other-ca.pem");
    strangerCertificate = file("stranger.pem");
    strangerKey = file("stranger.key");
}

}  // namespace orderhost::testing

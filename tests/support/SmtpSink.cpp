#include "SmtpSink.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace orderhost::testing {
namespace {

// "smtp_sink smtp 127.0.0.1:PORT http 127.0.0.1:PORT": the port after "<word> 127.0.0.1:".
unsigned short portAfter(const std::string& line, const std::string& word) {
    const std::size_t at = line.find(word + " 127.0.0.1:");
    if (at == std::string::npos) return 0;
    return static_cast<unsigned short>(std::stoi(line.substr(at + word.size() + 11)));
}

}  // namespace

SmtpSink::SmtpSink(const std::string& auth, bool tls) : folder_(Poco::TemporaryFile::tempName() + "-smtp-sink") {
    std::filesystem::create_directories(folder_);
    std::string tlsArgs;
    if (tls) {  // a throw-away self-signed certificate, valid for the names a test connects by
        const std::string make =
            "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
            " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
            folder_ + "/key.pem' -out '" + folder_ + "/cert.pem' 2>>'" + folder_ + "/sink.log'";
        if (std::system(make.c_str()) != 0) throw std::runtime_error("openssl could not make a certificate:\n" + log());
        tlsArgs = " --tls-cert '" + folder_ + "/cert.pem' --tls-key '" + folder_ + "/key.pem'";
    }
    Poco::Pipe out;
    // Debian's interpreter, for which python3-aiosmtpd is installed (a python3 earlier on the
    // PATH, e.g. pyenv's, would not find it). exec: the handle is the Python process itself.
    const std::string command =
        "exec " ORDERHOST_SMTP_SINK_PYTHON " '" ORDERHOST_SMTP_SINK "' --port 0 --http-port 0 --maildir '" + folder_ +
        "/maildir'" + (auth.empty() ? "" : " --auth '" + auth + "'") + tlsArgs + " 2>>'" + folder_ + "/sink.log'";
    process_ = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch("/bin/sh", {"-c", command}, nullptr, &out, nullptr));
    Poco::PipeInputStream in(out);
    std::string line;
    std::getline(in, line);
    smtpPort_ = portAfter(line, "smtp");
    httpPort_ = portAfter(line, "http");
    if (smtpPort_ == 0 || httpPort_ == 0)
        throw std::runtime_error("the SMTP sink did not start: \"" + line + "\"\n" + log());
}

SmtpSink::~SmtpSink() {
    if (process_) {
        ::kill(process_->id(), SIGTERM);
        process_->wait();
    }
    std::filesystem::remove_all(folder_);
}

std::string SmtpSink::request(const std::string& method, const std::string& path, const std::string& body) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", httpPort_);
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string answer;
    Poco::StreamCopier::copyToString(in, answer);
    if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
        throw std::runtime_error("SMTP sink " + method + " " + path + ": " + answer);
    return answer;
}

Poco::JSON::Array::Ptr SmtpSink::messages() const {
    return Poco::JSON::Parser()
        .parse(request("GET", "/messages", ""))
        .extract<Poco::JSON::Object::Ptr>()
        ->getArray("messages");
}

int SmtpSink::refused() const {
    return Poco::JSON::Parser()
        .parse(request("GET", "/messages", ""))
        .extract<Poco::JSON::Object::Ptr>()
        ->getValue<int>("refused");
}

void SmtpSink::refuseNext(int count, int code) const {
    request("POST", "/admin/faults",
            R"({"refuse_count":)" + std::to_string(count) + R"(,"refuse_code":)" + std::to_string(code) + "}");
}

std::string SmtpSink::log() const {
    std::ifstream in(folder_ + "/sink.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace orderhost::testing

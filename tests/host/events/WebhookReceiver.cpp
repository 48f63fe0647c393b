#include "tests/host/events/WebhookReceiver.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <cstdlib>
#include <stdexcept>

namespace orderhost::testing {
namespace {

class RecordingHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit RecordingHandler(WebhookReceiver& receiver) : receiver_(receiver) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
        ReceivedRequest received{request.getMethod(), request.getURI(), {}, {}};
        Poco::StreamCopier::copyToString(request.stream(), received.body);
        for (const auto& [name, value] : request) received.headers[name] = value;
        const int status = receiver_.record(std::move(received));
        response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
        response.setContentLength(0);
        response.send();
    }

private:
    WebhookReceiver& receiver_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit Factory(WebhookReceiver& receiver) : receiver_(receiver) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new RecordingHandler(receiver_);
    }

private:
    WebhookReceiver& receiver_;
};

}  // namespace

WebhookReceiver::WebhookReceiver() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, new Poco::Net::HTTPServerParams);
    server_->start();
}

WebhookReceiver::WebhookReceiver(const std::string& certificateFile, const std::string& keyFile) : scheme_("https") {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, keyFile,
                                                             certificateFile, "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, new Poco::Net::HTTPServerParams);
    server_->start();
}

WebhookReceiver::~WebhookReceiver() {
    server_->stopAll(true);
    server_.reset();
    if (scheme_ == "https") Poco::Net::uninitializeSSL();
}

std::string WebhookReceiver::url(const std::string& path) const {
    return scheme_ + "://127.0.0.1:" + std::to_string(server_->port()) + path;
}

void makeSelfSignedCertificate(const std::string& folder, const std::string& name) {
    const std::string names = name == "localhost" ? "DNS:localhost,IP:127.0.0.1" : "DNS:" + name;
    const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=" + name +
                             " -addext subjectAltName=" + names + " -keyout '" + folder + "/key.pem' -out '" + folder +
                             "/cert.pem' 2>/dev/null";
    if (std::system(make.c_str()) != 0) throw std::runtime_error("openssl could not make a certificate in " + folder);
}

void WebhookReceiver::answerNext(std::vector<int> statuses) {
    std::lock_guard<std::mutex> lock(mutex_);
    statuses_.insert(statuses_.end(), statuses.begin(), statuses.end());
}

bool WebhookReceiver::waitFor(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

std::vector<ReceivedRequest> WebhookReceiver::requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
}

int WebhookReceiver::record(ReceivedRequest request) {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(std::move(request));
    arrived_.notify_all();
    if (statuses_.empty()) return 204;
    const int status = statuses_.front();
    statuses_.pop_front();
    return status;
}

}  // namespace orderhost::testing

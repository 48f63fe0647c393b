// An HTTP response held in memory: an endpoint writes it as it would write to the client,
// and the caller decides what to do with it — keep it for idempotent replays
// (IdempotentRequests.h), then send it with sendCaptured().
#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <sstream>
#include <string>

namespace orderhost::api {

class CapturedResponse : public Poco::Net::HTTPServerResponse {
public:
    void sendContinue() override {}
    std::ostream& send() override;
    void sendBuffer(const void* buffer, std::size_t length) override;
    // The API's endpoints never send files, redirect or ask for credentials this way.
    void sendFile(const std::string& path, const std::string& mediaType) override;
    void redirect(const std::string& uri, HTTPStatus status) override;
    void requireAuthentication(const std::string& realm) override;
    bool sent() const override { return sent_; }

    std::string body() const { return body_.str(); }

private:
    std::ostringstream body_;
    bool sent_ = false;
};

// Writes `captured` (status, headers, body) to the client's response.
void sendCaptured(const CapturedResponse& captured, Poco::Net::HTTPServerResponse& response);

}  // namespace orderhost::api

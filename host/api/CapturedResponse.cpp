#include "host/api/CapturedResponse.h"

#include <Poco/Exception.h>

namespace orderhost::api {

std::ostream& CapturedResponse::send() {
    sent_ = true;
    return body_;
}

void CapturedResponse::sendBuffer(const void* buffer, std::size_t length) {
    sent_ = true;
    body_.write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
}

void CapturedResponse::sendFile(const std::string&, const std::string&) {
    throw Poco::NotImplementedException("CapturedResponse::sendFile");
}

void CapturedResponse::redirect(const std::string&, HTTPStatus) {
    throw Poco::NotImplementedException("CapturedResponse::redirect");
}

void CapturedResponse::requireAuthentication(const std::string&) {
    throw Poco::NotImplementedException("CapturedResponse::requireAuthentication");
}

void sendCaptured(const CapturedResponse& captured, Poco::Net::HTTPServerResponse& response) {
    response.setStatusAndReason(captured.getStatus(), captured.getReason());
    for (const auto& [name, value] : captured) response.set(name, value);
    const std::string body = captured.body();
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
}

}  // namespace orderhost::api

#include "host/api/JsonReply.h"

#include <sstream>

namespace orderhost::api {

void sendJson(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
              const Poco::JSON::Object& body) {
    std::ostringstream text;
    body.stringify(text);
    const std::string payload = text.str();
    response.setStatusAndReason(status);
    response.setContentType(status >= 400 ? "application/problem+json" : "application/json");
    response.setContentLength(static_cast<std::streamsize>(payload.size()));
    response.set("Cache-Control", "no-store");
    response.send() << payload;
}

void sendProblem(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
                 const std::string& detail, const Poco::JSON::Array::Ptr& errors) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("type", "about:blank");
    body.set("title", Poco::Net::HTTPResponse::getReasonForStatus(status));
    body.set("status", static_cast<int>(status));
    body.set("detail", detail);
    if (errors) body.set("errors", errors);
    sendJson(response, status, body);
}

}  // namespace orderhost::api

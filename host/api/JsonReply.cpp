#include "host/api/JsonReply.h"

#include "host/api/ClientText.h"

#include <sstream>

namespace orderhost::api {
namespace {

Poco::JSON::Object problemObject(Poco::Net::HTTPResponse::HTTPStatus status, const std::string& detail) {
    Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
    body.set("type", "about:blank");
    body.set("title", Poco::Net::HTTPResponse::getReasonForStatus(status));
    body.set("status", static_cast<int>(status));
    body.set("detail", detail);
    return body;
}

std::string stringified(const Poco::JSON::Object& body) {
    std::ostringstream text;
    body.stringify(text);
    // Poco escapes control characters but copies other bytes as they are; only string
    // contents can hold such bytes, so replacing them keeps the document's structure.
    return validUtf8(text.str());
}

}  // namespace

void sendJson(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
              const Poco::JSON::Object& body, const char* contentType) {
    sendJsonText(response, status, stringified(body), contentType);
}

void sendJsonText(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
                  const std::string& payload, const char* contentType) {
    response.setStatusAndReason(status);
    if (contentType == nullptr) contentType = status >= 400 ? "application/problem+json" : "application/json";
    response.setContentType(contentType);
    response.setContentLength(static_cast<std::streamsize>(payload.size()));
    response.set("Cache-Control", "no-store");
    response.send() << payload;
}

Poco::JSON::Array::Ptr schemaErrors(const std::vector<document::SchemaError>& errors) {
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& error : errors) {
        Poco::JSON::Object item(Poco::JSON_PRESERVE_KEY_ORDER);
        item.set("field", error.path);
        item.set("message", error.message);
        list->add(item);
    }
    return list;
}

void sendProblem(Poco::Net::HTTPServerResponse& response, Poco::Net::HTTPResponse::HTTPStatus status,
                 const std::string& detail, const Poco::JSON::Array::Ptr& errors) {
    Poco::JSON::Object body = problemObject(status, detail);
    if (errors) body.set("errors", errors);
    sendJson(response, status, body);
}

std::string problemJson(Poco::Net::HTTPResponse::HTTPStatus status, const std::string& detail) {
    return stringified(problemObject(status, detail));
}

}  // namespace orderhost::api

#include "host/events/EventJson.h"

#include <Poco/Exception.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace orderhost::events {
namespace {

Poco::Dynamic::Var payloadValue(const std::string& json) {
    try {
        // Preserving member order: the payload goes out as the engine wrote it.
        Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
        return parser.parse(json);
    } catch (const Poco::Exception&) {
        return json;
    }
}

}  // namespace

Poco::JSON::Object::Ptr eventJson(const store::OutboxEvent& event) {
    Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    object->set("id", event.id);
    object->set("order_id", event.orderId);
    object->set("type", event.type);
    object->set("payload", payloadValue(event.payloadJson));
    object->set("created_at", event.createdAtMs);
    return object;
}

std::string eventJsonText(const store::OutboxEvent& event) {
    std::ostringstream text;
    eventJson(event)->stringify(text);
    return text.str();
}

}  // namespace orderhost::events

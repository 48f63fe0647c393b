// The JSON form of an outbox event, the same in the HTTP feed and in webhook deliveries:
//   {"id":42,"order_id":"5cb5…","type":"order.completed","payload":{…},"created_at":1795697619080}
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

#include "host/store/Outbox.h"

namespace orderhost::events {

// `payload` is the stored JSON object. A payload that does not parse (a writer's bug) goes out
// as a JSON string rather than being dropped or failing the whole page.
Poco::JSON::Object::Ptr eventJson(const store::OutboxEvent& event);
std::string eventJsonText(const store::OutboxEvent& event);

}  // namespace orderhost::events

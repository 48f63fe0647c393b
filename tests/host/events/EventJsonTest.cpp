#include "host/events/EventJson.h"

#include <gtest/gtest.h>

namespace orderhost::events {
namespace {

TEST(EventJsonTest, TheEventWithItsPayloadAsAnObject) {
    const store::OutboxEvent event{42, "o-1", "order.completed", R"({"state":"completed","n":1764000000123})",
                                   1764000000999};
    EXPECT_EQ(eventJsonText(event),
              R"({"id":42,"order_id":"o-1","type":"order.completed","payload":{"state":"completed","n":1764000000123},)"
              R"("created_at":1764000000999})");
}

TEST(EventJsonTest, APayloadThatIsNoJsonGoesOutAsAString) {
    const store::OutboxEvent event{7, "o-1", "order.received", "not json", 1};
    EXPECT_NE(eventJsonText(event).find(R"("payload":"not json")"), std::string::npos) << eventJsonText(event);
}

}  // namespace
}  // namespace orderhost::events

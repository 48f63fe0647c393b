// Request ids: a client's is kept when it is safe to echo and log, otherwise one is made.
#include "host/logging/LogContext.h"

#include <gtest/gtest.h>

#include <thread>

namespace orderhost::logging {
namespace {

TEST(LogContextTest, AClientsRequestIdIsKeptOnlyWhenPrintableAndShort) {
    EXPECT_TRUE(isUsableRequestId("3f2c9a-01:retry.2"));
    EXPECT_FALSE(isUsableRequestId(""));
    EXPECT_FALSE(isUsableRequestId("two words"));
    EXPECT_FALSE(isUsableRequestId("line\nbreak"));
    EXPECT_FALSE(isUsableRequestId(std::string(129, 'a')));
    EXPECT_TRUE(isUsableRequestId(std::string(128, 'a')));
}

TEST(LogContextTest, MadeRequestIdsAre32HexDigitsAndDiffer) {
    const std::string a = newRequestId(), b = newRequestId();
    EXPECT_EQ(a.size(), 32u);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_NE(a, b);
}

TEST(LogContextTest, FieldsBelongToTheirThreadAndTravelOnlyWhenHandedOver) {
    const LogScope fields({"req-1", "order-1", "", "", "", ""});
    std::string seenWithout, seenWith;
    std::thread([&] { seenWithout = currentLogFields().requestId; }).join();
    const LogFields handed = fieldsForStep("credit", "orderhost.credit");
    std::thread([&] {
        const LogScope scope(handed);
        seenWith = currentLogFields().requestId + "/" + currentLogFields().step;
    }).join();
    EXPECT_EQ(seenWithout, "");
    EXPECT_EQ(seenWith, "req-1/credit");
}

}  // namespace
}  // namespace orderhost::logging

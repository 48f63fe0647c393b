// prefersRespondAsync (OrderEndpoints.cpp): RFC 7240 preferences, as clients write them.
#include "host/api/Endpoints.h"

#include <gtest/gtest.h>

namespace orderhost::api {
namespace {

TEST(PreferHeader, FindsRespondAsyncAmongOtherPreferencesInAnyCase) {
    EXPECT_TRUE(prefersRespondAsync("respond-async"));
    EXPECT_TRUE(prefersRespondAsync("Respond-Async"));
    EXPECT_TRUE(prefersRespondAsync("wait=10, respond-async"));
    EXPECT_TRUE(prefersRespondAsync(" respond-async ;foo=bar,return=minimal"));
    EXPECT_TRUE(prefersRespondAsync("return=minimal,respond-async"));  // several Prefer fields, joined
}

TEST(PreferHeader, IgnoresLookAlikesAndQuotedValues) {
    EXPECT_FALSE(prefersRespondAsync(""));
    EXPECT_FALSE(prefersRespondAsync("wait=10"));
    EXPECT_FALSE(prefersRespondAsync("respond-asynchronously"));
    EXPECT_FALSE(prefersRespondAsync("handling=respond-async"));
    EXPECT_FALSE(prefersRespondAsync(R"(foo=", respond-async")"));
    EXPECT_FALSE(prefersRespondAsync(R"(foo="a\", respond-async")"));
    EXPECT_TRUE(prefersRespondAsync(R"(foo="a, b", respond-async)"));
}

}  // namespace
}  // namespace orderhost::api

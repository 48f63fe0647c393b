// Typed access to the documents (document.hpp) against the fake host's JSON documents.
#include "fake_host.hpp"

#include <orderhost/sdk.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace sdk = orderhost::sdk;
using orderhost::testing::FakeHost;

namespace {

constexpr char kOrder[] = R"({"order_ref":"ERP-1001","currency":"EUR",
  "customer":{"id":"C-1","name":"Ada","email":null},
  "lines":[{"sku":"SKU-1","quantity":2,"unit_price":1999,"gift":true}],
  "big": 18446744073709551615, "price": 19.99})";

class SdkDocument : public ::testing::Test {
protected:
    SdkDocument() : host_(kOrder, R"({"catalog":{"A/B":{"price":1},"C~D":{}}})") {
        host_.stepCall();  // run() mode: the order is available
    }
    sdk::OrderDocument order() { return sdk::OrderDocument(FakeHost::services(), host_.context()); }
    sdk::Document config() { return sdk::Document(FakeHost::services(), host_.context(), OH_DOC_CONFIG); }

    // The status and path of the sdk::Error `fn` throws; fails the test when it throws none.
    template <class Fn>
    std::pair<oh_status, std::string> errorOf(Fn&& fn) {
        try {
            fn();
        } catch (const sdk::Error& e) {
            return {e.status(), e.path()};
        }
        ADD_FAILURE() << "no sdk::Error thrown";
        return {OH_STATUS_OK, ""};
    }

    FakeHost host_;
};

TEST_F(SdkDocument, ReadsTypedValues) {
    EXPECT_EQ(order().string("/customer/id"), "C-1");
    EXPECT_EQ(order().integer("/lines/0/quantity"), 2);
    EXPECT_TRUE(order().boolean("/lines/0/gift"));
    EXPECT_EQ(order().size("/lines"), 1u);
    EXPECT_EQ(order().size("/customer"), 3u);
    EXPECT_EQ(order().json("/lines/0/sku"), "\"SKU-1\"");
    EXPECT_EQ(order().type("/lines"), sdk::JsonType::array);
    EXPECT_EQ(order().type("/customer/email"), sdk::JsonType::null);
}

TEST_F(SdkDocument, MissingValuesThrowNotFoundWithThePath) {
    auto [status, path] = errorOf([&] { order().string("/customer/phone"); });
    EXPECT_EQ(status, OH_STATUS_NOT_FOUND);
    EXPECT_EQ(path, "/customer/phone");
    EXPECT_EQ(errorOf([&] { order().integer("/lines/7/quantity"); }).first, OH_STATUS_NOT_FOUND);
    EXPECT_EQ(errorOf([&] { order().size("/nothing"); }).first, OH_STATUS_NOT_FOUND);
}

TEST_F(SdkDocument, MistypedValuesThrowTypeMismatch) {
    EXPECT_EQ(errorOf([&] { order().integer("/customer/id"); }),
              std::make_pair(OH_STATUS_TYPE_MISMATCH, std::string("/customer/id")));
    EXPECT_EQ(errorOf([&] { order().string("/lines/0/quantity"); }).first, OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(errorOf([&] { order().integer("/price"); }).first, OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(errorOf([&] { order().integer("/big"); }).first, OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(errorOf([&] { order().boolean("/customer/id"); }).first, OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(errorOf([&] { order().size("/customer/id"); }).first, OH_STATUS_TYPE_MISMATCH);
    EXPECT_EQ(errorOf([&] { order().keys("/lines"); }), std::make_pair(OH_STATUS_TYPE_MISMATCH, std::string("/lines")));
}

TEST_F(SdkDocument, OptionalGettersTreatMissingAndNullAsAbsentButNotOtherTypes) {
    EXPECT_EQ(order().optionalString("/customer/name"), "Ada");
    EXPECT_EQ(order().optionalString("/customer/phone"), std::nullopt);
    EXPECT_EQ(order().optionalString("/customer/email"), std::nullopt);
    EXPECT_EQ(order().optionalInteger("/lines/0/unit_price"), 1999);
    EXPECT_EQ(order().optionalBoolean("/lines/0/missing"), std::nullopt);
    EXPECT_EQ(errorOf([&] { order().optionalInteger("/customer/id"); }).first, OH_STATUS_TYPE_MISMATCH);
    EXPECT_TRUE(order().has("/customer/email"));
    EXPECT_FALSE(order().has("/customer/phone"));
}

TEST_F(SdkDocument, ConfigKeysAreUnescapedAndUsableInPaths) {
    std::vector<std::string> keys = config().keys("/catalog");
    ASSERT_EQ(keys.size(), 2u);
    for (const std::string& sku : keys) EXPECT_TRUE(config().has(sdk::path("catalog", sku)));
    EXPECT_EQ(config().integer(sdk::path("catalog", "A/B", "price")), 1);
}

TEST_F(SdkDocument, TheOrderIsUnavailableInCreate) {
    host_.createArgs();
    EXPECT_EQ(errorOf([&] { order().string("/customer/id"); }).first, OH_STATUS_UNAVAILABLE);
    EXPECT_EQ(config().size("/catalog"), 2u);
}

TEST_F(SdkDocument, SetEscapesStringsSoTheyReadBackUnchanged) {
    const std::string tricky = "Ada \"the\" \\ Countess\n\ttab \x01 ctrl / é";
    order().set("/note", tricky);
    EXPECT_EQ(order().string("/note"), tricky);
    order().set("/literal", "plain");  // a literal must pick the string overload, not bool
    EXPECT_EQ(order().type("/literal"), sdk::JsonType::string);
}

TEST_F(SdkDocument, SetWritesIntegersBooleansNullAndJson) {
    order().set("/lines/0/total", std::int64_t{3998});
    order().set("/count", 0);
    order().set("/flag", true);
    order().setNull("/customer/name");
    order().setJson("/totals", sdk::JsonObject().add("net", 3998).add("currency", "EUR").str());
    order().setJson("/events/-", "{\"n\":1}");
    order().setJson("/events/-", "{\"n\":2}");
    EXPECT_EQ(order().integer("/lines/0/total"), 3998);
    EXPECT_EQ(order().integer("/count"), 0);
    EXPECT_TRUE(order().boolean("/flag"));
    EXPECT_EQ(order().type("/customer/name"), sdk::JsonType::null);
    EXPECT_EQ(order().integer("/totals/net"), 3998);
    EXPECT_EQ(order().string("/totals/currency"), "EUR");
    EXPECT_EQ(order().integer("/events/1/n"), 2);
}

TEST_F(SdkDocument, SetRefusesWhatCannotBeWritten) {
    EXPECT_EQ(errorOf([&] { order().set("/too_big", std::uint64_t{1} << 63); }).first, OH_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(errorOf([&] { order().setJson("/bad", "{not json"); }),
              std::make_pair(OH_STATUS_INVALID_ARGUMENT, std::string("/bad")));
    EXPECT_FALSE(host_.orderJson("/bad").has_value());
}

}  // namespace

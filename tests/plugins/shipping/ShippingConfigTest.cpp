// orderhost.shipping refuses a bad configuration at create(), naming the field.
#include "ShippingTestConfig.h"

#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;

// The good config with `from` replaced by `to` (the first occurrence).
std::string with(const std::string& from, const std::string& to) {
    std::string config = shippingtest::bookConfig("http://127.0.0.1:9200");
    const std::size_t at = config.find(from);
    if (at == std::string::npos) throw std::logic_error("not in the config: " + from);
    return config.replace(at, from.size(), to);
}

class ShippingConfig : public ::testing::Test {
protected:
    std::string refusal(const std::string& config, const std::string& kind = "book-shipment") {
        host_.config(config);
        EXPECT_EQ(host_.create(kind), OH_STATUS_INVALID_CONFIG) << config;
        return host_.reportedError();
    }
    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

TEST_F(ShippingConfig, TheSharedConfigIsAccepted) {
    EXPECT_EQ(host_.config(shippingtest::bookConfig("http://127.0.0.1:9200")).create("book-shipment"), OH_STATUS_OK)
        << host_.reportedError();
}

TEST_F(ShippingConfig, CarriersAndTheirUrlsAndTimeouts) {
    EXPECT_NE(refusal("{}").find("config field 'carriers' is required"), std::string::npos) << host_.reportedError();
    EXPECT_NE(refusal(with("http://127.0.0.1:9200", "ftp://x"))
                  .find("'carriers.simcarrier.base_url' must be an http://host[:port] URL"),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(with("\"timeout_ms\": 5000", "\"timeout_ms\": 0"))
                  .find("'carriers.simcarrier.timeout_ms' must be between 1 and 600000"),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(R"({"carriers": {"c": {"base_url": "http://h:1"}}, "timeout_ms": "soon"})", "await-delivery")
                  .find("'timeout_ms' must be an integer"),
              std::string::npos)
        << host_.reportedError();
}

TEST_F(ShippingConfig, TheCallbackBase) {
    EXPECT_NE(refusal(with("\"callback_base\": \"http://127.0.0.1:9\",", "")).find("'callback_base' is required"),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(with("http://127.0.0.1:9\"", "ftp://127.0.0.1:9\"")).find("'callback_base' must be an http"),
              std::string::npos)
        << host_.reportedError();
}

TEST_F(ShippingConfig, TheRateTable) {
    EXPECT_NE(
        refusal(with("\"zones\": {\"domestic\": [\"FR\"], \"world\": [\"*\"]},", "")).find("'zones' must be an object"),
        std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(with("\"carrier\": \"simcarrier\", \"service\": \"express\"",
                           "\"carrier\": \"ups\", \"service\": \"express\""))
                  .find("'rates[0].carrier' names \"ups\", which \"carriers\" does not define"),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(with("\"zone\": \"domestic\"", "\"zone\": \"moon\"")).find("'rates[0].zone' names \"moon\""),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(
        refusal(with("\"max_weight_g\": 30000, \"price_minor\": 3900", "\"max_weight_g\": 1000, \"price_minor\": 3900"))
            .find("'rates[0].brackets[1].max_weight_g' must be larger than the bracket before it"),
        std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(with("\"price_minor\": 1500", "\"price_minor\": -1"))
                  .find("'rates[0].brackets[0].price_minor' must be at least 0"),
              std::string::npos)
        << host_.reportedError();
    EXPECT_NE(refusal(with("\"transit_days\": 1,", "")).find("'rates[0].transit_days' is required"), std::string::npos)
        << host_.reportedError();
}

}  // namespace

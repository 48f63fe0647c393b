// What a plugin sends reaches HTTP clients cleaned: a real host loads the boundary fixture
// plugin (tests/fixtures/plugins/boundary_plugin.c), whose steps publish events and report
// invalid UTF-8, NUL, "\n" and ANSI escapes; GET /v1/orders/{id} and GET /v1/events must be
// strictly valid JSON (the host's own RFC 8259 + UTF-8 checker) and carry the plugin's events.
#include "HostProcess.h"

#include "host/document/JsonSyntax.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

namespace orderhost::testing::plugin_boundary_e2e_test {
namespace {

Poco::JSON::Object::Ptr strictJson(const HttpReply& reply) {
    const auto problem = document::checkJsonSyntax(reply.body, document::JsonLimits{});
    EXPECT_FALSE(problem.has_value()) << (problem ? problem->toString() : "") << "\n" << reply.body;
    return Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
}

TEST(PluginBoundaryE2ETest, HostileTextAndPluginEventsReachClientsAsValidJson) {
    HostOptions options;
    options.pluginFolders = ORDERHOST_BOUNDARY_PLUGIN_DIR;
    options.chainsFolder = ORDERHOST_BOUNDARY_CHAINS;
    HostProcess host(options);
    const HttpReply created = host.post(
        "/v1/orders",
        R"({"order_ref":"HOSTILE-1","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"S","quantity":1,"unit_price":5}]})");
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = strictJson(created)->getValue<std::string>("id");

    const HttpReply read = host.get("/v1/orders/" + id);
    ASSERT_EQ(read.status, 200);
    auto order = strictJson(read);
    EXPECT_EQ(order->getValue<std::string>("state"), "rejected");
    auto steps = order->getArray("steps");
    bool sawHostile = false;
    for (unsigned i = 0; i < steps->size(); ++i) {
        auto step = steps->getObject(i);
        if (step->getValue<std::string>("step") != "hostile") continue;
        sawHostile = true;
        EXPECT_EQ(step->getValue<std::string>("code"), "bad__code_");
        EXPECT_EQ(step->getValue<std::string>("message").rfind("caf\xC3\xA9 \xEF\xBF\xBD", 0), 0u);
    }
    EXPECT_TRUE(sawHostile) << read.body;

    const HttpReply feed = host.get("/v1/events?after=0&limit=1000");
    ASSERT_EQ(feed.status, 200);
    auto events = strictJson(feed)->getArray("events");
    std::vector<std::string> types;
    for (unsigned i = 0; i < events->size(); ++i) {
        auto event = events->getObject(i);
        if (event->getValue<std::string>("order_id") != id) continue;
        types.push_back(event->getValue<std::string>("type"));
        if (types.back() != "invoice.issued") continue;
        auto payload = event->getObject("payload");
        EXPECT_EQ(payload->getValue<std::string>("plugin_id"), "test.boundary");
        EXPECT_EQ(payload->getValue<std::string>("chain"), "place-order");
        EXPECT_EQ(payload->getValue<std::string>("step"), "publish");
        EXPECT_EQ(payload->getObject("data")->getValue<std::string>("invoice"), "INV-1");
    }
    // The publishing step's result was kept (CONTINUE), so its events stay even though the
    // order was rejected later; the order's own events come with their checkpoints.
    EXPECT_EQ(types,
              (std::vector<std::string>{"invoice.issued", "invoice.sent", "order.compensating", "order.rejected"}));
    // One log call is one log line: the plugin's "\n" did not start a forged one.
    EXPECT_EQ(host.log().find("\n FORGED host line"), std::string::npos);
    EXPECT_NE(host.log().find("nl:\\n FORGED host line"), std::string::npos) << host.log();
}

}  // namespace
}  // namespace orderhost::testing::plugin_boundary_e2e_test

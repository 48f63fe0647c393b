// Each log call is one line that parses as JSON, with the correlation fields, whatever bytes
// the message holds; the text format appends the same fields.
#include "host/logging/LogContext.h"
#include "host/logging/LogFormat.h"
#include "host/logging/LogSetup.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <vector>

namespace orderhost::logging {
namespace {

class CapturedLog {
public:
    explicit CapturedLog(std::unique_ptr<spdlog::formatter> formatter) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
        sink->set_formatter(std::move(formatter));
        logger_ = std::make_shared<spdlog::logger>("", sink);
        logger_->set_level(spdlog::level::trace);
    }
    spdlog::logger& logger() { return *logger_; }
    std::vector<std::string> lines() {
        std::vector<std::string> all;
        std::istringstream in(out_.str());
        for (std::string line; std::getline(in, line);) all.push_back(line);
        return all;
    }

private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> logger_;
};

Poco::JSON::Object::Ptr parsed(const std::string& line) {
    return Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
}

TEST(LogFormatTest, AJsonLineHasTimeLevelLoggerMessageAndTheCorrelationFields) {
    CapturedLog log(std::make_unique<JsonLogFormatter>());
    {
        const LogScope request({"req-1", "", "", "", "", ""});
        const LogScope order({"", "order-7", "place-order", "credit", "orderhost.credit", ""});
        log.logger().warn("over the limit by {} EUR", 12);
    }
    log.logger().info("after the scopes");
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 2u);
    const auto first = parsed(lines[0]);
    EXPECT_EQ(first->getValue<std::string>("level"), "warning");
    EXPECT_EQ(first->getValue<std::string>("logger"), "orderhost");
    EXPECT_EQ(first->getValue<std::string>("msg"), "over the limit by 12 EUR");
    EXPECT_EQ(first->getValue<std::string>("request_id"), "req-1");
    EXPECT_EQ(first->getValue<std::string>("order_id"), "order-7");
    EXPECT_EQ(first->getValue<std::string>("chain"), "place-order");
    EXPECT_EQ(first->getValue<std::string>("step"), "credit");
    EXPECT_EQ(first->getValue<std::string>("plugin"), "orderhost.credit");
    EXPECT_EQ(first->getValue<std::string>("time").size(), std::string("2026-11-30T20:05:01.123Z").size());
    EXPECT_FALSE(parsed(lines[1])->has("request_id"));  // the scopes restored what was there
}

TEST(LogFormatTest, ControlCharactersAndInvalidUtf8StayInsideOneJsonLine) {
    CapturedLog log(std::make_unique<JsonLogFormatter>());
    const std::string hostile =
        std::string("a\nFORGED {\"level\":\"critical\"}\r\x1b[31m \"q\" \\ \xFF caf\xC3\xA9 nul:") +
        std::string(1, '\0') + "end";
    log.logger().error(hostile);
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 1u);
    const auto line = parsed(lines[0]);
    EXPECT_EQ(line->getValue<std::string>("msg"),
              std::string("a\nFORGED {\"level\":\"critical\"}\r\x1b[31m \"q\" \\ \xEF\xBF\xBD caf\xC3\xA9 nul:") +
                  std::string(1, '\0') + "end");
}

TEST(LogFormatTest, TheTextFormatAppendsTheFieldsThatAreSet) {
    CapturedLog log(textLogFormatter());
    {
        const LogScope fields({"req-9", "order-3", "", "", "", ""});
        log.logger().info("accepted");
    }
    log.logger().info("plain");
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_NE(lines[0].find("] accepted {request_id=req-9 order_id=order-3}"), std::string::npos) << lines[0];
    EXPECT_EQ(lines[1].substr(lines[1].size() - 7), "] plain") << lines[1];
}

TEST(LogFormatTest, APluginLoggerIsNamedByItsIdAndWritesToTheDefaultLoggersSinks) {
    CapturedLog log(std::make_unique<JsonLogFormatter>());
    const auto previous = spdlog::default_logger();
    auto base = std::make_shared<spdlog::logger>("orderhost", log.logger().sinks().begin(), log.logger().sinks().end());
    spdlog::set_default_logger(base);
    pluginLogger("orderhost.credit")->info("from the plugin");
    spdlog::set_default_logger(previous);
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(parsed(lines[0])->getValue<std::string>("logger"), "orderhost.credit");
}

}  // namespace
}  // namespace orderhost::logging

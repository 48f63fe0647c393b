// The walk over a refund's keys (plugins/payment/RefundKeys.h) against a scripted gateway: the
// answers no simulator run gives on purpose, such as a key the gateway says was asked before
// with another amount after it *refunded* (its answer lost).
#include "payment/RefundKeys.h"

#include <gtest/gtest.h>

#include <map>

namespace orderhost::payment {
namespace {

// Answers refund() from `answers` by key (unlisted keys refund), lookup() with `refunded`, and
// refunds() with `listed`; records the keys asked.
class ScriptedGateway : public Gateway {
public:
    std::map<std::string, GatewayReply> answers;
    std::vector<GatewayRefund> listed;
    std::int64_t refunded = 0;
    mutable std::vector<std::string> asked;

    GatewayReply authorize(const AuthorizeRequest&) const override { return {}; }
    GatewayReply capture(const std::string&, std::int64_t, const std::string&) const override { return {}; }
    GatewayReply voidAuthorization(const std::string&, const std::string&) const override { return {}; }
    GatewayReply cancelByKey(const std::string&, const std::string&) const override { return {}; }
    GatewayReply refund(const std::string&, std::int64_t amount, const std::string& key) const override {
        asked.push_back(key);
        const auto scripted = answers.find(key);
        if (scripted != answers.end()) return scripted->second;
        GatewayReply done;
        done.kind = GatewayReply::Kind::done;
        done.amountMinor = amount;
        return done;
    }
    GatewayReply lookup(const std::string&) const override {
        GatewayReply now;
        now.kind = GatewayReply::Kind::done;
        now.refundedMinor = refunded;
        return now;
    }
    RefundList refunds(const std::string&) const override { return RefundList{true, listed, {}}; }
};

GatewayReply keyReused() {
    GatewayReply reused;
    reused.kind = GatewayReply::Kind::refused;
    reused.errorCode = kKeyReused;
    reused.message = "idempotency_key k was used with another request body";
    return reused;
}

const RefundWalkTexts kTexts{"the undo's refund", "look by hand", "refund by hand"};

TEST(RefundKeysTest, AKeyAskedBeforeForAnotherAmountThatMovedNoMoneyIsPassed) {
    ScriptedGateway gateway;
    gateway.answers["k"] = keyReused();
    gateway.refunded = 300;  // what the order accounts for: the walk may ask a new key
    const RefundWalk walk =
        refundUnderKeys([&]() -> const Gateway& { return gateway; }, "auth_1", 700, "k", 300, kTexts);
    ASSERT_FALSE(walk.stop) << walk.stop->code() << ": " << walk.stop->message();
    EXPECT_EQ(walk.used, "k:again-1");
    EXPECT_EQ(walk.reply.kind, GatewayReply::Kind::done);
    EXPECT_EQ(gateway.asked, (std::vector<std::string>{"k", "k:again-1"}));
}

TEST(RefundKeysTest, AKeyAskedBeforeForAnotherAmountThatRefundedStopsTheWalk) {
    ScriptedGateway gateway;
    gateway.answers["k"] = keyReused();
    gateway.listed = {GatewayRefund{"re_1", "k", 1000, "EUR", "succeeded"}};
    gateway.refunded = 1300;
    const RefundWalk walk =
        refundUnderKeys([&]() -> const Gateway& { return gateway; }, "auth_1", 700, "k", 300, kTexts);
    ASSERT_TRUE(walk.stop);
    EXPECT_EQ(walk.stop->code(), "refund_unreconciled");
    EXPECT_NE(walk.stop->message().find("a refund of 1000 minor units (re_1) under the key of the undo's refund (k)"),
              std::string::npos)
        << walk.stop->message();
    EXPECT_EQ(gateway.asked, std::vector<std::string>{"k"}) << "nothing asked after it";
}

TEST(RefundKeysTest, AKeyReusedWhoseRefundFailedIsPassed) {
    ScriptedGateway gateway;
    gateway.answers["k"] = keyReused();
    gateway.listed = {GatewayRefund{"re_1", "k", 1000, "EUR", "failed"}};
    const RefundWalk walk = refundUnderKeys([&]() -> const Gateway& { return gateway; }, "auth_1", 700, "k", 0, kTexts);
    ASSERT_FALSE(walk.stop) << walk.stop->message();
    EXPECT_EQ(walk.used, "k:again-1");
}

}  // namespace
}  // namespace orderhost::payment

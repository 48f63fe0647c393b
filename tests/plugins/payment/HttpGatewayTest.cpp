// HttpGateway (the payment plugin's gateway client) against the real simulator process over
// loopback: what each answer maps to, and that a repeated idempotency key never moves money
// twice, also when the first answer was lost.
#include "HttpGateway.h"
#include "tests/support/GatewaySimulator.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace orderhost::payment {
namespace {

using testing::GatewaySimulator;
using Kind = GatewayReply::Kind;

AuthorizeRequest card(const std::string& token, const std::string& key, std::int64_t amount = 1999) {
    return AuthorizeRequest{amount, "EUR", token, "order-1", key};
}

TEST(HttpGatewayTest, AuthorizesCapturesAndTheLedgerShowsOneChargeEach) {
    GatewaySimulator simulator;
    const HttpGateway gateway(simulator.url(), 5000);
    const GatewayReply auth = gateway.authorize(card("tok_visa", "k:authorize"));
    ASSERT_EQ(auth.kind, Kind::done) << auth.message;
    EXPECT_EQ(auth.status, "authorized");
    EXPECT_EQ(auth.amountMinor, 1999);
    const GatewayReply captured = gateway.capture(auth.id, 1999, "k:capture");
    ASSERT_EQ(captured.kind, Kind::done) << captured.message;
    EXPECT_EQ(captured.status, "captured");
    EXPECT_EQ(simulator.count("authorization"), 1);
    EXPECT_EQ(simulator.count("capture"), 1);
    EXPECT_EQ(simulator.netCaptured(), 1999);
}

TEST(HttpGatewayTest, ARepeatedKeyAnswersTheFirstResultWithoutASecondCharge) {
    GatewaySimulator simulator;
    const HttpGateway gateway(simulator.url(), 5000);
    const GatewayReply first = gateway.authorize(card("tok_visa", "same"));
    const GatewayReply again = gateway.authorize(card("tok_visa", "same"));
    ASSERT_EQ(again.kind, Kind::done);
    EXPECT_EQ(again.id, first.id);
    EXPECT_EQ(simulator.count("authorization"), 1);
    EXPECT_EQ(simulator.uses("same"), 2);
    // The same key for another amount is a programming error, not a new charge.
    const GatewayReply other = gateway.authorize(card("tok_visa", "same", 5));
    EXPECT_EQ(other.kind, Kind::refused);
    EXPECT_EQ(other.errorCode, "idempotency_key_reused");
    EXPECT_EQ(simulator.count("authorization"), 1);
}

TEST(HttpGatewayTest, ADeclineCarriesTheGatewaysCode) {
    GatewaySimulator simulator;
    const GatewayReply auth = HttpGateway(simulator.url(), 5000).authorize(card("tok_decline_insufficient_funds", "d"));
    EXPECT_EQ(auth.kind, Kind::declined);
    EXPECT_EQ(auth.declineCode, "insufficient_funds");
    EXPECT_EQ(simulator.netCaptured(), 0);
}

TEST(HttpGatewayTest, ServerErrorsAreUnavailableAndMoveNoMoney) {
    GatewaySimulator simulator;
    simulator.setFaults(R"({"fail_status": 500, "fail_count": 1})");
    const HttpGateway gateway(simulator.url(), 5000);
    const GatewayReply failed = gateway.authorize(card("tok_visa", "e"));
    EXPECT_EQ(failed.kind, Kind::unavailable);
    EXPECT_EQ(failed.errorCode, "gateway_http_500");
    EXPECT_EQ(simulator.count("authorization"), 0);
    EXPECT_EQ(gateway.authorize(card("tok_visa", "e")).kind, Kind::done);
    EXPECT_EQ(simulator.count("authorization"), 1);
}

TEST(HttpGatewayTest, ALostAnswerIsUnavailableAndTheRetryFindsTheOneCharge) {
    GatewaySimulator simulator;
    simulator.setFaults(R"({"lose_response_count": 1})");
    const HttpGateway gateway(simulator.url(), 5000);
    const GatewayReply lost = gateway.authorize(card("tok_visa", "lost"));
    EXPECT_EQ(lost.kind, Kind::unavailable);
    EXPECT_EQ(lost.errorCode, "gateway_no_answer") << lost.message;
    EXPECT_EQ(simulator.count("authorization"), 1);  // the gateway did charge
    const GatewayReply retried = gateway.authorize(card("tok_visa", "lost"));
    ASSERT_EQ(retried.kind, Kind::done);
    EXPECT_EQ(simulator.count("authorization"), 1);
    EXPECT_EQ(simulator.uses("lost"), 2);
}

TEST(HttpGatewayTest, ASlowGatewayTimesOut) {
    GatewaySimulator simulator;
    simulator.setFaults(R"({"latency_ms": 1500})");
    const GatewayReply slow = HttpGateway(simulator.url(), 300).authorize(card("tok_visa", "slow"));
    EXPECT_EQ(slow.kind, Kind::unavailable);
    EXPECT_EQ(slow.errorCode, "gateway_timeout") << slow.message;
}

TEST(HttpGatewayTest, NoGatewayListeningIsUnavailable) {
    unsigned short port = 0;
    {
        GatewaySimulator gone;
        port = gone.port();
    }
    const GatewayReply reply = HttpGateway("http://127.0.0.1:" + std::to_string(port), 1000).lookup("auth_x");
    EXPECT_EQ(reply.kind, Kind::unavailable);
    EXPECT_EQ(reply.errorCode, "gateway_unreachable") << reply.message;
}

TEST(HttpGatewayTest, VoidAndRefundAreRecordedAndStateIsChecked) {
    GatewaySimulator simulator;
    const HttpGateway gateway(simulator.url(), 5000);
    const GatewayReply a = gateway.authorize(card("tok_visa", "a"));
    EXPECT_EQ(gateway.voidAuthorization(a.id, "a:void").status, "voided");
    EXPECT_EQ(gateway.voidAuthorization(a.id, "a:void").status, "voided");  // replayed
    const GatewayReply capturedAfterVoid = gateway.capture(a.id, 1999, "a:capture");
    EXPECT_EQ(capturedAfterVoid.kind, Kind::refused);
    EXPECT_EQ(capturedAfterVoid.errorCode, "invalid_state");
    const GatewayReply b = gateway.authorize(card("tok_visa", "b"));
    gateway.capture(b.id, 1999, "b:capture");
    const GatewayReply refund = gateway.refund(b.id, 1999, "b:refund");
    EXPECT_EQ(refund.kind, Kind::done) << refund.message;
    EXPECT_EQ(gateway.refund(b.id, 1999, "b:refund").id, refund.id);  // replayed, not refunded twice
    EXPECT_EQ(simulator.count("void"), 1);
    EXPECT_EQ(simulator.count("refund"), 1);
    EXPECT_EQ(simulator.netCaptured(), 0);
}

// Technical cancel: the caller knows only the key of an authorization whose answer it lost.
TEST(HttpGatewayTest, ATechnicalCancelVoidsByKeyAndRefusesAnAuthorizationArrivingLater) {
    GatewaySimulator simulator;
    const HttpGateway gateway(simulator.url(), 5000);
    simulator.setFaults(R"({"drop_count": 2})");  // the answer and the replay's are both lost
    EXPECT_EQ(gateway.authorize(card("tok_visa", "lost")).kind, Kind::unavailable);
    EXPECT_EQ(gateway.authorize(card("tok_visa", "lost")).kind, Kind::unavailable);
    EXPECT_EQ(simulator.openAuthorizations(), 1);
    const GatewayReply cancelled = gateway.cancelByKey("lost", "lost:cancel");
    ASSERT_EQ(cancelled.kind, Kind::done) << cancelled.message;
    EXPECT_EQ(cancelled.status, "voided");
    EXPECT_EQ(gateway.cancelByKey("lost", "lost:cancel").status, "voided");  // replayed
    EXPECT_EQ(simulator.openAuthorizations(), 0);
    EXPECT_EQ(simulator.count("void"), 1);
    // A key that never reached the gateway: nothing to cancel, and it is refused from now on.
    EXPECT_EQ(gateway.cancelByKey("never", "never:cancel").status, "nothing_to_cancel");
    const GatewayReply late = gateway.authorize(card("tok_visa", "never"));
    EXPECT_EQ(late.kind, Kind::refused);
    EXPECT_EQ(late.errorCode, "authorization_cancelled");
    EXPECT_EQ(simulator.count("authorization"), 1);
    EXPECT_EQ(simulator.openAuthorizations(), 0);
}

TEST(HttpGatewayTest, RequiresActionThenTheCustomersAnswerIsVisibleByLookup) {
    GatewaySimulator simulator;
    const HttpGateway gateway(simulator.url(), 5000);
    const GatewayReply pending = gateway.authorize(card("tok_3ds", "3ds"));
    ASSERT_EQ(pending.kind, Kind::requiresAction);
    std::string body;
    ASSERT_EQ(
        simulator.request("POST", "/v1/authorizations/" + pending.id + "/confirm", R"({"result":"succeeded"})", body),
        200);
    const GatewayReply now = gateway.lookup(pending.id);
    EXPECT_EQ(now.kind, Kind::done);
    EXPECT_EQ(now.status, "authorized");
}

TEST(HttpGatewayTest, RefusesAUrlThatIsNotHttp) {
    EXPECT_THROW(HttpGateway("ftp://127.0.0.1:1", 1000), std::invalid_argument);
    EXPECT_THROW(HttpGateway("not a url", 1000), std::invalid_argument);
}

}  // namespace
}  // namespace orderhost::payment

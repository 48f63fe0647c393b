// The fixture of refund-return's tests (RefundReturnStepTest.cpp, RefundByHandStepTest.cpp): an
// invoiced order paid by card through the gateway simulator process, as the host runs the steps
// (PluginStepHarness.h), on every backend.
#pragma once

#include "PluginStepHarness.h"
#include "tests/support/GatewaySimulator.h"

namespace orderhost::plugintests::refund_return_step {

using orderhost::testing::GatewaySimulator;

// Invoiced (11301 gross) and paid by card; billing_accounts holds the invoice.
inline constexpr char kOrder[] =
    R"({"currency": "EUR", "customer": {"id": "C-5"}, "attributes": {"card_token": "tok_visa"},
  "lines": [{"sku": "DRILL", "quantity": 3, "unit_price": 2999}],
  "billing": {"status": "invoiced", "invoice_number": "INV-000001", "currency": "EUR", "total_minor": 11301}})";

class RefundReturnStepTest : public PluginStepTest {
protected:
    void SetUp() override {
        PluginStepTest::SetUp();
        const std::string gateway = R"({"base_url": ")" + simulator_.url() + R"(", "timeout_ms": 5000})";
        pay_ = makeStep("orderhost.payment", "authorize", gateway);
        refund_ = makeStep("orderhost.payment", "refund-return", gateway);
        exec("INSERT INTO billing_accounts (customer_id, currency, open_minor) VALUES ('C-5', 'EUR', 11301)");
    }
    void TearDown() override {
        pay_.reset();
        refund_.reset();
        PluginStepTest::TearDown();
    }
    // The paid order returning under `rma`: its credit note's gross total is `credited`.
    void startReturn(document::JsonDocument& doc, const std::string& rma, std::int64_t credited) {
        doc.set("/return", R"({"rma": {"number": ")" + rma + R"(", "lines": []}})");
        doc.set("/billing/return_credits/-",
                R"({"rma_number": ")" + rma + R"(", "total_minor": )" + std::to_string(credited) + "}");
    }
    // The order `doc` paid, then returning under `rma`, and the gateway refusing its refund once.
    void refusedOnce(document::JsonDocument& doc, const std::string& id, const std::string& rma,
                     std::int64_t credited) {
        ASSERT_EQ(call(*pay_, doc, id).kind, OH_OUTCOME_CONTINUE);
        startReturn(doc, rma, credited);
        simulator_.setFaults(R"({"refuse_refund_count": 1})");
        ASSERT_EQ(call(*refund_, doc, id).code, "gateway_refused_refund");
    }
    // A refund made by hand in the gateway's dashboard (a key none of the plugin's): its id.
    std::string refundByHand(const document::JsonDocument& doc, std::int64_t amount, const std::string& key) {
        const std::string authorization = parse(at(doc, "/payment")).root()->getValue<std::string>("authorization_id");
        std::string body;
        EXPECT_EQ(simulator_.request("POST", "/v1/refunds",
                                     R"({"authorization_id": ")" + authorization + R"(", "amount_minor": )" +
                                         std::to_string(amount) + R"(, "idempotency_key": ")" + key + R"("})",
                                     body),
                  201)
            << body;
        return parse(body).root()->getValue<std::string>("id");
    }
    // The step run on the document `held` with `claims` as its manual action's refunded_by_hand,
    // as the host retries a held step; `doc` becomes that document when the step gets through.
    services::ReportedOutcome claimFromHeld(const std::string& held, const std::string& claims, const std::string& id,
                                            document::JsonDocument& doc) {
        auto tried = parse(held);
        tried.set("/signals/manual_action", R"({"refunded_by_hand": )" + claims + "}");
        auto outcome = call(*refund_, tried, id);
        if (outcome.kind == OH_OUTCOME_CONTINUE) doc = std::move(tried);
        return outcome;
    }
    std::int64_t receivables() { return number("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-5'"); }

    GatewaySimulator simulator_;
    std::unique_ptr<engine::StepInstance> pay_, refund_;
};

}  // namespace orderhost::plugintests::refund_return_step

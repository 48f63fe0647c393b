// orderhost.manufacturing (plugins/manufacturing), loaded from its .so by the test kit: work
// orders from custom lines, the wait for work_order_progress with partial progress on the
// order, completion, a failed work order, the signal timeout, refused payloads, compensation
// and the cancel chain's cancel-work-orders, each undo idempotent; config refusals.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace {

using orderhost::testkit::FakeHost;

// Line 0 is goods, lines 1 and 2 are made to order; line 2 has a structured specification.
constexpr char kLines[] = R"("lines":[{"sku":"BOLT","quantity":5},
  {"sku":"TABLE-OAK","quantity":2,"kind":"custom","description":"Oak table 180x90, oiled"},
  {"sku":"CHAIR-OAK","quantity":4,"kind":"custom"}],
  "attributes":{"specs":{"2":{"seat":"leather","colour":"black"}}})";

std::string orderWith(const std::string& signal = "") {
    std::string json = std::string("{") + kLines;
    if (!signal.empty()) json += R"(,"signals":{"work_order_progress":)" + signal + "}";
    return json + "}";
}

class MakeToOrderStep : public ::testing::Test {
protected:
    void SetUp() override {
        host_.config(R"({"series":"WO-","number_width":4})");
        ASSERT_EQ(host_.create("make-to-order"), OH_STATUS_OK) << host_.reportedError();
    }
    // One run with the order as the host would hand it over: the lines, plus the signal's payload.
    void runWith(const std::string& signal = "") {
        host_.order(orderWith(signal));
        ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
    }
    void startWaiting() {
        runWith();
        ASSERT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND) << host_.result().message;
    }
    std::string status(const std::string& workOrder) {
        return host_.query("SELECT status, quantity_done FROM manufacturing_work_orders WHERE work_order = '" +
                           workOrder + "'");
    }
    std::size_t eventsOf(const std::string& type) {
        std::size_t n = 0;
        for (const auto& event : host_.events()) n += event.type == type;
        return n;
    }
    FakeHost host_{ORDERHOST_TEST_PLUGIN_SO};
};

TEST_F(MakeToOrderStep, ItsTablesFollowTheNamingConvention) {
    EXPECT_EQ(host_.tablePrefix(), "manufacturing_");
    EXPECT_EQ(host_.logged("does not start with"), 0u);
}

TEST_F(MakeToOrderStep, AnOrderWithoutCustomLinesContinuesAtOnce) {
    host_.order(R"({"lines":[{"sku":"BOLT","quantity":5},{"sku":"SUPPORT","quantity":1,"kind":"service"}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.orderString("/manufacturing/status"), "not_needed");
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM manufacturing_work_orders"), 0);
    EXPECT_TRUE(host_.events().empty());
}

TEST_F(MakeToOrderStep, CustomLinesBecomeWorkOrdersWithTheirSpecificationAndTheOrderWaits) {
    startWaiting();
    EXPECT_EQ(host_.result().signal, "work_order_progress");
    EXPECT_EQ(host_.result().code, "awaiting_work_orders");
    EXPECT_TRUE(host_.result().kept);
    EXPECT_EQ(host_.query("SELECT work_order, line_index, sku, quantity, description, specification_json, status"
                          " FROM manufacturing_work_orders ORDER BY work_order"),
              R"([{"work_order":"WO-0001","line_index":1,"sku":"TABLE-OAK","quantity":2,)"
              R"("description":"Oak table 180x90, oiled","specification_json":null,"status":"open"},)"
              R"({"work_order":"WO-0002","line_index":2,"sku":"CHAIR-OAK","quantity":4,"description":null,)"
              R"("specification_json":"{\"seat\":\"leather\",\"colour\":\"black\"}","status":"open"}])");
    EXPECT_EQ(host_.orderString("/manufacturing/status"), "in_production");
    EXPECT_EQ(host_.orderInt("/manufacturing/total"), 2);
    ASSERT_EQ(eventsOf("work_order.created"), 2u);
    EXPECT_NE(host_.events()[1].payload.find(R"("specification":{"seat":"leather","colour":"black"})"),
              std::string::npos)
        << host_.events()[1].payload;
}

TEST_F(MakeToOrderStep, ProgressIsVisibleOnTheOrderAndTheLastCompletionContinues) {
    startWaiting();
    runWith(R"({"work_order":"WO-0002","status":"in_progress","quantity_done":3})");
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(
        host_.orderJson("/manufacturing/work_orders/1"),
        R"({"work_order":"WO-0002","line":2,"sku":"CHAIR-OAK","quantity":4,"quantity_done":3,"status":"in_progress"})");
    EXPECT_EQ(host_.result().message, "0 of 2 work orders completed");

    runWith(R"({"work_order":"WO-0001","status":"completed"})");
    ASSERT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(host_.orderInt("/manufacturing/completed"), 1);
    EXPECT_EQ(status("WO-0001"), R"([{"status":"completed","quantity_done":2}])");

    runWith(R"({"work_order":"WO-0002","status":"completed","quantity_done":4})");
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderString("/manufacturing/status"), "completed");
    EXPECT_EQ(eventsOf("work_order.completed"), 2u);
}

TEST_F(MakeToOrderStep, ARepeatedSignalChangesNothing) {
    startWaiting();
    const std::string progress = R"({"work_order":"WO-0001","status":"in_progress","quantity_done":1})";
    runWith(progress);
    runWith(progress);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(status("WO-0001"), R"([{"status":"in_progress","quantity_done":1}])");
    EXPECT_FALSE(host_.orderJson("/manufacturing/last_signal_error").has_value());
}

TEST_F(MakeToOrderStep, ARefusedPayloadIsRecordedAndTheOrderKeepsWaiting) {
    startWaiting();
    runWith(R"({"work_order":"WO-9999","status":"completed"})");
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(host_.orderString("/manufacturing/last_signal_error"),
              "work order WO-9999 does not belong to this order");
    runWith(R"({"work_order":"WO-0001","status":"in_progress","quantity_done":3})");
    EXPECT_EQ(host_.orderString("/manufacturing/last_signal_error"), "\"quantity_done\" must be from 0 to 2");
    runWith(R"({"work_order":"WO-0001","status":"done"})");
    EXPECT_EQ(host_.orderString("/manufacturing/last_signal_error"),
              "\"status\" must be in_progress, completed or failed");
    runWith(R"({"work_order":"WO-0001","status":"completed"})");
    runWith(R"({"work_order":"WO-0001","status":"in_progress","quantity_done":0})");
    EXPECT_EQ(host_.orderString("/manufacturing/last_signal_error"), "work order WO-0001 is already completed");
    EXPECT_EQ(status("WO-0001"), R"([{"status":"completed","quantity_done":2}])");
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_SUSPEND);
}

TEST_F(MakeToOrderStep, AFailedWorkOrderRejectsTheOrderAndCancelsTheOthers) {
    startWaiting();
    runWith(R"({"work_order":"WO-0001","status":"failed","quantity_done":1})");
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "work_order_failed");
    EXPECT_NE(host_.result().message.find("WO-0001"), std::string::npos);
    EXPECT_TRUE(host_.result().kept) << "the cancellation must be committed with the rejection";
    EXPECT_EQ(status("WO-0002"), R"([{"status":"cancelled","quantity_done":0}])");
    EXPECT_EQ(host_.query("SELECT cancel_reason FROM manufacturing_work_orders WHERE work_order = 'WO-0002'"),
              R"([{"cancel_reason":"sibling_failed"}])");
    EXPECT_EQ(host_.orderString("/manufacturing/status"), "failed");
    EXPECT_EQ(eventsOf("work_order.failed"), 1u);
    EXPECT_EQ(eventsOf("work_order.cancelled"), 1u);
}

TEST_F(MakeToOrderStep, TheSignalTimeoutRejectsAndCancelsTheOpenWorkOrders) {
    startWaiting();
    runWith(R"({"work_order":"WO-0001","status":"completed"})");
    runWith(R"({"timed_out":true})");  // the host's re-run after signal_timeout_ms (on_signal_timeout: rerun)
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "manufacturing_timeout");
    EXPECT_EQ(status("WO-0001"), R"([{"status":"completed","quantity_done":2}])")
        << "a finished work order was cancelled";
    EXPECT_EQ(host_.query("SELECT status, cancel_reason FROM manufacturing_work_orders WHERE work_order = 'WO-0002'"),
              R"([{"status":"cancelled","cancel_reason":"timeout"}])");
    EXPECT_EQ(host_.orderString("/manufacturing/status"), "timed_out");
    // The host then undoes this step too (it suspended before): nothing is open, so the
    // document keeps saying why the order was rejected.
    ASSERT_EQ(host_.compensate(2), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.orderString("/manufacturing/status"), "timed_out");
    EXPECT_EQ(eventsOf("work_order.cancelled"), 1u);
}

TEST_F(MakeToOrderStep, CompensationCancelsOpenWorkOrdersOnce) {
    startWaiting();
    runWith(R"({"work_order":"WO-0001","status":"completed"})");
    host_.now(7000);
    ASSERT_EQ(host_.compensate(), OH_STATUS_OK) << host_.reportedError();
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(
        host_.query("SELECT status, cancel_reason, cancelled_at_ms FROM manufacturing_work_orders ORDER BY work_order"),
        R"([{"status":"completed","cancel_reason":null,"cancelled_at_ms":null},)"
        R"({"status":"cancelled","cancel_reason":"compensation","cancelled_at_ms":7000}])");
    EXPECT_EQ(host_.orderString("/manufacturing/status"), "cancelled");
    host_.now(8000);
    ASSERT_EQ(host_.compensate(2), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(eventsOf("work_order.cancelled"), 1u) << "a repeated undo cancelled again";
    EXPECT_EQ(host_.queryInt("SELECT cancelled_at_ms FROM manufacturing_work_orders WHERE work_order = 'WO-0002'"),
              7000);
}

TEST_F(MakeToOrderStep, TheCancelChainStepCancelsWhatAWaitingOrderLeftOpen) {
    startWaiting();
    host_.config("{}");
    ASSERT_EQ(host_.create("cancel-work-orders"), OH_STATUS_OK) << host_.reportedError();
    host_.order(orderWith());
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM manufacturing_work_orders WHERE status = 'cancelled'"
                             " AND cancel_reason = 'order_cancelled'"),
              2);
    ASSERT_EQ(host_.run(2), OH_STATUS_OK);
    EXPECT_EQ(eventsOf("work_order.cancelled"), 2u);
    EXPECT_EQ(host_.orderString("/manufacturing/status"), "cancelled");
}

TEST_F(MakeToOrderStep, RequireSpecificationRejectsACustomLineWithoutOne) {
    host_.config(R"({"require_specification":true})");
    ASSERT_EQ(host_.create("make-to-order"), OH_STATUS_OK);
    host_.order(R"({"lines":[{"sku":"CHAIR","quantity":1,"kind":"custom"}]})");
    ASSERT_EQ(host_.run(), OH_STATUS_OK);
    EXPECT_EQ(host_.result().kind, OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "specification_missing");
    EXPECT_NE(host_.result().message.find("/attributes/specs/0"), std::string::npos) << host_.result().message;
    EXPECT_EQ(host_.queryInt("SELECT COUNT(*) FROM manufacturing_work_orders"), 0);
}

TEST_F(MakeToOrderStep, NumbersContinueAcrossOrders) {
    startWaiting();
    host_.orderId("order-2");
    startWaiting();
    EXPECT_EQ(
        host_.query("SELECT work_order FROM manufacturing_work_orders WHERE order_id = 'order-2' ORDER BY work_order"),
        R"([{"work_order":"WO-0003"},{"work_order":"WO-0004"}])");
}

TEST_F(MakeToOrderStep, RefusesBadConfigNamingTheField) {
    for (const auto& [config, field] : {std::pair<std::string, std::string>{R"({"number_width":0})", "number_width"},
                                        {R"({"series":""})", "series"},
                                        {R"({"require_specification":"yes"})", "require_specification"},
                                        {R"({"specs_path":"attributes"})", "specs_path"}}) {
        host_.config(config);
        EXPECT_EQ(host_.create("make-to-order"), OH_STATUS_INVALID_CONFIG) << config;
        EXPECT_NE(host_.reportedError().find(field), std::string::npos) << host_.reportedError();
    }
}

}  // namespace

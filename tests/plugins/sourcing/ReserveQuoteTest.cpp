// orderhost.sourcing · reserve-stock in quote mode (ABI 1.2, host.quote()): availability per
// line from the same warehouse rule as a reservation, the verdict the shortage policy would
// give with the run's code and reason, and nothing written — not even inside the quote's
// rolled-back transaction: triggers that abort any write to the plugin's tables are armed
// while it answers (and shown to stop a real run).
#include "SourcingFixture.h"

namespace sourcing_test {
namespace {

constexpr char kToday[] = "2026-01-01";  // the test kit's clock

class ReserveQuote : public SourcingTest {
protected:
    void SetUp() override {
        SourcingTest::SetUp();
        receive("WH-A", "A-1", 5, "A-01");
        receive("WH-B", "A-1", 10, "B-07");
        receive("WH-A", "B-2", 3, "A-02");
        supplier("B-2", 100, 50);  // below its reorder point: a run would request a purchase
    }

    // Makes every write to the plugin's tables fail while armed.
    void armWriteGuard() {
        for (const char* table : {"sourcing_warehouses", "sourcing_inventory", "sourcing_allocations",
                                  "sourcing_movements", "sourcing_requisitions"})
            for (const char* op : {"INSERT", "UPDATE", "DELETE"})
                host_.sql(std::string("CREATE TRIGGER guard_") + op + "_" + table + " BEFORE " + op + " ON " + table +
                          " BEGIN SELECT RAISE(ABORT, 'a quote wrote " + table + "'); END");
    }
    void disarmWriteGuard() {
        for (const char* table : {"sourcing_warehouses", "sourcing_inventory", "sourcing_allocations",
                                  "sourcing_movements", "sourcing_requisitions"})
            for (const char* op : {"INSERT", "UPDATE", "DELETE"})
                host_.sql(std::string("DROP TRIGGER guard_") + op + "_" + table);
    }

    oh_outcome_kind quoteAs(const std::string& config = "{}") {
        host_.config(config);
        EXPECT_EQ(host_.create("reserve-stock"), OH_STATUS_OK) << host_.reportedError();
        EXPECT_EQ(host_.quote(), OH_STATUS_OK) << host_.reportedError();
        return host_.result().kind;
    }

    std::int64_t count(const std::string& table) { return host_.queryInt("SELECT COUNT(*) FROM " + table); }
};

TEST_F(ReserveQuote, AnswersPerLineByThePriorityRuleAndWritesNothing) {
    const std::int64_t movements = count("sourcing_movements");
    host_.order(R"({"lines":[{"sku":"A-1","quantity":8},{"sku":"SUPPORT","quantity":1,"kind":"service"},)"
                R"({"sku":"B-2","quantity":2}]})");
    armWriteGuard();
    ASSERT_EQ(quoteAs(), OH_OUTCOME_CONTINUE) << host_.result().code << ": " << host_.result().message;
    EXPECT_EQ(host_.orderString("/sourcing/status"), "available");
    EXPECT_EQ(host_.orderJson("/sourcing/availability"),
              R"([{"line":0,"sku":"A-1","quantity":8,"available":15,"warehouses":[{"warehouse":"WH-A","bin":"A-01",)"
              R"("quantity":5},{"warehouse":"WH-B","bin":"B-07","quantity":3}],"backorder":0,"earliest_date":")" +
                  std::string(kToday) +
                  R"("},)"
                  R"({"line":2,"sku":"B-2","quantity":2,"available":3,"warehouses":[{"warehouse":"WH-A","bin":"A-02",)"
                  R"("quantity":2}],"backorder":0,"earliest_date":")" +
                  kToday + R"("}])");
    EXPECT_EQ(host_.orderJson("/sourcing/reserved"), R"([{"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":5},)"
                                                     R"({"sku":"A-1","warehouse":"WH-B","bin":"B-07","quantity":3},)"
                                                     R"({"sku":"B-2","warehouse":"WH-A","bin":"A-02","quantity":2}])")
        << "what a placement would reserve, in the run's shape";
    EXPECT_EQ(host_.orderJson("/sourcing/requisitions"), std::nullopt) << "a quote requests no purchase";
    EXPECT_TRUE(host_.events().empty());

    // The guard is real: a run under it cannot reserve.
    host_.run();
    EXPECT_NE(host_.result().kind, OH_OUTCOME_CONTINUE) << "the write guard did not stop a run";
    disarmWriteGuard();
    EXPECT_EQ(reserved("WH-A", "A-1"), 0);
    EXPECT_EQ(count("sourcing_allocations"), 0);
    EXPECT_EQ(count("sourcing_movements"), movements);
    EXPECT_EQ(requisitions(), 0);
    expectReconciled();
}

TEST_F(ReserveQuote, SingleWarehouseRuleAndLinesOfOneSkuShareItsPlan) {
    host_.order(R"({"lines":[{"sku":"A-1","quantity":4},{"sku":"A-1","quantity":3}]})");
    ASSERT_EQ(quoteAs(R"({"warehouse_rule":"single_warehouse"})"), OH_OUTCOME_CONTINUE) << host_.result().message;
    // WH-A (priority 20) holds only 5 of the 7: WH-B, which holds all, ships the order.
    EXPECT_EQ(host_.orderJson("/sourcing/availability/0/warehouses"),
              R"([{"warehouse":"WH-B","bin":"B-07","quantity":4}])");
    EXPECT_EQ(host_.orderJson("/sourcing/availability/1/warehouses"),
              R"([{"warehouse":"WH-B","bin":"B-07","quantity":3}])");
    EXPECT_EQ(host_.orderInt("/sourcing/availability/1/line"), 1);
}

// The quote's verdict is the run's, policy by policy: same outcome, code and reason.
TEST_F(ReserveQuote, AShortageGetsTheVerdictOfEachPolicyWithTheRunsCodeAndReason) {
    const std::string order = R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"B-2","quantity":4}]})";
    struct Expected {
        const char* config;
        oh_outcome_kind kind;
        const char* code;
        const char* status;
    };
    for (const Expected& e : {Expected{R"({"shortage":"reject"})", OH_OUTCOME_REJECT, "out_of_stock", "out_of_stock"},
                              Expected{R"({"shortage":"backorder"})", OH_OUTCOME_SUSPEND, "backordered", "backordered"},
                              Expected{R"({"shortage":"split"})", OH_OUTCOME_CONTINUE, "", "partially_available"}}) {
        SCOPED_TRACE(e.config);
        const std::size_t events = host_.events().size();  // the runs' below accumulate
        host_.order(order);
        ASSERT_EQ(quoteAs(e.config), e.kind) << host_.result().message;
        const auto quoted = host_.result();
        EXPECT_EQ(quoted.code, e.code);
        EXPECT_EQ(host_.orderString("/sourcing/status"), e.status);
        EXPECT_EQ(host_.orderJson("/sourcing/availability/1/backorder"), "1");
        EXPECT_EQ(host_.orderJson("/sourcing/availability/1/earliest_date"), "null") << "no inbound dates are known";
        EXPECT_EQ(host_.orderJson("/sourcing/shortages"), R"([{"sku":"B-2","requested":4,"available":3}])");
        EXPECT_EQ(requisitions(), 0);
        EXPECT_EQ(host_.events().size(), events) << "no purchase_requisition.created from a quote";
        if (e.kind == OH_OUTCOME_CONTINUE)
            EXPECT_EQ(host_.orderJson("/sourcing/reserved"),
                      R"([{"sku":"A-1","warehouse":"WH-A","bin":"A-01","quantity":1},)"
                      R"({"sku":"B-2","warehouse":"WH-A","bin":"A-02","quantity":3}])");
        else
            EXPECT_EQ(host_.orderJson("/sourcing/reserved"), "[]") << "this policy reserves nothing while short";
        // What a split leaves to a follow-up order, as the run writes it: billing's quote must
        // not invoice it (it did before 2026-12-05: a split quote's net was above the order's).
        const std::optional<std::string> backordered = host_.orderJson("/sourcing/backordered");
        EXPECT_EQ(backordered, e.kind == OH_OUTCOME_CONTINUE ? R"([{"sku":"B-2","quantity":1}])" : "[]");

        host_.order(order);
        ASSERT_EQ(host_.run(), OH_STATUS_OK) << host_.reportedError();
        if (e.kind == OH_OUTCOME_CONTINUE) {
            EXPECT_EQ(host_.orderJson("/sourcing/backordered"), backordered);
        }
        EXPECT_EQ(host_.result().kind, quoted.kind);
        EXPECT_EQ(host_.result().code, quoted.code);
        EXPECT_EQ(host_.result().message, quoted.message);
        EXPECT_EQ(host_.result().signal, quoted.signal);
        host_.compensate();  // give the stock back for the next policy
        host_.sql("DELETE FROM sourcing_requisitions");
    }
}

TEST_F(ReserveQuote, AnUnknownSkuIsRejectedAsInARunOrMarkedWhenIgnored) {
    host_.order(R"({"lines":[{"sku":"A-1","quantity":1},{"sku":"NOPE","quantity":2}]})");
    ASSERT_EQ(quoteAs(), OH_OUTCOME_REJECT);
    EXPECT_EQ(host_.result().code, "unknown_sku");
    EXPECT_EQ(host_.result().message, "no stock record for: NOPE");

    ASSERT_EQ(quoteAs(R"({"unknown_sku":"ignore"})"), OH_OUTCOME_CONTINUE) << host_.result().message;
    EXPECT_EQ(host_.orderJson("/sourcing/availability/1"),
              R"({"line":1,"sku":"NOPE","quantity":2,"available":0,"warehouses":[],"backorder":0,)"
              R"("earliest_date":null,"unknown_sku":true})");
    EXPECT_EQ(host_.orderJson("/sourcing/unknown_skus"), R"(["NOPE"])");
}

// A demo database no order has seeded yet: the quote answers from the seed and inserts nothing.
TEST(ReserveQuoteSeed, AnUnseededDemoDatabaseIsAnsweredFromTheSeedWithoutApplyingIt) {
    FakeHost host(ORDERHOST_TEST_PLUGIN_SO);
    host.config(R"({"seed": {"warehouses": [{"warehouse": "W1", "priority": 5}, {"warehouse": "W2", "priority": 9}],
                    "stock": [{"warehouse": "W1", "sku": "BOLT", "bin": "A", "on_hand": 50},
                              {"warehouse": "W2", "sku": "BOLT", "bin": "B", "on_hand": 20}]}})");
    ASSERT_EQ(host.create("reserve-stock"), OH_STATUS_OK) << host.reportedError();
    host.order(R"({"lines":[{"sku":"BOLT","quantity":30}]})");
    ASSERT_EQ(host.quote(), OH_STATUS_OK) << host.reportedError();
    ASSERT_EQ(host.result().kind, OH_OUTCOME_CONTINUE) << host.result().message;
    EXPECT_EQ(host.orderJson("/sourcing/availability/0/warehouses"),
              R"([{"warehouse":"W2","bin":"B","quantity":20},{"warehouse":"W1","bin":"A","quantity":10}])");
    EXPECT_EQ(host.orderInt("/sourcing/availability/0/available"), 70);
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM sourcing_warehouses"), 0);
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM sourcing_movements"), 0);
}

}  // namespace
}  // namespace sourcing_test

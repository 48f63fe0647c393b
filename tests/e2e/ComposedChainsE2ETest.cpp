// The shipped chains (config/chains/) end to end, on SQLite and PostgreSQL: every reference
// plugin, the payment gateway, carrier and SMTP simulator processes, real HTTP. Each test
// drives an order to its end and then checks what every party holds: the plugins' tables, the
// gateway's and the carrier's ledgers, the mails the listener received and the events feed.
#include "ComposedChainsFixture.h"

#include <Poco/JSON/Array.h>

namespace orderhost::testing::composed_chains_e2e_test {
namespace {

using Poco::JSON::Object;

const std::string kGoodsLines =
    R"([{"sku":"BOLT-M8","quantity":100,"unit_price":25},{"sku":"DRILL-18V","quantity":1,"unit_price":8999}])";
// The demo stock of config/chains (reserve's seed), summed over the warehouses.
constexpr std::int64_t kBoltsSeeded = 2150;
constexpr std::int64_t kDrillsSeeded = 42;

using ComposedChainsE2ETest = ComposedChainsFixture;

TEST_P(ComposedChainsE2ETest, AGoodsOrderIsPaidShippedDeliveredAndEveryPartyAgrees) {
    const std::string id = place(order("GOODS-1", "place-goods", kGoodsLines));
    waitHeldAt(*host_, "GOODS-1", "ship", "shipment_tracking");
    const std::string shipment = shipmentIdOf("GOODS-1");
    EXPECT_EQ(gateway_.count("authorization"), 1);
    EXPECT_EQ(gateway_.count("capture"), 0) << "captured only once the parcels are picked up";
    carrier_.advance(shipment, "picked_up");  // the carrier calls the host back
    waitHeldAt(*host_, "GOODS-1", "deliver", "shipment_tracking");
    carrier_.advance(shipment, "delivered");
    const Object::Ptr done = waitForState(*host_, "GOODS-1", "completed");
    ASSERT_TRUE(done);

    // Stock: issued (on hand down, nothing left reserved), and the ledger says the same.
    EXPECT_EQ(stockTotal("on_hand", "BOLT-M8"), kBoltsSeeded - 100);
    EXPECT_EQ(stockTotal("on_hand", "DRILL-18V"), kDrillsSeeded - 1);
    EXPECT_EQ(stockTotal("reserved", "BOLT-M8") + stockTotal("reserved", "DRILL-18V"), 0);
    EXPECT_EQ(unreconciledStock(), 0);
    EXPECT_EQ(rows_->number("SELECT CAST(SUM(on_hand_delta) AS BIGINT) FROM sourcing_movements WHERE order_id = ?", id),
              -101);
    // One invoice: 2,500 + 8,999 net, 19 % rounded per line (475 + 1,710), no credit note.
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM billing_invoices WHERE order_id = ?", id), 1);
    EXPECT_EQ(rows_->number("SELECT net_minor FROM billing_invoices WHERE order_id = ?", id), 11499);
    const std::int64_t total = rows_->number("SELECT total_minor FROM billing_invoices WHERE order_id = ?", id);
    EXPECT_EQ(total, 11499 + 475 + 1710);
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM billing_credit_notes"), 0);
    // The gateway: one authorization and one capture of exactly the invoice's total.
    EXPECT_EQ(gateway_.count("authorization"), 1);
    EXPECT_EQ(gateway_.count("capture"), 1);
    EXPECT_EQ(gateway_.count("void"), 0);
    EXPECT_EQ(gateway_.netCaptured(), total);
    // The carrier: booked once, delivered; the host followed it.
    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(carrier_.count("cancellation"), 0);
    EXPECT_EQ(carrier_.shipment(shipment)->getValue<std::string>("status"), "delivered");
    EXPECT_EQ(rows_->column("SELECT status FROM shipping_shipments WHERE order_id = ?", id),
              std::vector<std::string>{"delivered"});
    // Invoiced before it was paid: the exposure moved to the customer's receivables.
    EXPECT_EQ(rows_->column("SELECT state FROM credit_exposures WHERE order_id = ?", id),
              std::vector<std::string>{"invoiced"});
    // Confirmation, shipped, delivered.
    EXPECT_EQ(mailsTo("ada@example.com"), 3) << smtp_.log();
    for (const char* type : {"sales_order.for_inventory", "sales_order.for_billing", "sales_order.for_supply_chain"})
        EXPECT_EQ(feedEvents(*host_, id, type).size(), 1u) << type;
    EXPECT_EQ(feedEvents(*host_, id, "order.completed").size(), 1u);
}

TEST_P(ComposedChainsE2ETest, AServiceOrderIsChargedAtOnceProvisionedWithHashedCredentialsAndMailed) {
    const std::string id = place(order("SERVICE-1", "place-service",
                                       R"([{"sku":"SUPPORT-1Y","quantity":1,"unit_price":12000,"kind":"service"},)"
                                       R"({"sku":"SAAS-PRO","quantity":3,"unit_price":4900,"kind":"service"}])"));
    const Object::Ptr done = waitForState(*host_, "SERVICE-1", "completed");
    ASSERT_TRUE(done);
    const std::int64_t total = rows_->number("SELECT total_minor FROM billing_invoices WHERE order_id = ?", id);
    EXPECT_EQ(rows_->number("SELECT net_minor FROM billing_invoices WHERE order_id = ?", id), 12000 + 3 * 4900);
    EXPECT_EQ(gateway_.count("authorization"), 1);
    EXPECT_EQ(gateway_.count("capture"), 1);
    EXPECT_EQ(gateway_.netCaptured(), total);
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM provisioning_accounts WHERE order_id = ?", id), 2);
    for (const std::string& hash :
         rows_->column("SELECT credential_hash FROM provisioning_accounts WHERE order_id = ?", id))
        EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << "stored only as an Argon2id hash: " << hash;
    EXPECT_EQ(done->getObject("document")->getObject("provisioning")->getArray("accounts")->size(), 2u);
    Object::Ptr first = done->getObject("document")->getObject("provisioning")->getArray("accounts")->getObject(0);
    EXPECT_FALSE(first->has("initial_secret")) << "forget-initial-secrets removed the plaintext after the mail";
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM sourcing_movements WHERE order_id = ?", id), 0) << "no stock";
    EXPECT_EQ(carrier_.count("booking"), 0);
    EXPECT_EQ(mailsTo("ada@example.com"), 2) << "credentials and confirmation\n" << smtp_.log();
    EXPECT_EQ(feedEvents(*host_, id, "order.completed").size(), 1u);
    EXPECT_EQ(feedEvents(*host_, id, "sales_order.for_billing").size(), 1u);
    const auto desk = feedEvents(*host_, id, "sales_order.for_service_desk");
    ASSERT_EQ(desk.size(), 1u);
    // The view names its fields: the credentials' plaintext (forgotten by then anyway) is not in it.
    const Object::Ptr view = desk.front()->getObject("payload")->getObject("data");
    ASSERT_EQ(view->getArray("accounts")->size(), 2u);
    EXPECT_EQ(view->getArray("accounts")->getObject(0)->getNames().size(), 4u);
}

TEST_P(ComposedChainsE2ETest, ACustomOrderWaitsForItsWorkOrderThenShipsAndCompletes) {
    const std::string id =
        place(order("CUSTOM-1", "place-custom",
                    R"([{"sku":"TABLE-OAK","quantity":1,"unit_price":89000,"kind":"custom","description":"Oak table"},)"
                    R"({"sku":"SAW-BLADE","quantity":2,"unit_price":1450}])",
                    R"(,"specs":{"0":{"finish":"oiled","legs":4}})"));
    waitHeldAt(*host_, "CUSTOM-1", "manufacture", "work_order_progress");
    EXPECT_EQ(rows_->column("SELECT status FROM manufacturing_work_orders WHERE order_id = ?", id),
              std::vector<std::string>{"open"});
    const std::string progress = "/v1/orders/" + id + "/signals/work_order_progress";
    EXPECT_EQ(host_->post(progress, R"({"work_order":"WO-000001","status":"in_progress","quantity_done":0})").status,
              200);
    waitHeldAt(*host_, "CUSTOM-1", "manufacture", "work_order_progress");
    EXPECT_EQ(host_->post(progress, R"({"work_order":"WO-000001","status":"completed","quantity_done":1})").status,
              200);
    waitHeldAt(*host_, "CUSTOM-1", "ship", "shipment_tracking");
    const std::string shipment = shipmentIdOf("CUSTOM-1");
    carrier_.advance(shipment, "picked_up");
    waitHeldAt(*host_, "CUSTOM-1", "deliver", "shipment_tracking");
    carrier_.advance(shipment, "delivered");
    ASSERT_TRUE(waitForState(*host_, "CUSTOM-1", "completed"));

    EXPECT_EQ(rows_->column("SELECT status FROM manufacturing_work_orders WHERE order_id = ?", id),
              std::vector<std::string>{"completed"});
    EXPECT_EQ(stockTotal("on_hand", "SAW-BLADE"), 80 - 2) << "the custom line has no stock; the blades were issued";
    EXPECT_EQ(unreconciledStock(), 0);
    const std::int64_t total = rows_->number("SELECT total_minor FROM billing_invoices WHERE order_id = ?", id);
    EXPECT_EQ(rows_->number("SELECT net_minor FROM billing_invoices WHERE order_id = ?", id), 89000 + 2 * 1450);
    EXPECT_EQ(gateway_.count("authorization"), 1);
    EXPECT_EQ(gateway_.count("capture"), 1);
    EXPECT_EQ(gateway_.netCaptured(), total);
    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(rows_->column("SELECT status FROM shipping_shipments WHERE order_id = ?", id),
              std::vector<std::string>{"delivered"});
    EXPECT_EQ(mailsTo("ada@example.com"), 3) << smtp_.log();  // confirmation, shipped, delivered
    for (const char* type : {"sales_order.for_inventory", "sales_order.for_billing", "sales_order.for_supply_chain"})
        EXPECT_EQ(feedEvents(*host_, id, type).size(), 1u) << type;
    const auto factory = feedEvents(*host_, id, "sales_order.for_manufacturing");
    ASSERT_EQ(factory.size(), 1u);
    const auto workOrders = factory[0]->getObject("payload")->getObject("data")->getArray("work_orders");
    ASSERT_EQ(workOrders->size(), 1u);
    EXPECT_EQ(workOrders->getObject(0)->getValue<std::string>("work_order"), "WO-000001");
    EXPECT_EQ(workOrders->getObject(0)->getValue<std::string>("status"), "completed");
}

// Shipping fails late: the carrier refuses the booking after the stock was reserved, the
// invoice issued and the card authorized. Everything is undone, by new documents where the
// law wants them, and the outside world ends where it began.
TEST_P(ComposedChainsE2ETest, ACarrierRefusingTheBookingUndoesStockInvoicePaymentAndCredit) {
    carrier_.setFaults(R"({"refuse_count": 1})");
    const std::string id = place(order("GOODS-REFUSED", "place-goods", kGoodsLines));
    const Object::Ptr failed = waitForState(*host_, "GOODS-REFUSED", "failed");
    ASSERT_TRUE(failed);
    EXPECT_NE(host_->get("/v1/orders/" + id).body.find("carrier_refused"), std::string::npos);
    // Stock back to available, and the ledger records the release.
    EXPECT_EQ(stockTotal("on_hand", "BOLT-M8"), kBoltsSeeded);
    EXPECT_EQ(stockTotal("reserved", "BOLT-M8") + stockTotal("reserved", "DRILL-18V"), 0);
    EXPECT_EQ(unreconciledStock(), 0);
    EXPECT_EQ(
        rows_->number("SELECT CAST(SUM(reserved_delta) AS BIGINT) FROM sourcing_movements WHERE order_id = ?", id), 0);
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM sourcing_allocations WHERE order_id = ? AND reserved <> 0", id), 0);
    // The invoice stays; one credit note of the same total, numbered first in its series.
    const std::int64_t total = rows_->number("SELECT total_minor FROM billing_invoices WHERE order_id = ?", id);
    EXPECT_EQ(rows_->column("SELECT credit_note_number FROM billing_credit_notes WHERE order_id = ?", id),
              std::vector<std::string>{"CN-2026-000001"});
    EXPECT_EQ(rows_->number("SELECT total_minor FROM billing_credit_notes WHERE order_id = ?", id), total);
    // The authorization was voided: nothing was ever charged.
    EXPECT_EQ(gateway_.count("authorization"), 1);
    EXPECT_EQ(gateway_.count("void"), 1);
    EXPECT_EQ(gateway_.count("capture"), 0);
    EXPECT_EQ(gateway_.netCaptured(), 0);
    EXPECT_EQ(rows_->column("SELECT state FROM credit_exposures WHERE order_id = ?", id),
              std::vector<std::string>{"released"});
    EXPECT_EQ(carrier_.count("booking"), 0);
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM shipping_shipments WHERE order_id = ?", id), 0);
    // Nothing was published (publish is place-goods' last step), so nothing is withdrawn.
    EXPECT_EQ(feedEvents(*host_, id, "order.failed").size(), 1u);
    EXPECT_TRUE(feedEvents(*host_, id, "sales_order.for_inventory", 0).empty());
    EXPECT_EQ(mailsTo("ada@example.com"), 1) << "the confirmation, sent before the carrier refused";
}

// The gateway is down when the parcels have been picked up: the capture runs out of attempts.
// The goods are at the customer's, so the order is held for a person (place-goods: on_failure
// hold after the pickup), never undone: an undo would void the card and restock what left.
// Once the gateway is back, a manual retry captures and the order goes on to its delivery.
TEST_P(ComposedChainsE2ETest, ACaptureThatFailsAfterThePickupHoldsTheOrderInsteadOfUndoingIt) {
    const std::string id = place(order("GOODS-NOCAPTURE", "place-goods", kGoodsLines));
    waitHeldAt(*host_, "GOODS-NOCAPTURE", "ship", "shipment_tracking");
    const std::string shipment = shipmentIdOf("GOODS-NOCAPTURE");
    gateway_.setFaults(R"({"fail_status": 503, "fail_count": 50})");  // more than 5 attempts ask
    carrier_.advance(shipment, "picked_up");
    ASSERT_TRUE(waitHeldAt(*host_, "GOODS-NOCAPTURE", "capture", "manual_action"));
    EXPECT_EQ(stockTotal("on_hand", "BOLT-M8"), kBoltsSeeded - 100) << "issued, not restocked";
    EXPECT_EQ(stockTotal("reserved", "BOLT-M8") + stockTotal("reserved", "DRILL-18V"), 0);
    EXPECT_EQ(gateway_.count("void"), 0) << "the authorization stands";
    EXPECT_EQ(gateway_.count("capture"), 0);
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM billing_credit_notes WHERE order_id = ?", id), 0);

    gateway_.setFaults(R"({"fail_count": 0})");
    const HttpReply retry =
        host_->post("/v1/orders/" + id + "/signals/manual_action", R"({"action": "retry", "note": "gateway back"})");
    ASSERT_EQ(retry.status, 200) << retry.body;
    waitHeldAt(*host_, "GOODS-NOCAPTURE", "deliver", "shipment_tracking");
    carrier_.advance(shipment, "delivered");
    ASSERT_TRUE(waitForState(*host_, "GOODS-NOCAPTURE", "completed"));
    const std::int64_t total = rows_->number("SELECT total_minor FROM billing_invoices WHERE order_id = ?", id);
    EXPECT_EQ(gateway_.count("capture"), 1);
    EXPECT_EQ(gateway_.netCaptured(), total);
    EXPECT_EQ(stockTotal("on_hand", "BOLT-M8"), kBoltsSeeded - 100);
    EXPECT_EQ(unreconciledStock(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ComposedChainsE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::composed_chains_e2e_test

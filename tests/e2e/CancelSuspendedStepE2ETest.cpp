// Cancelling an order while a step waits for a signal (the shipped place-goods chain, on every
// backend): the waiting step already acted — book-shipment booked the parcels, then waits for
// the pickup — so the host undoes it with the completed steps before it, also when the host is
// killed in the middle of that undo; and a cancel the pickup overtook, abandoned by `resume`.
#include "ComposedChainsFixture.h"

#include <Poco/Thread.h>

#include <thread>

namespace orderhost::testing::cancel_suspended_step_e2e_test {
namespace {

using Poco::JSON::Object;

const std::string kLines =
    R"([{"sku":"BOLT-M8","quantity":100,"unit_price":25},{"sku":"DRILL-18V","quantity":1,"unit_price":8999}])";

class CancelSuspendedStepE2ETest : public ComposedChainsFixture {
protected:
    // Places a place-goods order and waits until it is booked and waits for the pickup.
    std::string placeAndBook(const std::string& ref) {
        const std::string id = place(order(ref, "place-goods", kLines));
        waitHeldAt(*host_, ref, "ship", "shipment_tracking");
        return id;
    }

    // Everything the order did is undone: the shipment cancelled at the carrier (once), the
    // authorization voided, the invoice credited, the stock and the credit exposure released.
    void expectEverythingUndone(const std::string& id, const std::string& shipment) const {
        EXPECT_EQ(carrier_.count("booking"), 1);
        EXPECT_EQ(carrier_.count("cancellation"), 1) << carrier_.log();
        EXPECT_EQ(carrier_.shipment(shipment)->getValue<std::string>("status"), "cancelled");
        EXPECT_EQ(rows_->column("SELECT status FROM shipping_shipments WHERE order_id = ?", id),
                  std::vector<std::string>{"cancelled"});
        EXPECT_EQ(gateway_.count("void"), 1);
        EXPECT_EQ(gateway_.netCaptured(), 0);
        EXPECT_EQ(rows_->column("SELECT credit_note_number FROM billing_credit_notes WHERE order_id = ?", id),
                  std::vector<std::string>{"CN-2026-000001"});
        EXPECT_EQ(stockTotal("reserved", "BOLT-M8") + stockTotal("reserved", "DRILL-18V"), 0);
        EXPECT_EQ(unreconciledStock(), 0);
        EXPECT_EQ(rows_->column("SELECT state FROM credit_exposures WHERE order_id = ?", id),
                  std::vector<std::string>{"released"});
        EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM step_runs WHERE order_id = ? AND step_name = 'ship'"
                                " AND outcome = 'compensated'",
                                id),
                  1);
    }
};

TEST_P(CancelSuspendedStepE2ETest, CancellingAnOrderWaitingForPickupCancelsItsBookedShipment) {
    const std::string id = placeAndBook("CANCEL-WAITING");
    const std::string shipment = shipmentIdOf("CANCEL-WAITING");
    const HttpReply reply = host_->post("/v1/orders/" + id + "/cancel", R"({"reason":"changed my mind"})");
    EXPECT_EQ(reply.status, 200) << reply.body;
    ASSERT_TRUE(waitForState(*host_, "CANCEL-WAITING", "cancelled"));
    expectEverythingUndone(id, shipment);
    EXPECT_EQ(mailsTo("ada@example.com"), 2) << "confirmation, then the cancellation";
    EXPECT_EQ(host_->post("/v1/orders/" + id + "/cancel", "").status, 200);  // repeated: nothing runs twice
    EXPECT_EQ(carrier_.count("cancellation"), 1);
}

// A signal woke the waiting step, whose rerun could not reach the carrier (retry_wait): the step
// still booked the parcels, and a cancel undoes it. The host's record of the signal once ended
// "the step's pass", and the booking stayed at the carrier.
TEST_P(CancelSuspendedStepE2ETest, CancellingAfterASignalWhoseRerunWaitsToRetryStillCancelsTheBooking) {
    const std::string id = placeAndBook("CANCEL-AFTER-SIGNAL");
    const std::string shipment = shipmentIdOf("CANCEL-AFTER-SIGNAL");
    carrier_.setFaults(R"({"read_fail_count": 1000, "fail_status": 503})");
    const HttpReply woken = host_->post("/v1/orders/" + id + "/signals/shipment_tracking", "{}");
    ASSERT_EQ(woken.status, 200) << woken.body;
    ASSERT_TRUE(waitForState(*host_, "CANCEL-AFTER-SIGNAL", "retry_wait"));
    carrier_.setFaults(R"({"read_fail_count": 0})");
    const HttpReply reply = host_->post("/v1/orders/" + id + "/cancel", R"({"reason":"changed my mind"})");
    EXPECT_EQ(reply.status, 200) << reply.body;
    ASSERT_TRUE(waitForState(*host_, "CANCEL-AFTER-SIGNAL", "cancelled"));
    expectEverythingUndone(id, shipment);
}

TEST_P(CancelSuspendedStepE2ETest, AHostKilledWhileUndoingTheWaitingStepFinishesTheUndoAfterItsRestart) {
    const std::string id = placeAndBook("CANCEL-KILLED");
    const std::string shipment = shipmentIdOf("CANCEL-KILLED");
    // The carrier records the cancellation, then answers 5 s later: the host dies in between,
    // before it could commit that the shipment was undone.
    carrier_.setFaults(R"({"latency_ms": 5000})");
    std::thread cancel([&] {
        try {
            host_->post("/v1/orders/" + id + "/cancel", R"({"reason":"changed my mind"})");
        } catch (const std::exception&) {  // the host died under the request
        }
    });
    for (int waited = 0; waited < 10000 && carrier_.count("cancellation") == 0; waited += 20) Poco::Thread::sleep(20);
    ASSERT_EQ(carrier_.count("cancellation"), 1) << "the undo of the waiting step reached the carrier";
    host_->killHard();
    cancel.join();
    carrier_.setFaults(R"({"latency_ms": 0})");
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM step_runs WHERE order_id = ? AND step_name = 'ship'"
                            " AND outcome = 'compensated'",
                            id),
              0)
        << "killed before the undo's checkpoint";
    host_->restart();
    ASSERT_TRUE(waitForState(*host_, "CANCEL-KILLED", "cancelled"));
    expectEverythingUndone(id, shipment);  // the carrier answered the repeated cancel from its record
}

// The cancel came too late: the carrier picked the parcel up while the undo waited to retry
// (the carrier was away), so the undo fails (shipment_already_picked_up) and the order is held.
// `resume` abandons the cancel: the order goes on to delivery, the stock is issued and the card
// captured once, nothing voided. Before, no manual action moved it forward (a black-box probe).
TEST_P(CancelSuspendedStepE2ETest, ACancelOvertakenByThePickupIsAbandonedByResumeAndTheOrderIsDelivered) {
    const std::string id = placeAndBook("CANCEL-LATE");
    const std::string shipment = shipmentIdOf("CANCEL-LATE");
    carrier_.setFaults(R"({"fail_count": 1000, "fail_status": 503})");
    ASSERT_EQ(host_->post("/v1/orders/" + id + "/cancel", R"({"reason":"changed my mind"})").status, 200);
    ASSERT_TRUE(waitForState(*host_, "CANCEL-LATE", "retry_wait")) << "the undo of the booking waits to retry";
    carrier_.advance(shipment, "picked_up");  // its callback meets an order being cancelled
    carrier_.setFaults(R"({"fail_count": 0})");
    const Object::Ptr held = waitForState(*host_, "CANCEL-LATE", "on_hold");
    ASSERT_TRUE(held);
    EXPECT_EQ(held->getValue<std::string>("awaiting_signal"), "manual_action");
    Poco::JSON::Array::Ptr steps = held->getArray("steps");
    EXPECT_EQ(steps->getObject(steps->size() - 1)->getValue<std::string>("code"), "shipment_already_picked_up");
    // The log tells the administrator too, with the code (before: nothing above debug).
    EXPECT_NE(
        host_->log().find("order " + id +
                          ": held for a manual action at step ship (undo_failed, code shipment_already_picked_up)"),
        std::string::npos);

    const HttpReply resumed =
        host_->post("/v1/orders/" + id + "/signals/manual_action", R"({"action":"resume","note":"already picked up"})");
    ASSERT_EQ(resumed.status, 200) << resumed.body;
    waitHeldAt(*host_, "CANCEL-LATE", "deliver", "shipment_tracking");  // the pickup's callback, retried, lands
    carrier_.advance(shipment, "delivered");
    ASSERT_TRUE(waitForState(*host_, "CANCEL-LATE", "completed"));

    EXPECT_EQ(carrier_.count("booking"), 1);
    EXPECT_EQ(carrier_.count("cancellation"), 0);
    EXPECT_EQ(gateway_.count("void"), 0);
    EXPECT_EQ(gateway_.count("capture"), 1);
    const std::int64_t total = rows_->number("SELECT total_minor FROM billing_invoices WHERE order_id = ?", id);
    EXPECT_EQ(gateway_.netCaptured(), total);
    EXPECT_EQ(rows_->number("SELECT COUNT(*) FROM billing_credit_notes WHERE order_id = ?", id), 0);
    EXPECT_EQ(stockTotal("reserved", "BOLT-M8") + stockTotal("reserved", "DRILL-18V"), 0);
    EXPECT_EQ(rows_->number("SELECT CAST(SUM(on_hand_delta) AS BIGINT) FROM sourcing_movements WHERE order_id = ?", id),
              -101);
    EXPECT_EQ(unreconciledStock(), 0);
    EXPECT_EQ(
        rows_->number("SELECT COUNT(*) FROM outbox WHERE order_id = ? AND event_type = 'order.cancel_abandoned'", id),
        1);
}

INSTANTIATE_TEST_SUITE_P(Backends, CancelSuspendedStepE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::cancel_suspended_step_e2e_test

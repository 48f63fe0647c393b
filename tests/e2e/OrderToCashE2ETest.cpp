// Order to cash end to end (issue 9): after a mix of orders that completed, were cancelled,
// failed, were rejected, wait before their invoice or wait for payment, the books of the
// customer balance (OrderToCashBooks: invoices, credit notes, payment records, the gateway's
// ledger) and the exposure the credit step computes for a new order is exactly the open
// receivables plus the accepted, not yet invoiced orders. The real host over HTTP, the credit,
// billing and payment plugins, the gateway simulator process, on SQLite and PostgreSQL.
// Chains: tests/e2e/return-chains (${GATEWAY_URL} replaced by the simulator's address).
#include "HostProcess.h"
#include "tests/support/GatewaySimulator.h"
#include "tests/support/OrderToCashBooks.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace orderhost::testing::order_to_cash_e2e_test {
namespace {

using Poco::JSON::Object;

constexpr char kCustomer[] = "C-MIX";
constexpr std::int64_t kNet = 10000;      // one widget
constexpr std::int64_t kInvoice = 11900;  // + 19 %

std::string order(const std::string& ref, const std::string& chain, const std::string& token = "tok_visa") {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain + R"(","currency":"EUR","customer":{"id":")" +
           kCustomer + R"("},"attributes":{"card_token":")" + token +
           R"("},"lines":[{"sku":"WIDGET","quantity":1,"unit_price":10000}]})";
}

Object::Ptr parse(const std::string& body) { return Poco::JSON::Parser().parse(body).extract<Object::Ptr>(); }

class OrderToCashE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-cash");
        std::filesystem::create_directories(folder_ + "/chains");
        for (const char* name : {"place-order.yaml", "unshipped.yaml", "before-invoice.yaml", "invoice-unpaid.yaml",
                                 "fail-after-pay.yaml"}) {
            std::ifstream in(std::string(ORDERHOST_RETURN_CHAINS) + "/" + name);
            std::stringstream text;
            text << in.rdbuf();
            std::string chain = text.str();
            for (auto at = chain.find("${GATEWAY_URL}"); at != std::string::npos; at = chain.find("${GATEWAY_URL}"))
                chain.replace(at, 14, simulator_.url());
            std::ofstream(folder_ + "/chains/" + name) << chain;
        }
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = folder_ + "/chains";
        options.extraSettings["engine.retry_poll_ms"] = "50";
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }

    // Posts the order and waits until it is in `state`; the order's view.
    Object::Ptr place(const std::string& ref, const std::string& chain, const std::string& state,
                      const std::string& token = "tok_visa") {
        const HttpReply created = host_->post("/v1/orders", order(ref, chain, token));
        EXPECT_EQ(created.status, 201) << created.body;
        return waitFor(ref, state);
    }
    Object::Ptr waitFor(const std::string& ref, const std::string& state) const {
        Object::Ptr found;
        for (int waited = 0; waited < 20000; waited += 50) {
            const HttpReply reply = host_->get("/v1/orders?order_ref=" + ref);
            if (reply.status == 200 && (found = parse(reply.body))->getValue<std::string>("state") == state)
                return found;
            Poco::Thread::sleep(50);
        }
        ADD_FAILURE() << ref << " never reached " << state;
        return found;
    }
    HttpReply post(const Object::Ptr& view, const std::string& what, const std::string& body) const {
        return host_->post("/v1/orders/" + view->getValue<std::string>("id") + "/" + what, body);
    }

    std::string folder_;
    GatewaySimulator simulator_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(OrderToCashE2ETest, AfterAMixOfOrdersTheExposureIsExactlyOpenReceivablesPlusUninvoicedOrders) {
    place("MIX-PAID", "place-order", "completed");                                 // invoiced, paid
    place("MIX-DECLINED", "place-order", "rejected", "tok_decline_do_not_honor");  // credited, released
    place("MIX-FAILED", "fail-after-pay", "failed");                               // refunded, credited, released
    place("MIX-UNPAID", "invoice-unpaid", "on_hold");                              // an open receivable
    place("MIX-WAITING", "before-invoice", "on_hold");                             // accepted, not invoiced
    const Object::Ptr resumed = place("MIX-RESUMED", "before-invoice", "on_hold");
    ASSERT_EQ(post(resumed, "signals/scripted_signal", R"({"go": true})").status, 200);
    waitFor("MIX-RESUMED", "completed");  // invoiced, paid
    const Object::Ptr paidThenCancelled = place("MIX-CANCEL-PAID", "unshipped", "on_hold");
    ASSERT_EQ(post(paidThenCancelled, "cancel", R"({"reason":"changed their mind"})").status, 200);
    const Object::Ptr cancelledEarly = place("MIX-CANCEL-EARLY", "before-invoice", "on_hold");
    ASSERT_EQ(post(cancelledEarly, "cancel", R"({"reason":"changed their mind"})").status, 200);
    waitFor("MIX-CANCEL-PAID", "cancelled");
    waitFor("MIX-CANCEL-EARLY", "cancelled");

    const CustomerBooks books = readBooks(database_->connectionString(), kCustomer, &simulator_);
    expectBooksBalance(books);
    EXPECT_EQ(books.invoiced, 6 * kInvoice);  // all but the two that waited before their invoice
    EXPECT_EQ(books.credited, 3 * kInvoice);  // declined, failed, cancelled after payment
    EXPECT_EQ(books.paidAtGateway, 2 * kInvoice);
    EXPECT_EQ(books.receivables, kInvoice) << "only MIX-UNPAID owes its invoice";
    EXPECT_EQ(books.unbilled, kNet) << "only MIX-WAITING is accepted and not invoiced";

    // A new order sees exactly that (it waits before its invoice, so it stays in the figures).
    const Object::Ptr probe = place("MIX-PROBE", "before-invoice", "on_hold");
    const Object::Ptr credit = probe->getObject("document")->getObject("credit");
    EXPECT_EQ(credit->getValue<std::int64_t>("open_receivables"), books.receivables);
    EXPECT_EQ(credit->getValue<std::int64_t>("unbilled_orders"), books.unbilled);
    EXPECT_EQ(credit->getValue<std::int64_t>("exposure"), books.receivables + books.unbilled + kNet);
}

INSTANTIATE_TEST_SUITE_P(Backends, OrderToCashE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::order_to_cash_e2e_test

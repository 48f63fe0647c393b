// Order to cash over real HTTP with the real billing and credit plugins, on SQLite and
// PostgreSQL: the invoice's tax and totals, gapless numbering under concurrent orders and a
// SIGKILL, the credit note and released exposure when a later step fails, and concurrent
// orders of one customer against its credit limit. Rows are read from the host's database.
#include "HostProcess.h"
#include "host/store/Database.h"
#include "tests/support/TestDatabase.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Thread.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace orderhost::testing::billing_e2e_test {
namespace {

Poco::JSON::Object::Ptr json(const std::string& body) {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

// 3 x 12.34 = 37.02 (tax 7.03 at 19 %) + 1 x 359.96 reduced (tax 25.20 at 7 %): net 396.98, tax 32.23.
std::string order(const std::string& ref, const std::string& customer, const std::string& chain = "place-order") {
    return R"({"order_ref":")" + ref + R"(","chain":")" + chain + R"(","currency":"EUR","customer":{"id":")" +
           customer +
           R"("},"lines":[{"sku":"BOLT","quantity":3,"unit_price":1234},)"
           R"({"sku":"BOOK","quantity":1,"unit_price":35996}]})";
}
std::string creditOrder(const std::string& ref) {
    return R"({"order_ref":")" + ref +
           R"(","currency":"EUR","customer":{"id":"C-LIMITED"},)"
           R"("lines":[{"sku":"BOOK","quantity":1,"unit_price":35996}]})";
}

class BillingE2ETest : public ::testing::TestWithParam<TestBackend> {
protected:
    void SetUp() override {
        folder_ = makeTempDir("orderhost-billing-e2e");
        database_ = std::make_unique<TestDatabase>(GetParam(), folder_);
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = std::string(ORDERHOST_PLUGIN_DIR) + "," + ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = ORDERHOST_BILLING_CHAINS;
        host_ = std::make_unique<HostProcess>(options);
    }
    void TearDown() override {
        host_.reset();
        db_.reset();
        database_.reset();
        std::filesystem::remove_all(folder_);
    }
    std::int64_t number(const std::string& sql) {
        if (!db_) db_ = std::make_unique<store::Database>(database_->connectionString());
        Poco::Int64 n = -1;
        Poco::Data::Session s = db_->session();
        s << sql, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
        return n;
    }
    // Invoices reconcile: numbers 1..count in the series, no duplicate, one per order.
    void expectGaplessInvoices(std::int64_t count) {
        EXPECT_EQ(number("SELECT COUNT(*) FROM billing_invoices"), count);
        EXPECT_EQ(number("SELECT COUNT(DISTINCT number) FROM billing_invoices"), count) << "a number was reused";
        EXPECT_EQ(number("SELECT COUNT(DISTINCT order_id) FROM billing_invoices"), count)
            << "an order got two invoices";
        EXPECT_EQ(number("SELECT COALESCE(MAX(number), 0) FROM billing_invoices"), count) << "a number was skipped";
        EXPECT_EQ(number("SELECT next_number - 1 FROM billing_series WHERE series = 'INV-'"), count);
    }

    // Whether the events feed shows an event of `type` within 30 s (on PostgreSQL the feed
    // holds back the newest ids until no earlier transaction on the server can still commit,
    // other tests' too).
    bool feedShows(const std::string& type) {
        for (int i = 0; i < 600; ++i) {
            if (host_->get("/v1/events?after=0").body.find('"' + type + '"') != std::string::npos) return true;
            Poco::Thread::sleep(50);
        }
        return false;
    }

    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<store::Database> db_;
    std::unique_ptr<HostProcess> host_;
};

TEST_P(BillingE2ETest, AnOrderGetsAnInvoiceWithTaxAndTotals) {
    const HttpReply reply = host_->post("/v1/orders", order("INV-1", "C-1"));
    ASSERT_EQ(reply.status, 201) << reply.body;
    auto body = json(reply.body);
    ASSERT_EQ(body->getValue<std::string>("state"), "completed") << reply.body;
    auto billing = body->getObject("document")->getObject("billing");
    EXPECT_EQ(billing->getValue<std::string>("invoice_number"), "INV-000001");
    EXPECT_EQ(billing->getValue<std::int64_t>("net_minor"), 39698);
    EXPECT_EQ(billing->getValue<std::int64_t>("tax_minor"), 3223);
    EXPECT_EQ(billing->getValue<std::int64_t>("total_minor"), 42921);
    EXPECT_EQ(number("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-1'"), 42921);
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_invoice_lines"), 2);
    EXPECT_EQ(number("SELECT COUNT(*) FROM credit_exposures WHERE state = 'invoiced'"), 1)
        << "invoicing closes the exposure";
    EXPECT_EQ(number("SELECT COUNT(*) FROM credit_exposures WHERE state = 'open'"), 0);
    // The event left through the outbox with the step's checkpoint.
    EXPECT_TRUE(feedShows("invoice.issued")) << host_->get("/v1/events?after=0").body;
}

TEST_P(BillingE2ETest, ConcurrentOrdersGetConsecutiveNumbersWithoutGapOrDuplicate) {
    constexpr int kClients = 6, kOrdersEach = 4;
    std::atomic<int> completed{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c)
        clients.emplace_back([&, c] {
            for (int i = 0; i < kOrdersEach; ++i) {
                const HttpReply reply =
                    host_->post("/v1/orders",
                                order("PAR-" + std::to_string(c) + "-" + std::to_string(i), "C-" + std::to_string(c)));
                if (reply.status == 201 && json(reply.body)->getValue<std::string>("state") == "completed")
                    ++completed;
                else
                    ADD_FAILURE() << reply.status << " " << reply.body;
            }
        });
    for (auto& client : clients) client.join();
    EXPECT_EQ(completed.load(), kClients * kOrdersEach);
    expectGaplessInvoices(kClients * kOrdersEach);
}

TEST_P(BillingE2ETest, AStepAfterBillingFailsTheInvoiceIsCreditedAndTheExposureReleased) {
    ASSERT_EQ(host_->post("/v1/orders", order("KEEP-1", "C-9")).status, 201);
    const HttpReply reply = host_->post("/v1/orders", order("UNDO-1", "C-9", "fail-after-invoice"));
    ASSERT_EQ(reply.status, 201) << reply.body;
    auto body = json(reply.body);
    EXPECT_EQ(body->getValue<std::string>("state"), "failed") << reply.body;
    auto billing = body->getObject("document")->getObject("billing");
    EXPECT_EQ(billing->getValue<std::string>("status"), "credited");
    EXPECT_EQ(billing->getValue<std::string>("credit_note_number"), "CN-000001");
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_invoices"), 2) << "an issued invoice was deleted";
    EXPECT_EQ(number("SELECT total_minor FROM billing_invoices WHERE invoice_number = 'INV-000002'"), 42921);
    EXPECT_EQ(number("SELECT total_minor FROM billing_credit_notes WHERE invoice_number = 'INV-000002'"), 42921);
    EXPECT_EQ(number("SELECT open_minor FROM billing_accounts WHERE customer_id = 'C-9'"), 42921)
        << "receivables are not back to what the kept order owes";
    EXPECT_EQ(number("SELECT COUNT(*) FROM credit_exposures WHERE state = 'released'"), 1);
    EXPECT_TRUE(feedShows("credit_note.issued")) << host_->get("/v1/events?after=0").body;
}

// The issue's case: 8 orders of 359.96 posted at once for a customer with a 500.00 limit.
TEST_P(BillingE2ETest, ParallelOrdersOfOneCustomerCannotBothSlipUnderTheCreditLimit) {
    constexpr int kOrders = 8;
    std::vector<std::string> states(kOrders);
    std::vector<std::thread> clients;
    for (int i = 0; i < kOrders; ++i)
        clients.emplace_back([&, i] {
            const HttpReply reply = host_->post("/v1/orders", creditOrder("LIM-" + std::to_string(i)));
            states[i] = reply.status == 201 ? json(reply.body)->getValue<std::string>("state") : reply.body;
        });
    for (auto& client : clients) client.join();
    int completed = 0, held = 0;
    for (const std::string& state : states) {
        if (state == "completed")
            ++completed;
        else if (state == "on_hold")
            ++held;
        else
            ADD_FAILURE() << state;
    }
    EXPECT_EQ(completed, 1);
    EXPECT_EQ(held, kOrders - 1);
    EXPECT_EQ(number("SELECT COUNT(*) FROM billing_invoices WHERE customer_id = 'C-LIMITED'"), 1);
}

// SIGKILLs while orders are being invoiced: after each restart every order finishes with
// exactly one invoice and the numbers have no gap.
TEST_P(BillingE2ETest, SigkillsDuringBillingLeaveOneInvoicePerOrderAndNoGap) {
    std::set<std::string> attempted;
    std::mutex mutex;
    for (int round = 0; round < 2; ++round) {
        std::atomic<int> acknowledged{0};
        std::vector<std::thread> clients;
        for (int c = 0; c < 4; ++c)
            clients.emplace_back([&, c] {
                for (int i = 0;; ++i) {
                    const std::string ref =
                        "KILL-" + std::to_string(round) + "-" + std::to_string(c) + "-" + std::to_string(i);
                    {
                        std::lock_guard<std::mutex> lock(mutex);
                        attempted.insert(ref);
                    }
                    try {
                        if (host_->post("/v1/orders", order(ref, "C-" + std::to_string(c))).status == 201)
                            ++acknowledged;
                    } catch (const std::exception&) {
                        return;  // the host is gone
                    }
                }
            });
        for (int waited = 0; waited < 10000 && acknowledged.load() < 6 + 4 * round; waited += 10)
            Poco::Thread::sleep(10);
        host_->killHard();
        for (auto& client : clients) client.join();
        host_->restart();  // recovery resumes every order that was mid-chain
    }
    std::int64_t stored = 0;
    for (const std::string& ref : attempted) {
        std::string state;
        for (int i = 0; i < 200 && state != "completed" && state != "404"; ++i) {
            const HttpReply reply = host_->get("/v1/orders?order_ref=" + ref);
            state = reply.status == 404 ? "404" : json(reply.body)->getValue<std::string>("state");
            if (state != "completed" && state != "404") Poco::Thread::sleep(25);
        }
        if (state == "404") continue;
        EXPECT_EQ(state, "completed") << ref;
        ++stored;
    }
    ASSERT_GT(stored, 10);
    expectGaplessInvoices(stored);
    EXPECT_NE(host_->log().find("resumed after a restart"), std::string::npos) << "no kill landed mid-chain";
}

INSTANTIATE_TEST_SUITE_P(Backends, BillingE2ETest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::testing::billing_e2e_test

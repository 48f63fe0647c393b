// QuoteStore and OrderStore::insertOrder with a quote, on every backend: a quote round-trips;
// an order uses an unused, valid quote in its insert; a second order, an expired quote or a
// duplicate order_ref (rolled back) leave it as it was.
#include "host/store/OrderSearch.h"
#include "host/store/QuoteStore.h"

#include <gtest/gtest.h>

#include "host/store/OrderStore.h"
#include "tests/host/store/StoreTestSupport.h"

namespace orderhost::store::testing {
namespace {

constexpr char kQuoteId[] = "0b0b0b0b-1111-2222-3333-444444444444";

class QuoteStoreTest : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        db_ = open();
        quotes_ = std::make_unique<QuoteStore>(*db_);
        orders_ = std::make_unique<OrderStore>(*db_);
        // Longer than SQLite's 255-byte bind limit: both documents travel as CLOBs.
        const std::string big(400, 'x');
        quotes_->save({kQuoteId,
                       "key-1",
                       "place-order",
                       3,
                       R"({"draft":")" + big + "\"}",
                       R"({"answer":")" + big + "\"}",
                       1000,
                       5000,
                       {},
                       0});
    }
    void TearDown() override {
        orders_.reset();
        quotes_.reset();
        db_.reset();
        StoreTest::TearDown();
    }
    OrderRecord orderAt(const std::string& ref, int64_t atMs) {
        OrderRecord o = sampleOrder(ref);
        o.createdAtMs = o.updatedAtMs = atMs;
        return o;
    }

    std::unique_ptr<Database> db_;
    std::unique_ptr<QuoteStore> quotes_;
    std::unique_ptr<OrderStore> orders_;
};

TEST_P(QuoteStoreTest, ARoundTripKeepsEveryField) {
    const std::optional<QuoteRecord> q = quotes_->find(kQuoteId);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->client, "key-1");
    EXPECT_EQ(q->chain, "place-order");
    EXPECT_EQ(q->chainVersion, 3);
    EXPECT_EQ(q->draft, R"({"draft":")" + std::string(400, 'x') + "\"}");
    EXPECT_EQ(q->document, R"({"answer":")" + std::string(400, 'x') + "\"}");
    EXPECT_EQ(q->createdAtMs, 1000);
    EXPECT_EQ(q->validUntilMs, 5000);
    EXPECT_TRUE(q->usedByOrder.empty());
    EXPECT_FALSE(quotes_->find("ffffffff-1111-2222-3333-444444444444"));
}

TEST_P(QuoteStoreTest, OneOrderUsesTheQuoteInItsInsert) {
    ASSERT_EQ(orders_->insertOrder(orderAt("R-1", 2000), kQuoteId), InsertResult::Inserted);
    const std::optional<QuoteRecord> q = quotes_->find(kQuoteId);
    ASSERT_TRUE(q);
    EXPECT_EQ(q->usedByOrder, "id-R-1");
    EXPECT_EQ(q->usedAtMs, 2000);
    EXPECT_EQ(orders_->insertOrder(orderAt("R-2", 2001), kQuoteId), InsertResult::QuoteUnavailable);
    EXPECT_FALSE(orders_->findByRef("R-2"));
}

// The longest customer id the schema accepts (64 four-byte characters) on the quote's insert,
// which binds through Poco: more than SQLite's 255-byte bind limit (found in review).
TEST_P(QuoteStoreTest, AnOrderFromAQuoteKeepsALongCustomerIdAndIsFoundByIt) {
    OrderRecord order = orderAt("R-1", 2000);
    for (int i = 0; i < 64; ++i) order.customerId += "\xF0\x9F\x98\x80";
    ASSERT_EQ(orders_->insertOrder(order, kQuoteId), InsertResult::Inserted);
    OrderSearch search(*db_);
    OrderQuery query;
    query.customerId = order.customerId;
    const OrderPage page = search.find(query);
    ASSERT_EQ(page.orders.size(), 1u);
    EXPECT_EQ(page.orders[0].customerId, order.customerId);
}

TEST_P(QuoteStoreTest, AnExpiredQuoteInsertsNothing) {
    EXPECT_EQ(orders_->insertOrder(orderAt("R-1", 5000), kQuoteId), InsertResult::QuoteUnavailable);
    EXPECT_FALSE(orders_->findByRef("R-1"));
    EXPECT_TRUE(quotes_->find(kQuoteId)->usedByOrder.empty());
}

TEST_P(QuoteStoreTest, ADuplicateOrderRefLeavesTheQuoteUnused) {
    ASSERT_EQ(orders_->insertOrder(orderAt("R-1", 2000)), InsertResult::Inserted);
    OrderRecord again = orderAt("R-1", 2001);
    again.id = "id-R-1-again";
    EXPECT_EQ(orders_->insertOrder(again, kQuoteId), InsertResult::DuplicateRef);
    EXPECT_TRUE(quotes_->find(kQuoteId)->usedByOrder.empty());  // rolled back with the insert
    EXPECT_EQ(orders_->insertOrder(orderAt("R-3", 2002), kQuoteId), InsertResult::Inserted);
}

INSTANTIATE_TEST_SUITE_P(Backends, QuoteStoreTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing

#include "host/store/OrderSearch.h"

#include "host/store/Migrations.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {
namespace {

class OrderSearchTest : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        db_ = open();
        store_ = std::make_unique<OrderStore>(*db_);
        search_ = std::make_unique<OrderSearch>(*db_);
    }
    void TearDown() override {
        search_.reset();
        store_.reset();
        db_.reset();
        StoreTest::TearDown();
    }
    void insert(const std::string& ref, const std::string& customer, int64_t createdAt,
                const std::string& state = "completed", const std::string& chain = "place-order") {
        OrderRecord o = sampleOrder(ref);
        o.customerId = customer;
        o.createdAtMs = createdAt;
        o.state = state;
        o.chain = chain;
        ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    }
    std::vector<std::string> refs(const OrderQuery& query) {
        std::vector<std::string> found;
        for (const OrderSummary& o : search_->find(query).orders) found.push_back(o.orderRef);
        return found;
    }

    std::unique_ptr<Database> db_;
    std::unique_ptr<OrderStore> store_;
    std::unique_ptr<OrderSearch> search_;
};

using Refs = std::vector<std::string>;

TEST_P(OrderSearchTest, FiltersAreAndedAndResultsComeOldestFirst) {
    insert("R-3", "C-1", 3000, "on_hold");
    insert("R-1", "C-1", 1000);
    insert("R-2", "C-2", 2000, "completed", "place-service");
    insert("R-4", "", 4000);
    OrderQuery query;
    EXPECT_EQ(refs(query), (Refs{"R-1", "R-2", "R-3", "R-4"}));
    query.customerId = "C-1";
    EXPECT_EQ(refs(query), (Refs{"R-1", "R-3"}));
    query.state = "on_hold";
    EXPECT_EQ(refs(query), Refs{"R-3"});
    query = {};
    query.chain = "place-service";
    EXPECT_EQ(refs(query), Refs{"R-2"});
    query = {};
    query.createdFromMs = 2000;  // inclusive
    query.createdToMs = 4000;    // exclusive
    EXPECT_EQ(refs(query), (Refs{"R-2", "R-3"}));
    query = {};
    query.orderRef = "R-4";
    EXPECT_EQ(refs(query), Refs{"R-4"});
    const OrderSummary only = search_->find(query).orders.at(0);
    EXPECT_EQ(only.customerId, "") << "no customer is NULL, read back as empty";
    query.customerId = "C-1";
    EXPECT_EQ(refs(query), Refs{});
}

TEST_P(OrderSearchTest, KeysetPagesNeitherRepeatNorSkipWhenOrdersArriveBetweenPages) {
    // Two orders share a millisecond: the id breaks the tie, so the page boundary is exact.
    insert("A", "C-1", 1000);
    insert("B", "C-1", 2000);
    insert("C", "C-1", 2000);
    insert("D", "C-1", 3000);
    OrderQuery query;
    query.customerId = "C-1";
    query.limit = 2;
    OrderPage page = search_->find(query);
    Refs seen;
    for (const auto& o : page.orders) seen.push_back(o.orderRef);
    ASSERT_TRUE(page.more);
    insert("E", "C-1", 5000);  // arrives while the client reads
    insert("Z", "C-1", 500);   // an older timestamp (another host's clock): before the cursor, not shown
    while (page.more) {
        query.after = page.last;
        page = search_->find(query);
        for (const auto& o : page.orders) seen.push_back(o.orderRef);
    }
    EXPECT_EQ(seen, (Refs{"A", "B", "C", "D", "E"}));
    EXPECT_EQ(page.orders.size(), 1u);
}

TEST_P(OrderSearchTest, APageOfExactlyTheLimitSaysWhetherMoreFollow) {
    insert("A", "C-1", 1000);
    insert("B", "C-1", 2000);
    OrderQuery query;
    query.limit = 2;
    EXPECT_FALSE(search_->find(query).more);
    query.limit = 1;
    EXPECT_TRUE(search_->find(query).more);
    query.limit = 0;
    EXPECT_THROW(search_->find(query), StoreError);
    query.limit = kMaxOrderPageSize + 1;
    EXPECT_THROW(search_->find(query), StoreError);
}

TEST_P(OrderSearchTest, TheCustomerIdIsStoredOnInsertByteExact) {
    insert("A", "C-ÄÖÜ-" + std::string(50, 'x'), 1000);  // 64 characters, more bytes
    OrderQuery query;
    query.customerId = "C-ÄÖÜ-" + std::string(50, 'x');
    EXPECT_EQ(refs(query), Refs{"A"});
    // The longest id the schema accepts: 64 four-byte characters. Poco refused to bind more than
    // 255 bytes on SQLite, and the search answered 503 (found by a black-box probe).
    std::string longest;
    for (int i = 0; i < 64; ++i) longest += "\xF0\x9F\x98\x80";
    insert("L", longest, 1001);
    query.customerId = longest;
    EXPECT_EQ(refs(query), Refs{"L"});
    OrderRecord tooLong = sampleOrder("B");
    tooLong.customerId = std::string(257, 'c');
    EXPECT_THROW(store_->insertOrder(tooLong), StoreError);
}

// v9 fills customer_id for the orders that existed before it, from /customer/id.
TEST_P(OrderSearchTest, TheMigrationBackfillsTheCustomerOfExistingOrders) {
    search_.reset();
    store_.reset();
    db_.reset();
    std::filesystem::create_directories(dir_ + "/old");
    database_ = std::make_unique<orderhost::testing::TestDatabase>(GetParam(), dir_ + "/old");
    DatabaseOptions noMigration;
    noMigration.migrate = false;
    auto old = std::make_unique<Database>(database_->connectionString(), noMigration);
    exec(*old,
         "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR(200) NOT NULL,"
         " applied_at BIGINT NOT NULL)");
    for (const Migration& m : schemaMigrations()) {
        if (m.version >= 9) break;
        old->withTransaction([&](Poco::Data::Session& s) { m.apply(s, old->dialect()); });
        exec(*old, "INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'old', 0)");
    }
    auto oldOrder = [&](const std::string& ref, const std::string& document) {
        exec(*old,
             "INSERT INTO orders (id, order_ref, chain, chain_version, state, current_step, document, request_hash,"
             " created_at, updated_at) VALUES ('id-" +
                 ref + "', '" + ref + "', 'c', 1, 'completed', 0, '" + document + "', 'h', 1, 1)");
    };
    oldOrder("WITH", R"({"customer":{"id":"C-OLD","name":"Old"},"lines":[]})");
    oldOrder("NUMBER", R"({"customer":{"id":42}})");
    oldOrder("WITHOUT", R"({"lines":[]})");
    std::vector<int> fromNine;  // 9 and every later version (later branches add their own)
    for (int version = 9; version <= latestSchemaVersion(); ++version) fromNine.push_back(version);
    EXPECT_EQ(migrateSchema(*old), fromNine);
    OrderQuery query;
    query.customerId = "C-OLD";
    EXPECT_EQ(OrderSearch(*old).find(query).orders.size(), 1u);
    int withCustomer = -1;
    old->session() << "SELECT COUNT(*) FROM orders WHERE customer_id IS NOT NULL", into(withCustomer), now;
    EXPECT_EQ(withCustomer, 1) << "only a string id is taken";
}

INSTANTIATE_TEST_SUITE_P(Backends, OrderSearchTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing

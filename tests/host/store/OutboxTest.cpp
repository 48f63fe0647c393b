#include "host/store/Outbox.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;
using Poco::Data::Session;

namespace orderhost::store::testing {
namespace {

OutboxEvent event(const std::string& orderId, const std::string& type, const std::string& payload = "{}") {
    return OutboxEvent{0, orderId, type, payload, 1764000000123};
}

std::vector<std::string> orderIdsOf(const std::vector<OutboxEvent>& events) {
    std::vector<std::string> ids;
    for (const auto& e : events) ids.push_back(e.orderId);
    return ids;
}

// A transaction held open by the test, to commit out of order with others.
class OpenTransaction {
public:
    explicit OpenTransaction(Database& db) : db_(db), session_(db.session()) {
        session_.setFeature("autoCommit", false);
        session_.begin();
    }
    ~OpenTransaction() {
        if (session_.isTransaction()) Database::rollbackQuietly(session_);
        Database::restoreAutoCommit(session_);
    }
    // Gives the transaction its xid now (PostgreSQL assigns one at the first write).
    void takeXid() {
        Poco::Int64 xid = 0;
        session_ << "SELECT txid_current()", into(xid), now;
    }
    void append(const OutboxEvent& e) { appendOutboxEvents(session_, db_, {e}); }
    void commit() { session_.commit(); }

private:
    Database& db_;
    Session session_;
};

class OutboxTest : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        db_ = open();
        reader_ = std::make_unique<OutboxReader>(*db_);
    }
    void TearDown() override {
        reader_.reset();
        db_.reset();
        StoreTest::TearDown();
    }
    void append(const std::vector<OutboxEvent>& events) {
        db_->withTransaction("append", [&](Session& s) { appendOutboxEvents(s, *db_, events); });
        appended_ += events.size();
        visibleAfter(0, appended_);
    }
    // At most `limit` events after `after`, waiting until `count` show. PostgreSQL: any
    // transaction running on the server (other tests' too) holds new events back until it
    // ends (Outbox.h); once shown, an event stays readable.
    std::vector<OutboxEvent> visibleAfter(std::int64_t after, std::size_t count, std::size_t limit = 100000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (;;) {
            auto events = reader_->eventsAfter(after, limit);
            if (events.size() >= std::min(count, limit) || std::chrono::steady_clock::now() > deadline) return events;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    std::vector<OutboxEvent> readAll(std::size_t pageSize) {
        std::vector<OutboxEvent> all;
        for (std::int64_t after = 0;;) {
            auto page = reader_->eventsAfter(after, pageSize);
            if (page.empty()) return all;
            after = page.back().id;
            all.insert(all.end(), page.begin(), page.end());
        }
    }
    bool isPostgreSQL() const { return db_->backend() == Backend::PostgreSQL; }

    std::unique_ptr<Database> db_;
    std::unique_ptr<OutboxReader> reader_;
    std::size_t appended_ = 0;
};

TEST_P(OutboxTest, EventsReadBackByteExactInTheOrderTheyWereWritten) {
    const std::string big = R"({"note":")" + std::string(300000, 'x') + R"(","city":"Kraków 🚀"})";
    append({event("o-1", "order.received", R"({"order_id":"o-1","state":"received"})"),
            event("o-1", "order.step_completed", big)});
    append({event("o-2", "order.completed")});
    const auto events = reader_->eventsAfter(0, 100);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(orderIdsOf(events), (std::vector<std::string>{"o-1", "o-1", "o-2"}));
    EXPECT_LT(events[0].id, events[1].id);
    EXPECT_LT(events[1].id, events[2].id);
    EXPECT_EQ(events[0].type, "order.received");
    EXPECT_EQ(events[0].payloadJson, R"({"order_id":"o-1","state":"received"})");
    EXPECT_TRUE(events[1].payloadJson == big) << events[1].payloadJson.size() << " bytes";
    EXPECT_EQ(events[2].createdAtMs, 1764000000123);
}

TEST_P(OutboxTest, PagingFromTheLastIdSeenVisitsEveryEventOnce) {
    std::vector<OutboxEvent> written;
    for (int i = 0; i < 25; ++i) written.push_back(event("o-" + std::to_string(i), "order.received"));
    append(written);
    const auto all = readAll(7);
    EXPECT_EQ(orderIdsOf(all), orderIdsOf(written));
    EXPECT_TRUE(reader_->eventsAfter(all.back().id, 7).empty());
    EXPECT_EQ(reader_->eventsAfter(all[9].id, 3).front().orderId, "o-10");
}

TEST_P(OutboxTest, AnAfterIdThatIsNoEventIsRefused) {
    EXPECT_TRUE(reader_->eventsAfter(0, 10).empty());
    append({event("o-1", "order.received")});
    const std::int64_t id = reader_->eventsAfter(0, 10).at(0).id;
    EXPECT_TRUE(reader_->contains(id));
    EXPECT_FALSE(reader_->contains(id + 1));
    EXPECT_THROW(reader_->eventsAfter(id + 1, 10), UnknownEventError);
}

TEST_P(OutboxTest, EventsOfOneOrderOldestFirst) {
    append({event("o-1", "order.received"), event("o-2", "order.received")});
    append({event("o-1", "order.completed")});
    const auto events = reader_->eventsOfOrder("o-1", 10);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].type, "order.received");
    EXPECT_EQ(events[1].type, "order.completed");
    EXPECT_EQ(reader_->eventsOfOrder("o-1", 1).size(), 1u);
    EXPECT_TRUE(reader_->eventsOfOrder("o-3", 10).empty());
}

TEST_P(OutboxTest, EventsOfARolledBackTransactionNeverAppear) {
    EXPECT_THROW(db_->withTransaction([&](Session& s) {
        appendOutboxEvents(s, *db_, {event("o-1", "order.received")});
        throw std::runtime_error("the step failed after writing its event");
    }),
                 std::runtime_error);
    append({event("o-2", "order.received")});
    EXPECT_EQ(orderIdsOf(reader_->eventsAfter(0, 10)), std::vector<std::string>{"o-2"});
}

TEST_P(OutboxTest, OverlongFieldsAreRefusedInsteadOfTruncatedOnRead) {
    EXPECT_THROW(append({event("o-1", std::string(65, 't'))}), StoreError);
    EXPECT_THROW(append({event(std::string(37, 'o'), "order.received")}), StoreError);
    EXPECT_THROW(append({event("o-1", "")}), StoreError);
    EXPECT_TRUE(reader_->eventsAfter(0, 10).empty());
}

// The case the txid fence alone gets wrong (Outbox.h): B holds the older xid, A the smaller
// id; B commits first. A reader must still get A's event after B's.
TEST_P(OutboxTest, AnOlderIdCommittedLaterIsNotSkipped) {
    if (!isPostgreSQL()) GTEST_SKIP() << "SQLite has one writer: ids commit in order";
    OpenTransaction b(*db_), a(*db_);
    b.takeXid();
    a.takeXid();
    a.append(event("o-a", "order.received"));  // the smaller id
    b.append(event("o-b", "order.received"));
    b.commit();
    const auto first = visibleAfter(0, 1);
    ASSERT_EQ(orderIdsOf(first), std::vector<std::string>{"o-b"});
    a.commit();
    EXPECT_EQ(orderIdsOf(visibleAfter(first.back().id, 1)), std::vector<std::string>{"o-a"});

    // Paging by id behind the same fence would have lost o-a for good.
    Session s = db_->session();
    int naive = 0;
    Poco::Int64 after = first.back().id;
    s << "SELECT COUNT(*) FROM outbox WHERE id > ? AND txid < txid_snapshot_xmin(txid_current_snapshot())", bind(after),
        into(naive), now;
    EXPECT_EQ(naive, 0);
}

TEST_P(OutboxTest, ACommittedEventWaitsWhileAnOlderTransactionRuns) {
    if (!isPostgreSQL()) GTEST_SKIP() << "SQLite has one writer: ids commit in order";
    OpenTransaction older(*db_), newer(*db_);
    older.takeXid();
    newer.append(event("o-new", "order.received"));
    newer.commit();
    EXPECT_TRUE(reader_->eventsAfter(0, 10).empty()) << "the older transaction could still write an event";
    older.append(event("o-old", "order.received"));
    older.commit();
    EXPECT_EQ(orderIdsOf(visibleAfter(0, 2)), (std::vector<std::string>{"o-old", "o-new"}));
}

// Writers commit in random order (some roll back) while a reader pages along; at the end the
// reader has seen every committed event exactly once.
TEST_P(OutboxTest, AConcurrentReaderSeesEveryCommittedEventExactlyOnce) {
    constexpr int kWriters = 4, kPerWriter = 30;
    std::mutex mutex;
    std::set<std::string> committed;
    std::atomic<int> running{kWriters};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
        writers.emplace_back([&, w] {
            std::mt19937 random(w);
            for (int i = 0; i < kPerWriter; ++i) {
                const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
                OpenTransaction t(*db_);
                t.append(event(id, "order.received"));
                std::this_thread::sleep_for(std::chrono::microseconds(random() % 3000));
                if (i % 5 == 4) continue;  // rolls back in the destructor
                t.commit();
                std::lock_guard<std::mutex> lock(mutex);
                committed.insert(id);
            }
            --running;
        });
    }
    std::multiset<std::string> seen;
    std::int64_t after = 0;
    auto drain = [&] {
        for (auto page = reader_->eventsAfter(after, 5); !page.empty(); page = reader_->eventsAfter(after, 5)) {
            for (const auto& e : page) seen.insert(e.orderId);
            after = page.back().id;
        }
    };
    while (running > 0) drain();
    for (auto& t : writers) t.join();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (seen.size() < committed.size() && std::chrono::steady_clock::now() < deadline) drain();
    EXPECT_EQ(seen.size(), committed.size());
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), committed);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing

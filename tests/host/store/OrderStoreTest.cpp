#include "host/store/OrderStore.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/host/store/StoreTestSupport.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store::testing {
namespace {

void expectSameOrder(const OrderRecord& a, const OrderRecord& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.orderRef, b.orderRef);
    EXPECT_EQ(a.chain, b.chain);
    EXPECT_EQ(a.chainVersion, b.chainVersion);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.currentStep, b.currentStep);
    EXPECT_TRUE(a.document == b.document)
        << "documents differ: " << a.document.size() << " vs " << b.document.size() << " bytes";
    EXPECT_EQ(a.requestHash, b.requestHash);
    EXPECT_EQ(a.createdAtMs, b.createdAtMs);
    EXPECT_EQ(a.updatedAtMs, b.updatedAtMs);
}

// `bytes` long, mixing ASCII with 2-, 3- and 4-byte UTF-8 so any shift or cut shows.
std::string utf8Document(std::size_t bytes) {
    const std::string chunk = R"({"n":"Zoë Çelik","city":"Kraków","note":"naïve café 日本 🚀📦","i":)";
    std::string doc;
    doc.reserve(bytes);
    for (std::size_t i = 0; doc.size() + chunk.size() + 16 < bytes; ++i) doc += chunk + std::to_string(i) + "},";
    doc.append(bytes - doc.size(), 'x');
    return doc;
}

class OrderStoreTest : public StoreTest {
protected:
    void SetUp() override {
        StoreTest::SetUp();
        db_ = open();
        store_ = std::make_unique<OrderStore>(*db_);
    }
    void TearDown() override {
        store_.reset();
        db_.reset();
        StoreTest::TearDown();
    }
    OrderRecord roundTrip(const OrderRecord& o) {
        EXPECT_EQ(store_->insertOrder(o), InsertResult::Inserted);
        auto found = store_->findById(o.id);
        EXPECT_TRUE(found);
        return found.value_or(OrderRecord{});
    }
    // The order after a step: new state, step, document and timestamp.
    static OrderRecord advanced(OrderRecord o, const std::string& state) {
        o.state = state;
        o.currentStep += 1;
        o.document += " ";
        o.updatedAtMs += 1000;
        return o;
    }
    std::unique_ptr<Database> db_;
    std::unique_ptr<OrderStore> store_;
};

TEST_P(OrderStoreTest, EveryFieldRoundTrips) {
    const OrderRecord o = sampleOrder("R-1");
    expectSameOrder(roundTrip(o), o);
    auto byRef = store_->findByRef("R-1");
    ASSERT_TRUE(byRef);
    expectSameOrder(*byRef, o);
}

TEST_P(OrderStoreTest, MissingOrdersAreNullopt) {
    EXPECT_FALSE(store_->findById("nope"));
    EXPECT_FALSE(store_->findByRef("nope"));
    EXPECT_TRUE(store_->stepRuns("nope").empty());
}

TEST_P(OrderStoreTest, FourMiBDocumentRoundTripsByteExactly) {
    OrderRecord o = sampleOrder("R-big");
    o.document = utf8Document(4u << 20);
    expectSameOrder(roundTrip(o), o);
}

TEST_P(OrderStoreTest, NonAsciiUtf8RoundTripsShortAndLong) {
    OrderRecord shortDoc = sampleOrder("Bestellung-Größe-🚀");  // short values bind as strings,
    shortDoc.id = "id-utf8";
    shortDoc.document = R"({"name":"Zoë 🎉 Ünïcödé"})";
    expectSameOrder(roundTrip(shortDoc), shortDoc);
    OrderRecord longDoc = sampleOrder("R-long");  // values over 255 bytes bind as CLOBs
    longDoc.document = utf8Document(300);
    expectSameOrder(roundTrip(longDoc), longDoc);
}

TEST_P(OrderStoreTest, EmptyDocumentStaysEmpty) {
    OrderRecord o = sampleOrder("R-empty");
    o.document.clear();
    expectSameOrder(roundTrip(o), o);
}

TEST_P(OrderStoreTest, DocumentAtTheLimitRoundTripsAndOneByteMoreIsRefused) {
    OrderRecord o = sampleOrder("R-limit");
    o.document = utf8Document(kMaxDocumentBytes);
    expectSameOrder(roundTrip(o), o);
    OrderRecord tooBig = sampleOrder("R-too-big");
    tooBig.document = utf8Document(kMaxDocumentBytes + 1);
    EXPECT_THROW(store_->insertOrder(tooBig), StoreError);
    EXPECT_FALSE(store_->findByRef("R-too-big"));
}

TEST_P(OrderStoreTest, AnOversizedDocumentWrittenBehindOurBackIsAnErrorNotATruncation) {
    OrderRecord o = sampleOrder("R-grown");
    o.document = utf8Document(kMaxDocumentBytes);
    ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    exec(*db_, "UPDATE orders SET document = document || 'xyz'");
    try {
        store_->findById(o.id);
        FAIL() << "a truncated document was returned";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("database holds " + std::to_string(kMaxDocumentBytes + 3)),
                  std::string::npos)
            << e.what();
    }
}

TEST_P(OrderStoreTest, OverlongFieldIsRefusedNotTruncated) {
    OrderRecord o = sampleOrder(std::string(65, 'r'));
    o.id = "id-overlong";
    try {
        store_->insertOrder(o);
        FAIL() << "inserted";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("order_ref is 65 bytes; the column holds at most 64"), std::string::npos)
            << e.what();
    }
    OrderRecord multiByte = sampleOrder(std::string(16, 'r') + "ééééééééééééééééééééééé");  // 23 chars, 62 bytes
    multiByte.orderRef += "é";                                                              // 64 bytes: fits exactly
    multiByte.id = "id-multibyte";
    expectSameOrder(roundTrip(multiByte), multiByte);
}

TEST_P(OrderStoreTest, DuplicateRefInsertsNothingAndKeepsTheFirst) {
    const OrderRecord first = sampleOrder("R-dup");
    ASSERT_EQ(store_->insertOrder(first), InsertResult::Inserted);
    OrderRecord second = sampleOrder("R-dup");
    second.id = "another-id";
    second.document = R"({"other":true})";
    second.state = "tampered";
    EXPECT_EQ(store_->insertOrder(second), InsertResult::DuplicateRef);
    EXPECT_FALSE(store_->findById("another-id"));
    expectSameOrder(store_->findByRef("R-dup").value(), first);
}

TEST_P(OrderStoreTest, DuplicateIdWithAnotherRefIsAnError) {
    ASSERT_EQ(store_->insertOrder(sampleOrder("R-a")), InsertResult::Inserted);
    OrderRecord clash = sampleOrder("R-b");
    clash.id = sampleOrder("R-a").id;
    EXPECT_THROW(store_->insertOrder(clash), StoreError);
    EXPECT_FALSE(store_->findByRef("R-b"));
}

TEST_P(OrderStoreTest, ConcurrentDuplicateInsertsYieldExactlyOneInserted) {
    constexpr int kThreads = 8;
    std::atomic<int> ready{0}, inserted{0}, duplicates{0}, errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            OrderRecord o = sampleOrder("R-race");
            o.id = "racer-" + std::to_string(t);
            ++ready;
            while (ready < kThreads) std::this_thread::yield();  // start together
            try {
                (store_->insertOrder(o) == InsertResult::Inserted ? inserted : duplicates)++;
            } catch (const StoreError&) {
                ++errors;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(inserted, 1);
    EXPECT_EQ(duplicates, kThreads - 1);
    EXPECT_EQ(errors, 0);
    int rows = 0;
    db_->session() << "SELECT COUNT(*) FROM orders WHERE order_ref = 'R-race'", into(rows), now;
    EXPECT_EQ(rows, 1);
}

TEST_P(OrderStoreTest, RecordStepUpdatesTheOrderAndAppendsTheRun) {
    const OrderRecord o = sampleOrder("R-step");
    ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    const OrderRecord next = advanced(o, "validated");
    StepRunRecord run = sampleRun("validate");
    run.message = "Prüfung bestanden ✅";
    store_->recordStep(next, "received", run);
    expectSameOrder(store_->findById(o.id).value(), next);
    const auto runs = store_->stepRuns(o.id);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].orderId, o.id);
    EXPECT_EQ(runs[0].seq, 1);
    EXPECT_EQ(runs[0].stepName, run.stepName);
    EXPECT_EQ(runs[0].pluginId, run.pluginId);
    EXPECT_EQ(runs[0].stepKind, run.stepKind);
    EXPECT_EQ(runs[0].attempt, run.attempt);
    EXPECT_EQ(runs[0].outcome, run.outcome);
    EXPECT_EQ(runs[0].code, run.code);
    EXPECT_EQ(runs[0].message, run.message);
    EXPECT_EQ(runs[0].startedAtMs, run.startedAtMs);
    EXPECT_EQ(runs[0].finishedAtMs, run.finishedAtMs);
}

TEST_P(OrderStoreTest, StepRunsComeBackInSequence) {
    OrderRecord o = sampleOrder("R-seq");
    ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    const std::vector<std::string> states{"validated", "credit-ok", "sourced", "billed"};
    for (const auto& state : states) {
        const OrderRecord next = advanced(o, state);
        store_->recordStep(next, o.state, sampleRun(state));
        o = next;
    }
    ASSERT_TRUE(store_->insertOrder(sampleOrder("R-other")) == InsertResult::Inserted);
    store_->recordStep(advanced(sampleOrder("R-other"), "validated"), "received", sampleRun("other"));
    const auto runs = store_->stepRuns(o.id);
    ASSERT_EQ(runs.size(), states.size());
    for (std::size_t i = 0; i < runs.size(); ++i) {
        EXPECT_EQ(runs[i].seq, static_cast<int>(i + 1));
        EXPECT_EQ(runs[i].stepName, states[i]);
    }
    EXPECT_EQ(store_->stepRuns(sampleOrder("R-other").id).at(0).seq, 1);
}

// recordStep's statements are prepared once per transaction session and re-bound per call:
// every value must be the call's own, also when a value switches binding (SQLite: text over
// 255 bytes goes as a CLOB; a NULL step index), after a refused call and in a StepTransaction.
TEST_P(OrderStoreTest, RepeatedRecordStepsOnOneSessionWriteEachCallsValues) {
    auto db = open(DatabaseOptions{1, 1, 60, std::chrono::milliseconds(1000), true});
    OrderStore store(*db);
    OrderRecord o = sampleOrder("R-reuse");
    ASSERT_EQ(store.insertOrder(o), InsertResult::Inserted);
    const std::vector<std::string> documents{utf8Document(1000), "{}", "", utf8Document(300), utf8Document(200),
                                             utf8Document(70000)};
    std::vector<StepRunRecord> written;
    for (std::size_t i = 0; i < documents.size() * 2; ++i) {
        OrderRecord next = advanced(o, "s" + std::to_string(i));
        next.document = documents[i % documents.size()];
        next.awaitingSignal = i % 2 ? "sig-" + std::to_string(i) : "";
        next.wakeAtMs = static_cast<int64_t>(i) * 7;
        StepRunRecord run = sampleRun("step-" + std::to_string(i));
        run.message = i % 3 == 0 ? utf8Document(400 + i) : "short " + std::to_string(i);
        run.stepIndex = i % 4 == 0 ? -1 : static_cast<int>(i);
        run.chain = "chain-" + std::to_string(i);
        if (i == 3) {  // refused (stale), then the same session goes on
            EXPECT_THROW(store.recordStep(next, "not-" + o.state, run), StaleOrderError);
        }
        if (i % 2) {
            StepTransaction tx(*db);
            CheckpointExtras extras;
            extras.transaction = &tx;
            store.recordStep(next, o.state, run, extras);
        } else {
            store.recordStep(next, o.state, run);
        }
        const OrderRecord stored = store.findById(o.id).value();
        expectSameOrder(stored, next);
        EXPECT_EQ(stored.awaitingSignal, next.awaitingSignal);
        EXPECT_EQ(stored.wakeAtMs, next.wakeAtMs);
        written.push_back(run);
        o = next;
    }
    const auto runs = store.stepRuns(o.id);
    ASSERT_EQ(runs.size(), written.size());
    for (std::size_t i = 0; i < runs.size(); ++i) {
        EXPECT_EQ(runs[i].seq, static_cast<int>(i + 1));
        EXPECT_EQ(runs[i].stepName, written[i].stepName);
        EXPECT_TRUE(runs[i].message == written[i].message) << i;
        EXPECT_EQ(runs[i].stepIndex, written[i].stepIndex) << i;
        EXPECT_EQ(runs[i].chain, written[i].chain);
    }
}

TEST_P(OrderStoreTest, RecordStepRefusesAStaleExpectedState) {
    const OrderRecord o = sampleOrder("R-stale");
    ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    try {
        store_->recordStep(advanced(o, "validated"), "credit-hold", sampleRun("validate"));
        FAIL() << "stale state accepted";
    } catch (const StaleOrderError& e) {
        EXPECT_NE(std::string(e.what()).find("in state 'received', not the expected 'credit-hold'"), std::string::npos)
            << e.what();
    }
    expectSameOrder(store_->findById(o.id).value(), o);
    EXPECT_TRUE(store_->stepRuns(o.id).empty());
    EXPECT_THROW(store_->recordStep(advanced(sampleOrder("R-ghost"), "x"), "received", sampleRun("v")),
                 StaleOrderError);
}

TEST_P(OrderStoreTest, RecordStepIsAtomicWhenTheRunCannotBeWritten) {
    const OrderRecord o = sampleOrder("R-atomic");
    ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    // The order UPDATE runs first and succeeds; hiding step_runs makes the second write fail.
    exec(*db_, "ALTER TABLE step_runs RENAME TO step_runs_hidden");
    EXPECT_THROW(store_->recordStep(advanced(o, "validated"), "received", sampleRun("validate")), StoreError);
    exec(*db_, "ALTER TABLE step_runs_hidden RENAME TO step_runs");
    expectSameOrder(store_->findById(o.id).value(), o);
    EXPECT_TRUE(store_->stepRuns(o.id).empty());
}

TEST_P(OrderStoreTest, RecordStepFromManyThreadsAdvancesOnce) {
    const OrderRecord o = sampleOrder("R-contend");
    ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    constexpr int kThreads = 6;
    std::atomic<int> ready{0}, won{0}, stale{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            ++ready;
            while (ready < kThreads) std::this_thread::yield();
            try {
                store_->recordStep(advanced(o, "by-" + std::to_string(t)), "received", sampleRun("v"));
                ++won;
            } catch (const StaleOrderError&) {
                ++stale;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(won, 1);
    EXPECT_EQ(stale, kThreads - 1);
    EXPECT_EQ(store_->stepRuns(o.id).size(), 1u);
}

TEST_P(OrderStoreTest, LongStepMessagesAreCutAtACharacterBoundary) {
    const OrderRecord o = sampleOrder("R-chatty");
    ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    StepRunRecord run = sampleRun("v");
    run.message = "a";
    for (int i = 0; i < 20000; ++i) run.message += "🚀";  // 80001 bytes; 65536 falls mid-emoji
    store_->recordStep(advanced(o, "validated"), "received", run);
    const std::string stored = store_->stepRuns(o.id).at(0).message;
    EXPECT_EQ(stored.size(), 65533u);
    EXPECT_EQ(stored, run.message.substr(0, 65533));
}

TEST_P(OrderStoreTest, NullColumnsReadAsEmpty) {
    const OrderRecord o = sampleOrder("R-null");
    ASSERT_EQ(store_->insertOrder(o), InsertResult::Inserted);
    exec(*db_, "UPDATE orders SET document = NULL");
    exec(*db_, "INSERT INTO step_runs (order_id, seq) VALUES ('" + o.id + "', 1)");
    EXPECT_EQ(store_->findById(o.id).value().document, "");
    const auto runs = store_->stepRuns(o.id);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].stepName, "");
    EXPECT_EQ(runs[0].message, "");
    EXPECT_EQ(runs[0].attempt, 0);
    EXPECT_EQ(runs[0].finishedAtMs, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, OrderStoreTest, ::testing::ValuesIn(testBackends()), backendName);

}  // namespace
}  // namespace orderhost::store::testing

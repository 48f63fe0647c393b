// The fixture of TwoHostTest.cpp: two real hosts on one PostgreSQL database, and the checks the
// tests share. Skipped without a configured cluster (ORDERHOST_TEST_PG).
#pragma once

#include "TwoHostLoad.h"

namespace orderhost::testing::twohost {

class TwoHostTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const auto& backend : testBackends())
            if (backend.name == "PostgreSQL") backend_ = backend;
        if (backend_.connectionString.empty())
            GTEST_SKIP() << "two hosts need a shared PostgreSQL database; none configured (ORDERHOST_TEST_PG)";
        folder_ = makeTempDir("orderhost-twohost");
        database_ = std::make_unique<TestDatabase>(backend_, folder_);
        a_ = startHost(kHostA);  // creates the schema
        b_ = startHost(kHostB);
        db_ = std::make_unique<store::Database>(
            database_->connectionString(), store::DatabaseOptions{1, 4, 60, std::chrono::milliseconds(5000), false});
    }

    void TearDown() override {
        if (HasFailure() && (a_ || b_)) {
            const std::string kept = makeTempDir("orderhost-twohost-logs");
            if (a_) std::ofstream(kept + "/host-a.log") << a_->log();
            if (b_) std::ofstream(kept + "/host-b.log") << b_->log();
            std::cerr << "host logs kept in " << kept << "\n";
        }
        db_.reset();
        a_.reset();
        b_.reset();
        database_.reset();
        if (!folder_.empty()) std::filesystem::remove_all(folder_);
    }

    std::unique_ptr<HostProcess> startHost(const std::string& id) const {
        HostOptions options;
        options.databaseConnection = database_->connectionString();
        options.pluginFolders = ORDERHOST_SCRIPTED_PLUGIN_DIR;
        options.chainsFolder = ORDERHOST_TWO_HOST_CHAINS;
        options.extraSettings["engine.host_id"] = id;
        options.extraSettings["engine.lease_ms"] = std::to_string(kLeaseMs);
        options.extraSettings["engine.retry_poll_ms"] = "100";
        return std::make_unique<HostProcess>(options);
    }

    template <class Query>
    auto query(const std::string& what, Query&& work) {
        return db_->withSession(what, std::forward<Query>(work));
    }

    std::map<std::string, OrderRow> readOrders() {
        std::map<std::string, OrderRow> orders;
        query("read orders", [&](Poco::Data::Session& s) {
            std::vector<std::string> ids, refs, states, owners;
            std::vector<Poco::Int64> created, until;
            s << "SELECT id, order_ref, state, COALESCE(lease_owner, ''), created_at, lease_until FROM orders",
                into(ids), into(refs), into(states), into(owners), into(created), into(until), now;
            for (std::size_t i = 0; i < ids.size(); ++i)
                orders[ids[i]] = {ids[i], refs[i], states[i], owners[i], created[i], until[i], {}};
            std::vector<std::string> orderIds, names, outcomes;
            std::vector<int> seqs, indexes, attempts;
            std::vector<Poco::Int64> started, finished;
            s << "SELECT order_id, seq, COALESCE(step_index, -1), COALESCE(step_name, ''), COALESCE(attempt, 0),"
                 " COALESCE(outcome, ''), COALESCE(started_at, 0), COALESCE(finished_at, 0)"
                 " FROM step_runs ORDER BY order_id, seq",
                into(orderIds), into(seqs), into(indexes), into(names), into(attempts), into(outcomes), into(started),
                into(finished), now;
            for (std::size_t i = 0; i < orderIds.size(); ++i)
                orders[orderIds[i]].runs.push_back(
                    {seqs[i], indexes[i], names[i], attempts[i], outcomes[i], started[i], finished[i]});
        });
        return orders;
    }

    // The test database's sessions inside a transaction, with the last statement and locks.
    std::string sessionsInTransaction() {
        return query("pg_stat_activity", [&](Poco::Data::Session& s) {
            std::vector<std::string> rows;
            s << "SELECT a.pid || ' ' || a.state || ' since ' || a.state_change || ' xact ' || a.xact_start || ': '"
                 " || a.query || ' | locks: ' || COALESCE((SELECT string_agg(l.locktype || ' ' || l.mode || ' '"
                 " || COALESCE(l.relation::regclass::text, ''), ', ') FROM pg_locks l WHERE l.pid = a.pid"
                 " AND l.granted), '')"
                 " FROM pg_stat_activity a WHERE a.datname = current_database() AND a.xact_start IS NOT NULL"
                 " AND a.pid <> pg_backend_pid()",
                into(rows), now;
            std::string text;
            for (const auto& row : rows) text += "\n  " + row;
            return text;
        });
    }

    // Whether a session has been idle inside a transaction that wrote, for a while: only a
    // frozen host leaves one so (the hosts commit at once).
    bool aFrozenSessionHoldsAWriteTransaction() {
        return query("pg_stat_activity", [&](Poco::Data::Session& s) {
            Poco::Int64 count = 0;
            s << "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                 " AND state = 'idle in transaction' AND backend_xid IS NOT NULL"
                 " AND state_change < now() - interval '100 milliseconds'",
                into(count), now;
            return count > 0;
        });
    }

    // SIGSTOPs host A while it runs orders, at a moment it is not inside a transaction that
    // wrote (`midTransaction` false) or is (true), thawing and trying again until then. Returns
    // when it was frozen, 0 when no such moment came.
    std::int64_t freezeA(bool midTransaction) {
        for (int attempt = 0; attempt < 200; ++attempt) {
            const std::int64_t frozenAt = nowMs();
            a_->freeze();
            sleepMs(150);
            if (aFrozenSessionHoldsAWriteTransaction() == midTransaction &&
                !idsWhere("lease_owner = '" + kHostA + "' AND state <> 'completed'").empty())
                return frozenAt;
            a_->thaw();
            sleepMs(10 + attempt % 7 * 13);
        }
        return 0;
    }

    std::vector<std::string> idsWhere(const std::string& condition) {
        return query("select orders", [&](Poco::Data::Session& s) {
            std::vector<std::string> ids;
            s << "SELECT id FROM orders WHERE " + condition + " ORDER BY id", into(ids), now;
            return ids;
        });
    }

    // Waits until `done` holds or `deadlineMs` (hosts' clock) passed; true when it held.
    static bool waitFor(std::int64_t deadlineMs, const std::function<bool()>& done) {
        for (;;) {
            if (done()) return true;
            if (nowMs() > deadlineMs) return false;
            sleepMs(20);
        }
    }

    bool allCompleted(const std::vector<std::string>& ids) {
        std::set<std::string> pending(ids.begin(), ids.end());
        for (const auto& id : idsWhere("state = 'completed'")) pending.erase(id);
        return pending.empty();
    }

    // Every stored order went through its chain once: completed, no lease left, each step's
    // trace entry (its change to the document) exactly once and in order, exactly one
    // "continue" step run per step, runs one after the other (never two at once).
    void expectEachOrderRanOnce(const std::map<std::string, OrderRow>& orders, const HostProcess& reader) {
        for (const auto& [id, order] : orders) {
            EXPECT_EQ(order.state, "completed") << describe(order);
            EXPECT_EQ(order.leaseOwner, "") << describe(order);
            bool runsOk = order.runs.size() == kSteps.size();
            for (std::size_t i = 0; runsOk && i < order.runs.size(); ++i) {
                const StepRunRow& run = order.runs[i];
                runsOk = run.seq == static_cast<int>(i) + 1 && run.stepIndex == static_cast<int>(i) &&
                         run.stepName == kSteps[i] && run.attempt == 1 && run.outcome == "continue" &&
                         run.startedAt <= run.finishedAt && (i == 0 || run.startedAt >= order.runs[i - 1].finishedAt);
            }
            EXPECT_TRUE(runsOk) << "expected one 'continue' run per step, one after the other: " << describe(order);

            const HttpReply reply = reader.get("/v1/orders/" + id);
            ASSERT_EQ(reply.status, 200) << reply.body;
            auto body = Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
            auto trace = body->getObject("document")->getArray("trace");
            ASSERT_TRUE(trace) << order.ref << ": " << reply.body;
            std::vector<std::string> entries;
            for (unsigned i = 0; i < trace->size(); ++i) entries.push_back(trace->getElement<std::string>(i));
            EXPECT_EQ(entries, (std::vector<std::string>{"first#1", "second#1", "third#1"}))
                << "a step's change applied twice or lost: " << describe(order);
        }
    }

    // The direct form of "never run by both": no (order, step, attempt) has two "continue" runs.
    void expectNoDuplicateContinueRuns() {
        query("duplicate step runs", [&](Poco::Data::Session& s) {
            std::vector<std::string> ids;
            std::vector<int> indexes, attempts;
            std::vector<Poco::Int64> counts;
            s << "SELECT order_id, step_index, attempt, COUNT(*) FROM step_runs WHERE outcome = 'continue'"
                 " GROUP BY order_id, step_index, attempt HAVING COUNT(*) > 1",
                into(ids), into(indexes), into(attempts), into(counts), now;
            for (std::size_t i = 0; i < ids.size(); ++i)
                ADD_FAILURE() << "order " << ids[i] << " step " << indexes[i] << " attempt " << attempts[i] << " has "
                              << counts[i] << " 'continue' step runs";
        });
    }

    // An order's lease went only from `first` to `second` (when given), never back, and to
    // `second` not before `notBeforeMs`.
    static void expectOwners(const std::string& what, const std::vector<LeaseMonitor::Seen>& seen,
                             const std::string& first, const std::string& second = "", std::int64_t notBeforeMs = 0) {
        std::string text;
        for (const auto& s : seen) text += " " + s.owner + "@" + std::to_string(s.atMs);
        std::vector<std::string> allowed{first};
        if (!second.empty()) allowed.push_back(second);
        std::size_t at = 0;
        for (const auto& s : seen) {
            while (at < allowed.size() && allowed[at] != s.owner) ++at;
            ASSERT_LT(at, allowed.size()) << what << ": lease owners seen:" << text;
            if (at == 1) {
                EXPECT_GE(s.atMs, notBeforeMs) << what << ": lease owners seen:" << text;
            }
        }
    }

    TestBackend backend_;
    std::string folder_;
    std::unique_ptr<TestDatabase> database_;
    std::unique_ptr<HostProcess> a_, b_;
    std::unique_ptr<store::Database> db_;
};

// The refs a client prefix stands for: "A-..." went to host A, "B-..." to host B.
inline std::string postedTo(const OrderRow& order) { return order.ref[0] == 'A' ? kHostA : kHostB; }

// Orders a host had started (leased to it, not finished) when it was killed or frozen: for each,
// the step runs before `cutMs` were that host's, every later one the other host's. The other
// host started only after the lease ran out (lease_ms + the longest step timeout after the last
// checkpoint, or after the order came in) and finished the chain.
inline void expectTakenOverAfterLease(const OrderRow& order, std::int64_t cutMs) {
    std::int64_t lastCheckpoint = order.createdAt;
    std::size_t i = 0;
    for (; i < order.runs.size() && order.runs[i].startedAt < cutMs; ++i) {
        EXPECT_LE(order.runs[i].finishedAt, cutMs + 50) << "a run straddles the cut: " << describe(order);
        lastCheckpoint = order.runs[i].finishedAt;
    }
    ASSERT_LT(i, order.runs.size()) << "nothing ran after the cut: " << describe(order);
    EXPECT_GE(order.runs[i].startedAt, lastCheckpoint + kLeaseMs + kStepTimeoutMs - 10)
        << "the other host started before the lease ran out: " << describe(order);
}

}  // namespace orderhost::testing::twohost

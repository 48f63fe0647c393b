// Steps batched into one commit (issue 12 item 2; ChainRunnerCommit.cpp): consecutive steps
// whose plugins promise OH_STEP_NO_EXTERNAL_EFFECTS (the scripted plugin's "internal" kind)
// share one transaction, so an order makes fewer commits with the same outcome; a step that
// may act outside commits alone and only after what came before it; a step that does not
// continue gives the batch up and everything is recorded as if each step had committed alone.
#include "tests/host/engine/EngineTestFixture.h"

#include "host/chains/Condition.h"

#include <Poco/Data/Session.h>

#include <chrono>

namespace orderhost::engine {
namespace {

chains::StepDefinition internal(const std::string& name, const std::string& configJson = "{}", int attempts = 1) {
    return step(name, configJson, attempts, "internal");
}

class StepBatchTest : public ChainRunnerTest {
protected:
    // Runs `steps` and answers how many transactions the run committed (the order's insert not
    // counted).
    std::uint64_t commitsOfRun(std::vector<chains::StepDefinition> steps, store::OrderRecord* out = nullptr,
                               const std::string& ref = "R-1") {
        const store::OrderRecord stored = insertChainOrder(std::move(steps), ref);
        const std::uint64_t before = db_->commits();
        const auto order = ChainRunner(*engine_).run(stored);
        if (out != nullptr) *out = order;
        return db_->commits() - before;
    }
};

TEST_P(StepBatchTest, StepsWithoutExternalEffectsCommitTogether) {
    store::OrderRecord order;
    const auto commits = commitsOfRun({internal("a"), internal("b"), internal("c"), internal("d")}, &order);
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "b:continue", "c:continue", "d:continue"}));
    EXPECT_EQ(store_->findById(order.id)->document, R"({"order_ref":"R-1","trace":["a#1","b#1","c#1","d#1"]})");
    EXPECT_EQ(commits, 1u);
}

// The order row (its document, position and lease) is written by a batch's first checkpoint and
// by its last, not by the ones between; each step still has its own step run.
TEST_P(StepBatchTest, ABatchWritesTheOrderRowAtItsStartAndItsEndOnly) {
    store::OrderRecord stored = insertChainOrder(
        {internal("a"), internal("b"), internal("c"), internal("d"), internal("e"), internal("f")}, "R-once");
    // Already running (as after a claim): the checkpoints change no guarded value (state).
    db_->withSession("running", [&](Poco::Data::Session& s) {
        s << "UPDATE orders SET state = 'in_progress' WHERE id = ?", Poco::Data::Keywords::bind(stored.id),
            Poco::Data::Keywords::now;
    });
    stored.state = states::kInProgress;
    const std::uint64_t commitsBefore = db_->commits(), writesBefore = db_->orderRowWrites();
    const auto order = ChainRunner(*engine_).run(stored);
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(db_->commits() - commitsBefore, 1u);
    EXPECT_EQ(db_->orderRowWrites() - writesBefore, 2u) << "a's and f's, not the four between";
    EXPECT_EQ(outcomes(order.id).size(), 6u);
    const auto row = store_->findById(order.id);
    EXPECT_EQ(row->document, R"({"order_ref":"R-once","trace":["a#1","b#1","c#1","d#1","e#1","f#1"]})");
    EXPECT_EQ(row->currentStep, 6);
    EXPECT_EQ(row->leaseOwner, "");
}

TEST_P(StepBatchTest, OneStepPerCommitWhenTheSettingSaysSo) {
    stepsPerCommit_ = 1;
    EXPECT_EQ(commitsOfRun({internal("a"), internal("b"), internal("c"), internal("d")}), 4u);
}

TEST_P(StepBatchTest, ABatchHoldsAtMostStepsPerCommitSteps) {
    stepsPerCommit_ = 3;
    EXPECT_EQ(commitsOfRun({internal("a"), internal("b"), internal("c"), internal("d"), internal("e")}), 2u);
}

TEST_P(StepBatchTest, AStepThatMayActOutsideStartsAfterACommitAndCommitsAlone) {
    store::OrderRecord order;
    // [a b] commit before "outside" runs; "outside" commits alone; [c d] commit together.
    const auto commits =
        commitsOfRun({internal("a"), internal("b"), step("outside", "{}"), internal("c"), internal("d")}, &order);
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(commits, 3u);
}

// commit: at_once (a step that takes a contended row lock, e.g. a gapless number): its checkpoint
// commits with the steps batched before it, and the steps after it start a new transaction.
TEST_P(StepBatchTest, AStepThatCommitsAtOnceEndsItsBatch) {
    store::OrderRecord order;
    auto numbering = internal("numbering");
    numbering.commit = chains::CommitPolicy::AtOnce;
    const auto commits = commitsOfRun({internal("a"), numbering, internal("c"), internal("d")}, &order);
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "numbering:continue", "c:continue", "d:continue"}));
    EXPECT_EQ(commits, 2u);  // [a numbering], [c d]
    auto last = internal("last");
    last.commit = chains::CommitPolicy::AtOnce;
    EXPECT_EQ(commitsOfRun({internal("a"), internal("b"), last}, nullptr, "R-2"), 1u) << "nothing after it";
}

TEST_P(StepBatchTest, AFailureInsideABatchIsRecordedAfterTheStepsBeforeItCommitAlone) {
    store::OrderRecord order;
    auto broken = internal("broken", R"({"outcome":"fail"})");
    broken.onFailure = chains::FailurePolicy::Fail;
    const auto commits = commitsOfRun({internal("a"), internal("b"), broken, internal("never")}, &order);
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "b:continue", "broken:fail"}));
    EXPECT_EQ(store_->findById(order.id)->document, R"({"order_ref":"R-1","trace":["a#1","b#1"]})");
    EXPECT_EQ(commits, 3u);  // a, b, then the failure: the discarded batch committed nothing
}

TEST_P(StepBatchTest, ARetryInsideABatchKeepsOnlyTheSuccessfulAttempt) {
    store::OrderRecord order;
    commitsOfRun({internal("a"), internal("flaky", R"({"outcome":"retry","succeed_on_attempt":2})", 2), internal("c"),
                  internal("d")},
                 &order);
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(outcomes(order.id),
              (Outcomes{"a:continue", "flaky:retry", "flaky:continue", "c:continue", "d:continue"}));
    EXPECT_EQ(store_->findById(order.id)->document, R"({"order_ref":"R-1","trace":["a#1","flaky#2","c#1","d#1"]})");
}

TEST_P(StepBatchTest, ARejectInsideABatchCommitsWithItAndEndsTheOrder) {
    store::OrderRecord order;
    const auto commits = commitsOfRun(
        {internal("a"), internal("b"), internal("judge", R"({"outcome":"reject"})"), internal("never")}, &order);
    EXPECT_EQ(order.state, states::kRejected);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "b:continue", "judge:reject"}));
    EXPECT_EQ(commits, 1u);
}

// The timed-out call still holds the batch's transaction (with a's uncommitted checkpoint, the
// order row's lock on PostgreSQL, the write lock on SQLite): it is rolled back at the deadline,
// so a's second run commits at once instead of waiting the 2.5 s the plugin sleeps.
TEST_P(StepBatchTest, ATimeoutInsideABatchIsRecordedAgainstCommittedPredecessors) {
    auto slow = internal("slow", R"({"sleep_ms":2500})");
    slow.timeoutMs = 50;
    slow.onFailure = chains::FailurePolicy::Fail;
    store::OrderRecord order;
    const auto began = std::chrono::steady_clock::now();
    commitsOfRun({internal("a"), slow, internal("never")}, &order);
    EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(2000))
        << "the abandoned call's transaction was not rolled back at its deadline";
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "slow:timeout"}));
    EXPECT_EQ(store_->findById(order.id)->document, R"({"order_ref":"R-1","trace":["a#1"]})");
}

TEST_P(StepBatchTest, ASkippedStepJoinsTheBatch) {
    auto skipped = step("outside-skipped", "{}");
    auto absent = std::make_shared<chains::Condition>();  // "/nothing exists: true": false here
    absent->kind = chains::ConditionKind::Exists;
    absent->path = "/nothing";
    absent->pathParts = {"nothing"};
    skipped.when = absent;
    store::OrderRecord order;
    const auto commits = commitsOfRun({internal("a"), skipped, internal("b")}, &order);
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "outside-skipped:skipped", "b:continue"}));
    EXPECT_EQ(commits, 1u);
}

// Taken over after a call died with its host: one commit per step, so that the next crash is
// counted against the step that crashed, not the first step of its batch.
TEST_P(StepBatchTest, AnOrderTakenOverAfterACrashRunsOneCommitPerStep) {
    store::OrderRecord order = insertChainOrder({internal("a"), internal("b"), internal("c")});
    db_->withSession("a call died", [&](Poco::Data::Session& s) {
        s << "UPDATE orders SET calls_pending = 2 WHERE id = ?", Poco::Data::Keywords::bind(order.id),
            Poco::Data::Keywords::now;
    });
    order.callsPending = 2;
    const std::uint64_t before = db_->commits();
    EXPECT_EQ(ChainRunner(*engine_).run(order).state, states::kCompleted);
    EXPECT_EQ(db_->commits() - before, 3u);
}

// SQLite rolled the whole transaction back while failing one statement (here a trigger's
// RAISE(ROLLBACK)), taking a's checkpoint in the batch with it; the plugin ignored the error.
// Its later statement must not commit on its own, nor may its CONTINUE: the attempt is a
// RETRY (step_transaction_lost), the batch runs again step by step, and when every attempt
// ends so, the step fails with nothing of it kept.
TEST_P(StepBatchTest, AStatementThatEndedTheTransactionMakesTheAttemptARetryAndKeepsNothing) {
    if (database_->isPostgreSQL()) GTEST_SKIP() << "PostgreSQL never ends a transaction inside a statement";
    db_->withSession("probe table", [](Poco::Data::Session& s) {
        s << "CREATE TABLE doom_probe (k VARCHAR(16))", Poco::Data::Keywords::now;
        s << "CREATE TRIGGER doom BEFORE INSERT ON doom_probe WHEN NEW.k = 'boom' BEGIN SELECT RAISE(ROLLBACK, "
             "'boom'); "
             "END",
            Poco::Data::Keywords::now;
    });
    auto doomed = internal("doomed", R"json({"sql": ["INSERT INTO doom_probe (k) VALUES ('boom')",
                                                      "INSERT INTO doom_probe (k) VALUES ('after')"]})json",
                           2);
    doomed.onFailure = chains::FailurePolicy::Fail;
    store::OrderRecord order;
    commitsOfRun({internal("a"), doomed, internal("never")}, &order);
    EXPECT_EQ(order.state, states::kFailed);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"a:continue", "doomed:retry", "doomed:retry"}));  // the last gave up
    EXPECT_EQ(store_->findById(order.id)->document, R"({"order_ref":"R-1","trace":["a#1"]})");
    int after = -1;
    std::string code;
    db_->withSession("read", [&](Poco::Data::Session& s) {
        s << "SELECT COUNT(*) FROM doom_probe", Poco::Data::Keywords::into(after), Poco::Data::Keywords::now;
        s << "SELECT code FROM step_runs WHERE order_id = ? AND step_name = 'doomed' AND attempt = 1",
            Poco::Data::Keywords::bind(order.id), Poco::Data::Keywords::into(code), Poco::Data::Keywords::now;
    });
    EXPECT_EQ(after, 0) << "a statement after the rollback committed on its own";
    EXPECT_EQ(code, "step_transaction_lost");
}

// A step that promises no external effect runs its statements without the host's savepoint
// (PostgreSQL). When one fails — here a duplicate key the plugin ignores — the attempt is run
// again, not counted, with savepoints: the result is what savepoints give, the failed statement
// undone alone and the plugin's others kept once, in the batch and out of it.
TEST_P(StepBatchTest, AStatementFailingWithoutASavepointRunsTheStepAgainWithSavepoints) {
    db_->withSession("probe table", [](Poco::Data::Session& s) {
        s << "CREATE TABLE elide_probe (k VARCHAR(16) PRIMARY KEY)", Poco::Data::Keywords::now;
    });
    const std::string sql = R"json({"sql": ["INSERT INTO elide_probe (k) VALUES ('a')",
                                            "INSERT INTO elide_probe (k) VALUES ('a')",
                                            "INSERT INTO elide_probe (k) VALUES ('after')"]})json";
    store::OrderRecord order;
    const auto commits = commitsOfRun({internal("first"), internal("dup", sql), internal("last")}, &order, "R-dup");
    EXPECT_EQ(order.state, states::kCompleted);
    EXPECT_EQ(outcomes(order.id), (Outcomes{"first:continue", "dup:continue", "last:continue"}));
    EXPECT_EQ(store_->findById(order.id)->document, R"({"order_ref":"R-dup","trace":["first#1","dup#1","last#1"]})");
    std::vector<std::string> keys;
    db_->withSession("read", [&](Poco::Data::Session& s) {
        s << "SELECT k FROM elide_probe ORDER BY k", Poco::Data::Keywords::into(keys), Poco::Data::Keywords::now;
    });
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "after"}));
    // PostgreSQL: [first] is given up with the failed run and commits alone, then dup (with
    // savepoints) and last together. SQLite undoes the statement itself: one batch.
    EXPECT_EQ(commits, database_->isPostgreSQL() ? 2u : 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StepBatchTest, ::testing::ValuesIn(testing::testBackends()), testing::backendName);

}  // namespace
}  // namespace orderhost::engine

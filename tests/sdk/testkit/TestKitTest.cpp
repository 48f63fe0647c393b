// The test kit itself, driven through its C++ wrapper with a C plugin (probe_plugin.c) that
// calls every service: both host levels, the transaction rule, deadlines, events, the
// database contract, migrations and the table-name convention.
#include <orderhost/testkit.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using orderhost::testkit::FakeHost;
using orderhost::testkit::HostLevel;

const std::string kProbe = ORDERHOST_TEST_PROBE_SO;

FakeHost probe(const std::string& config, const std::string& order = "{}", HostLevel level = HostLevel::v1_1) {
    FakeHost host(kProbe, level);
    host.config(config).order(order);
    EXPECT_EQ(host.create("probe"), OH_STATUS_OK) << host.reportedError();
    return host;
}

TEST(TestKit, OffersTheFullTableAtLevel11) {
    FakeHost host(kProbe);
    host.config(R"({"action":"services"})").timeout(5000).create("probe");
    ASSERT_EQ(host.run(3), OH_STATUS_OK);
    EXPECT_EQ(host.orderInt("/probe/has_get_bool"), 1);
    EXPECT_EQ(host.orderInt("/probe/has_log_plugin"), 1);
    EXPECT_EQ(host.orderInt("/probe/has_events"), 1);
    EXPECT_EQ(host.orderInt("/probe/has_db"), 1);
    EXPECT_EQ(host.orderInt("/probe/deadline"), host.now() + 5000);
    EXPECT_EQ(host.orderInt("/probe/attempt"), 3);
    EXPECT_EQ(host.orderString("/probe/key"), "order-1/probe");
    EXPECT_EQ(host.logged("services"), 1u);
}

TEST(TestKit, PretendsToBeA10Host) {
    FakeHost host(kProbe, HostLevel::v1_0);
    host.config(R"({"action":"services"})").timeout(5000).create("probe");
    ASSERT_EQ(host.run(), OH_STATUS_OK);
    EXPECT_EQ(host.orderInt("/probe/has_get_bool"), 0);
    EXPECT_EQ(host.orderInt("/probe/has_log_plugin"), 0);
    EXPECT_EQ(host.orderInt("/probe/has_deadline"), 0);
    EXPECT_EQ(host.orderInt("/probe/has_events"), 0);
    EXPECT_EQ(host.orderInt("/probe/has_db"), 1);
    EXPECT_FALSE(host.orderJson("/probe/deadline"));
}

TEST(TestKit, ReadsBooleansAndKeysInDocumentOrder) {
    FakeHost host = probe(R"({"action":"bool"})", R"({"flag":true})");
    host.run();
    EXPECT_EQ(host.orderInt("/probe/flag"), 1);
    host.order(R"({"flag":1})").run();
    EXPECT_EQ(host.orderInt("/probe/status"), OH_STATUS_TYPE_MISMATCH);

    FakeHost keys = probe(R"({"action":"keys"})", R"({"obj":{"z":1,"a~/b":2,"m":3}})");
    keys.run();
    EXPECT_EQ(keys.orderJson("/probe/keys"), R"(["z","a~/b","m"])");
}

TEST(TestKit, RemovesValues) {
    FakeHost host = probe(R"({"action":"remove"})", R"({"obj":{"a":1,"b":2}})");
    host.run();
    EXPECT_EQ(host.orderJson("/obj"), R"({"a":1})");
    EXPECT_EQ(host.orderInt("/probe/removed"), OH_STATUS_OK);
    EXPECT_EQ(host.orderInt("/probe/missing"), OH_STATUS_NOT_FOUND);
}

TEST(TestKit, AbandonsACallPastItsDeadlineAndDropsItsChanges) {
    FakeHost host = probe(R"({"action":"wait"})", R"({"before":1})");
    host.timeout(1000).clockStep(100);
    EXPECT_EQ(host.run(), OH_STATUS_ABANDONED);
    EXPECT_TRUE(host.result().abandoned);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(host.result().code, "timeout");
    EXPECT_FALSE(host.result().kept);
    EXPECT_EQ(host.orderJson(), R"({"before":1})");
}

TEST(TestKit, KeepsStatementsOfAKeptResultOnly) {
    const std::string insert =
        R"x("sql":"INSERT INTO test_probe_items (sku, quantity, flag, note) VALUES (?, ?, ?, ?)")x";
    FakeHost host = probe("{\"action\":\"sql\"," + insert + "}");
    ASSERT_EQ(host.run(), OH_STATUS_OK) << host.reportedError();
    EXPECT_EQ(host.orderInt("/probe/changed"), 1);
    EXPECT_EQ(host.query("SELECT sku, quantity, flag, note FROM test_probe_items"),
              R"([{"sku":"A-1","quantity":2,"flag":1,"note":null}])");

    host.sql("DELETE FROM test_probe_items").order("{}");
    host.config("{\"action\":\"sql\",\"outcome\":\"fail\"," + insert + "}");
    host.create("probe");
    host.run();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_FAIL);
    EXPECT_FALSE(host.result().kept);
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM test_probe_items"), 0);
    EXPECT_FALSE(host.orderJson("/probe"));  // the document change went with it

    host.config("{\"action\":\"sql\",\"outcome\":\"reject\"," + insert + "}").create("probe");
    host.run();
    EXPECT_TRUE(host.result().kept);  // a REJECT's writes are kept, as in the host
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM test_probe_items"), 1);
}

TEST(TestKit, RefusesTransactionControlAndSeveralStatements) {
    for (const std::string sql : {"COMMIT", "  begin", "SAVEPOINT x", "SELECT 1; SELECT 2"}) {
        FakeHost host = probe(R"({"action":"sql","sql":")" + sql + "\"}");
        EXPECT_EQ(host.run(), OH_STATUS_INVALID_ARGUMENT) << sql;
        EXPECT_EQ(host.result().kind, OH_OUTCOME_FAIL);
        EXPECT_NE(host.result().message.find("orderhost.db/1"), std::string::npos) << host.result().message;
    }
}

TEST(TestKit, ReturnsNumbersAsNumbersAndSupportsReturning) {
    // The probe binds ["A-1", 2, true, null].
    FakeHost host =
        probe(R"({"action":"sql","sql":"SELECT COUNT(*) AS n, ? AS s, ? AS q, ? AS f, ? AS z FROM test_probe_items"})");
    host.run();
    EXPECT_EQ(host.orderJson("/probe/rows"), R"([{"n":0,"s":"A-1","q":2,"f":1,"z":null}])");
    EXPECT_EQ(host.orderInt("/probe/changed"), -1);

    FakeHost returning =
        probe(R"({"action":"sql","sql":"INSERT INTO test_probe_items VALUES (?, ?, ?, ?) RETURNING quantity"})");
    returning.run();
    EXPECT_EQ(returning.orderJson("/probe/rows"), R"([{"quantity":2}])");
}

TEST(TestKit, CapturesEventsOfKeptCallsAndRefusesHostPrefixes) {
    FakeHost host = probe(R"({"action":"emit","event_type":"invoice.issued"})");
    host.run();
    ASSERT_EQ(host.events().size(), 1u);
    EXPECT_EQ(host.events()[0].type, "invoice.issued");
    EXPECT_EQ(host.events()[0].payload, R"({"invoice":"INV-1"})");

    host.config(R"({"action":"emit","event_type":"invoice.issued","outcome":"fail"})").create("probe");
    host.run();
    EXPECT_EQ(host.events().size(), 1u);  // dropped with the failed attempt

    host.config(R"({"action":"emit","event_type":"order.created"})").create("probe");
    host.run();
    EXPECT_EQ(host.orderInt("/probe/status"), OH_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(host.reportedError().find("belongs to the host"), std::string::npos) << host.reportedError();
}

TEST(TestKit, MapsStatusesAndOutcomesLikeTheHost) {
    FakeHost retry = probe(R"({"action":"retryable"})");
    EXPECT_EQ(retry.run(), OH_STATUS_RETRYABLE);
    EXPECT_EQ(retry.result().kind, OH_OUTCOME_RETRY);
    EXPECT_EQ(retry.result().code, "plugin_retryable") << "the code the host records (StepInstance::outcomeOf)";
    EXPECT_FALSE(retry.orderJson("/probe/touched"));

    FakeHost old = probe(R"({"action":"retryable"})", "{}", HostLevel::v1_0);
    old.run();
    EXPECT_EQ(old.result().kind, OH_OUTCOME_FAIL);  // a 1.0 host does not know RETRYABLE

    FakeHost small = probe(R"({"action":"small_outcome"})");
    small.run();
    EXPECT_EQ(small.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(small.result().code, "unreadable_outcome");

    FakeHost silent = probe(R"({"action":"nothing"})");
    silent.run();
    EXPECT_EQ(silent.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_FALSE(silent.result().reported);
}

// The kit treats a plugin's mistakes at the boundary as the host does (found by an integrator's
// probe: a plugin passed its kit tests and then failed in the host, or the other way round).
TEST(TestKit, RefusesAndCleansAtTheBoundaryLikeTheHost) {
    FakeHost host = probe(R"({"action":"boundary"})", R"({"order_ref":"B-1","lines":[1]})");
    ASSERT_EQ(host.run(), OH_STATUS_OK);
    const std::string invalid = std::to_string(OH_STATUS_INVALID_ARGUMENT);
    const std::string ok = std::to_string(OH_STATUS_OK);
    std::string expected = "[";
    for (int i = 0; i < 10; ++i) expected += invalid + ",";
    expected += ok + "," + ok + "," + ok + "," + invalid + "]";
    EXPECT_EQ(host.orderJson("/probe/statuses").value_or("missing"), expected)
        << "get/set/remove/db/emit with {NULL,5}; a NUL and a non-UTF-8 byte in a path; depth 100 and 300,000; "
           "remove /lines/-; four 1 MiB values, the fourth past 4 MiB";
    EXPECT_EQ(host.orderJson("/order_ref").value_or(""), "\"B-1\"") << "the document was not replaced";
    EXPECT_FALSE(host.orderJson("/clobbered"));
}

TEST(TestKit, ReadsOutcomesAsTheHostDoes) {
    FakeHost nothing = probe(R"({"action":"outcome","outcome_case":"null"})");
    nothing.run();
    EXPECT_EQ(nothing.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(nothing.result().code, "unreadable_outcome");

    FakeHost nullCode = probe(R"({"action":"outcome","outcome_case":"null_code"})");
    nullCode.run();
    EXPECT_EQ(nullCode.result().code, "unreadable_outcome");
    EXPECT_NE(nullCode.result().message.find("code has a NULL pointer with length 3"), std::string::npos)
        << nullCode.result().message;

    FakeHost badSignal = probe(R"({"action":"outcome","outcome_case":"bad_signal"})");
    badSignal.run();
    EXPECT_EQ(badSignal.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(badSignal.result().code, "invalid_signal");

    FakeHost hostile = probe(R"({"action":"outcome","outcome_case":"hostile"})");
    hostile.run();
    EXPECT_EQ(hostile.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(hostile.result().code, "bad_code____") << "printable ASCII, as the host keeps it";
    EXPECT_EQ(hostile.result().message, "caf\xC3\xA9 \xEF\xBF\xBD nul:\xEF\xBF\xBD esc:\xEF\xBF\xBD[31m")
        << "valid UTF-8 without controls, NUL included";
}

TEST(TestKit, CompensatesAndRefusesSuspendFromCompensate) {
    FakeHost host = probe(R"({"action":"nothing"})");
    host.sql("INSERT INTO test_probe_items (sku, quantity) VALUES ('X', 1)");
    ASSERT_EQ(host.compensate(2), OH_STATUS_OK);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_CONTINUE);
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM test_probe_items"), 0);

    host.sql("INSERT INTO test_probe_items (sku, quantity) VALUES ('X', 1)");
    host.config(R"({"compensate_outcome":"suspend"})").create("probe");
    host.compensate();
    EXPECT_EQ(host.result().kind, OH_OUTCOME_FAIL);
    EXPECT_EQ(host.result().code, "invalid_compensation");
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM test_probe_items"), 1);  // rolled back
}

TEST(TestKit, LogsWithoutAContextThroughLogPlugin) {
    FakeHost host = probe(R"({"action":"log_plugin"})");
    host.run();
    EXPECT_EQ(host.logged("from a background thread"), 1u);
}

TEST(TestKit, TakesLogLinesFromThePluginsOwnThreads) {
    FakeHost host = probe(R"({"action":"log_thread"})");
    host.run();
    EXPECT_EQ(host.logged("from the plugin's thread"), 100u);
    EXPECT_EQ(host.logged("from the calling thread"), 100u);
}

TEST(TestKit, ReportsCreateRefusalsAndUnknownStepKinds) {
    FakeHost host(kProbe);
    host.config(R"({"action":"refuse"})");
    EXPECT_EQ(host.create("probe"), OH_STATUS_INVALID_CONFIG);
    EXPECT_NE(host.reportedError().find("'action'"), std::string::npos);
    EXPECT_EQ(host.create("nope"), OH_STATUS_NOT_FOUND);
    EXPECT_NE(host.setupError().find("no step kind 'nope'"), std::string::npos) << host.setupError();
    EXPECT_EQ(host.run(), OH_STATUS_INVALID_ARGUMENT);
}

TEST(TestKit, AppliesMigrationsAndWarnsAboutUnprefixedTables) {
    FakeHost host(kProbe);
    EXPECT_EQ(host.tablePrefix(), "test_probe_");
    EXPECT_EQ(host.queryInt("SELECT version FROM plugin_migrations WHERE plugin_id = 'org.test.probe'"), 1);
    EXPECT_EQ(host.logged("table unprefixed does not start with test_probe_"), 1u);
    EXPECT_EQ(host.logged("test_probe_items"), 0u);
}

TEST(TestKit, RefusesAMissingPluginNamingTheFile) {
    try {
        FakeHost host("/nonexistent/plugin.so");
        FAIL() << "expected a refusal";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/plugin.so"), std::string::npos) << e.what();
    }
}

TEST(TestKit, RefusesAnOrderThatIsNotAnObject) {
    FakeHost host(kProbe);
    EXPECT_THROW(host.order("[1]"), std::runtime_error);
    EXPECT_THROW(host.order("{bad"), std::runtime_error);
}

// ABI 1.2: quote mode. The call says so, the statements are rolled back, the events dropped,
// and the document keeps the answer.
TEST(TestKit, QuoteModeKeepsTheAnswerAndRollsBackEverythingElse) {
    FakeHost host(kProbe, HostLevel::v1_2);
    host.config(R"({"action":"services"})").create("probe");
    ASSERT_EQ(host.run(), OH_STATUS_OK);
    EXPECT_EQ(host.orderInt("/probe/mode"), OH_CALL_RUN);
    ASSERT_EQ(host.quote(), OH_STATUS_OK) << host.setupError();
    EXPECT_EQ(host.orderInt("/probe/mode"), OH_CALL_QUOTE);
    EXPECT_FALSE(host.result().kept);

    const std::string insert =
        R"x("sql":"INSERT INTO test_probe_items (sku, quantity, flag, note) VALUES (?, ?, ?, ?)")x";
    host.order("{}").config("{\"action\":\"sql\"," + insert + "}").create("probe");
    ASSERT_EQ(host.quote(), OH_STATUS_OK) << host.setupError();
    EXPECT_EQ(host.orderInt("/probe/changed"), 1);                         // the statement ran, and the answer stays
    EXPECT_EQ(host.queryInt("SELECT COUNT(*) FROM test_probe_items"), 0);  // but nothing was kept

    host.order("{}").config(R"({"action":"emit","event_type":"invoice.issued"})").create("probe");
    ASSERT_EQ(host.quote(), OH_STATUS_OK);
    EXPECT_TRUE(host.events().empty());

    host.order("{}").config("{\"action\":\"sql\",\"outcome\":\"fail\"," + insert + "}").create("probe");
    ASSERT_EQ(host.quote(), OH_STATUS_OK);
    EXPECT_EQ(host.result().kind, OH_OUTCOME_FAIL);
    EXPECT_FALSE(host.orderJson("/probe"));  // a failed quote step leaves no answer
}

TEST(TestKit, QuotesNeedA12HostAndAStepThatAnswersThem) {
    FakeHost old(kProbe, HostLevel::v1_1);
    old.config(R"({"action":"services"})").create("probe");
    EXPECT_EQ(old.quote(), OH_STATUS_UNAVAILABLE);
    EXPECT_NE(old.setupError().find("OH_TESTKIT_HOST_1_2"), std::string::npos) << old.setupError();
    ASSERT_EQ(old.run(), OH_STATUS_OK);
    EXPECT_EQ(old.orderInt("/probe/mode"), -1);  // a 1.1 host's oh_step_call ends before mode

    FakeHost host(kProbe, HostLevel::v1_2);
    host.config(R"({"action":"services"})").create("plain");
    EXPECT_EQ(host.quote(), OH_STATUS_UNAVAILABLE);
    EXPECT_NE(host.setupError().find("OH_STEP_ANSWERS_QUOTES"), std::string::npos) << host.setupError();
    EXPECT_FALSE(host.orderJson("/probe"));
}

}  // namespace

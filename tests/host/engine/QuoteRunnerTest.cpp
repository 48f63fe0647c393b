// QuoteRunner (POST /v1/quotes' engine part) with the scripted test plugin through the real
// loader, on every backend: only steps that answer quotes are asked, in quote mode; a suspend
// is "would wait", a failure the chain lets pass does not end the quote, a reject does; a retry
// makes the quote unavailable; nothing but a "quoted" quote is stored, and no order.
#include "host/engine/QuoteRunner.h"
#include "host/store/QuoteStore.h"
#include "tests/host/engine/EngineTestFixture.h"

#include <Poco/Data/Session.h>

namespace orderhost::engine {
namespace {

using namespace Poco::Data::Keywords;

constexpr char kDraft[] =
    R"({"order_ref":"Q-1","currency":"EUR","customer":{"id":"C-1"},"lines":[{"sku":"S","quantity":1}]})";

class QuoteRunnerTest : public ChainRunnerTest {
protected:
    QuoteResult quote(std::vector<chains::StepDefinition> steps, const std::string& body = kDraft,
                      const std::string& trigger = "place_order") {
        chains::ChainDefinition definition;
        definition.name = "test-chain";
        definition.version = 1;
        definition.trigger = trigger;
        definition.steps = std::move(steps);
        useChains(buildChains({definition}, *registry_, [] { return std::int64_t{42}; }));
        EXPECT_TRUE(chains_.errors.empty());
        return QuoteRunner(*engine_, "test-chain", 60000).quote(body, "key-1");
    }
    std::int64_t count(const std::string& table) {
        Poco::Data::Session session = db_->session();
        Poco::Int64 n = 0;
        session << "SELECT COUNT(*) FROM " + table, into(n), now;
        return n;
    }
    static std::string at(const QuoteResult& result, const std::string& pointer) {
        auto parsed = document::JsonDocument::parse(result.documentJson);
        std::string json;
        if (parsed.ok()) parsed.document->getJson(pointer, json);
        return json;
    }
};

chains::StepDefinition quoting(const std::string& name, const std::string& config = "{}") {
    return step(name, config, 1, "quoting");
}

TEST_P(QuoteRunnerTest, AsksOnlyTheAnsweringStepsAndStoresTheQuoteButNoOrder) {
    chains::StepDefinition passes = quoting("may-fail", R"({"outcome":"fail"})");
    passes.onFailure = chains::FailurePolicy::Continue;
    const QuoteResult result = quote({quoting("price"), step("reserve", "{}"),
                                      quoting("credit", R"({"outcome":"suspend"})"), passes, quoting("tax")});
    ASSERT_EQ(result.kind, QuoteResult::Kind::Quoted) << result.message;
    EXPECT_EQ(result.verdict, "quoted");
    ASSERT_EQ(result.steps.size(), 5u);
    EXPECT_TRUE(result.steps[0].answered);
    EXPECT_FALSE(result.steps[1].answered);
    EXPECT_EQ(result.steps[1].skipped, "does not answer quotes");
    EXPECT_EQ(result.steps[2].outcome.kind, OH_OUTCOME_SUSPEND);
    EXPECT_EQ(result.steps[2].outcome.signal, "scripted_signal");
    EXPECT_EQ(result.steps[3].outcome.kind, OH_OUTCOME_FAIL);
    // In quote mode, in chain order; the failed step's changes are not kept, as in a run.
    EXPECT_EQ(at(result, "/quoted"), R"(["price","credit","tax"])");
    EXPECT_EQ(at(result, "/trace/0"), R"("price#1")");
    EXPECT_EQ(count("orders"), 0);
    EXPECT_EQ(count("step_runs"), 0);
    EXPECT_EQ(count("outbox"), 0);
    ASSERT_EQ(result.quoteId.size(), 36u);
    const auto stored = store::QuoteStore(*db_).find(result.quoteId);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->client, "key-1");
    EXPECT_EQ(stored->validUntilMs, 42 + 60000);  // the engine's clock
    EXPECT_EQ(stored->document, result.documentJson);
    EXPECT_NE(stored->draft.find("\"order_ref\":\"Q-1\""), std::string::npos) << stored->draft;
    EXPECT_EQ(stored->draft.find("quoted"), std::string::npos) << "the draft as sent, not the answer";
}

TEST_P(QuoteRunnerTest, ARejectEndsTheQuoteWithItsReasonAndStoresNothing) {
    const QuoteResult result = quote({quoting("price"), quoting("check", R"({"outcome":"reject"})"), quoting("tax")});
    ASSERT_EQ(result.kind, QuoteResult::Kind::Quoted) << result.message;
    EXPECT_EQ(result.verdict, "rejected");
    EXPECT_EQ(result.atStep, "check");
    EXPECT_EQ(result.code, "scripted_reject");
    EXPECT_EQ(result.steps.size(), 2u);  // tax was not asked
    EXPECT_TRUE(result.quoteId.empty());
    EXPECT_EQ(count("quotes"), 0);
}

TEST_P(QuoteRunnerTest, ARetryMakesTheQuoteUnavailable) {
    const QuoteResult result = quote({quoting("busy", R"({"outcome":"retry"})")});
    EXPECT_EQ(result.kind, QuoteResult::Kind::Unavailable);
    EXPECT_NE(result.message.find("busy"), std::string::npos) << result.message;
    EXPECT_EQ(count("quotes"), 0);
}

TEST_P(QuoteRunnerTest, RefusesCancelChainsUnknownChainsAndDraftsNamingAQuote) {
    EXPECT_EQ(quote({quoting("a")}, kDraft, "cancel_order").kind, QuoteResult::Kind::NoChain);
    std::string other = kDraft;
    other.insert(1, R"("chain":"nowhere",)");
    EXPECT_EQ(quote({quoting("a")}, other).kind, QuoteResult::Kind::NoChain);
    std::string named = kDraft;
    named.insert(1, R"("quote_id":"0b0b0b0b-1111-2222-3333-444444444444",)");
    const QuoteResult invalid = quote({quoting("a")}, named);
    ASSERT_EQ(invalid.kind, QuoteResult::Kind::Invalid);
    EXPECT_EQ(invalid.errors.at(0).path, "/quote_id");
    EXPECT_EQ(quote({quoting("a")}, "{").kind, QuoteResult::Kind::MalformedJson);
}

INSTANTIATE_TEST_SUITE_P(Backends, QuoteRunnerTest, ::testing::ValuesIn(testing::testBackends()), testing::backendName);

}  // namespace
}  // namespace orderhost::engine

#include "host/engine/QuoteRunner.h"

#include "host/engine/ChainRunner.h"
#include "host/engine/ConditionEvaluator.h"
#include "host/store/QuoteStore.h"
#include "host/store/StepTransaction.h"

#include <Poco/UUIDGenerator.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>

namespace orderhost::engine {
namespace {

QuoteResult refused(QuoteResult::Kind kind, std::string message) {
    QuoteResult result;
    result.kind = kind;
    result.message = std::move(message);
    return result;
}

// Everything one plugin call touches, owned by the call: a call that outlives its timeout
// harms nothing the quote uses afterwards (as ChainRunner::callPlugin).
struct QuoteCall {
    document::JsonDocument doc;
    std::shared_ptr<store::StepTransaction> transaction;
    services::ReportedOutcome outcome;
    std::atomic<bool> abandoned{false};
};

}  // namespace

QuoteResult QuoteRunner::quote(const std::string& body, const std::string& client) {
    // A quote holds a pooled session (and on SQLite the write lock) from its first statement
    // to its last answering step: a burst of them must not starve the orders' steps.
    if (running_.fetch_add(1) >= maxConcurrent_) {
        running_.fetch_sub(1);
        return refused(QuoteResult::Kind::Unavailable,
                       "too many quotes at once (at most " + std::to_string(maxConcurrent_) + "): ask again shortly");
    }
    struct Leave {
        std::atomic<int>& count;
        ~Leave() { count.fetch_sub(1); }
    } leave{running_};
    auto parsed = document::JsonDocument::parse(body);
    if (!parsed.ok()) return refused(QuoteResult::Kind::MalformedJson, parsed.error->toString());
    QuoteResult result;
    result.errors = document::validateOrder(*parsed.document);
    std::string namedQuote;  // the schema checked its type
    if (parsed.document->getString("/quote_id", namedQuote) == document::Status::Ok)
        result.errors.push_back({"/quote_id", "a draft to quote cannot name a quote; leave quote_id out"});
    if (!result.errors.empty()) return result;

    std::string chainName = defaultChain_;
    parsed.document->getString("/chain", chainName);
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->latest(chainName);
    if (chain == nullptr)
        return refused(QuoteResult::Kind::NoChain, "chain '" + chainName + "' is not loaded on this host");
    const std::string& trigger = chain->definition.trigger;
    if (trigger == "cancel_order" || trigger == "return_order") {
        return refused(QuoteResult::Kind::NoChain, "chain '" + chainName + "' has trigger " + trigger +
                                                       ": only a chain that places orders can be quoted");
    }
    result.chain = chain->definition.name;
    result.chainVersion = chain->definition.version;
    result.verdict = "quoted";

    // Plugins see a quote's own id where an order's would be, so nothing they might key on
    // it can collide with a real order.
    const std::string storedId = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    const std::string quoteId = "quote-" + storedId;
    // One transaction for the whole quote, always rolled back. On SQLite it takes the write
    // lock like a step's (an integrator's answering step may write — the reference plugins only
    // read — and a read snapshot upgraded to a write fails at once under concurrent writers),
    // so quotes queue with the steps for it; on PostgreSQL they lock only the rows they write.
    auto transaction = std::make_shared<store::StepTransaction>(engine_.store().database());
    const std::string draftJson = parsed.document->toJson();  // what an order from the quote must repeat
    document::JsonDocument doc = std::move(*parsed.document);
    for (const auto& step : chain->steps) {
        const chains::StepDefinition& definition = step->definition();
        QuotedStep quoted{definition.name, step->pluginId(), false, {}, {}};
        if (!step->answersQuotes())
            quoted.skipped = "does not answer quotes";
        else if (definition.when && !conditionHolds(*definition.when, doc))
            quoted.skipped = skipReason(*definition.when);
        if (!quoted.skipped.empty()) {
            result.steps.push_back(std::move(quoted));
            continue;
        }
        auto call = std::make_shared<QuoteCall>();
        call->doc = doc.clone();
        call->transaction = transaction;
        StepCallInfo info{quoteId, 1, ChainRunner::idempotencyKey(quoteId, definition.name), transaction.get(),
                          nullptr};
        info.quoting = true;
        const auto timeout = std::chrono::milliseconds(definition.timeoutMs);
        info.deadlineMs = timeout.count() > 0 ? engine_.now() + timeout.count() : 0;
        info.abandoned = &call->abandoned;
        std::shared_ptr<StepInstance> instance = step;  // a call that outlives its timeout keeps it
        const auto ran = engine_.workers().runWithin(timeout, [call, instance, info] {
            try {
                call->outcome = instance->run(call->doc, info);
            } catch (const std::exception& e) {
                call->outcome = services::ReportedOutcome{OH_OUTCOME_FAIL, "host_error", e.what(), 0, {}, 0};
            }
        });
        if (ran != StepWorkers::Result::Done) {
            call->abandoned.store(true, std::memory_order_release);  // the plugin's later service calls are refused
            const std::string why = ran == StepWorkers::Result::Busy ? "every step worker is busy"
                                    : ran == StepWorkers::Result::Stopped || ran == StepWorkers::Result::NotStarted
                                        ? "the host is stopping"
                                        : "no answer within timeout_ms = " + std::to_string(definition.timeoutMs);
            return refused(QuoteResult::Kind::Unavailable, "step " + definition.name + " could not answer: " + why);
        }
        if (transaction->doomed()) {  // a statement failed and took more than itself with it
            return refused(QuoteResult::Kind::Unavailable,
                           "step " + definition.name + ": the quote's transaction failed; ask again");
        }
        quoted.answered = true;
        quoted.outcome = std::move(call->outcome);
        quoted.outcome.events.clear();  // a quote publishes nothing
        if (quoted.outcome.kind == OH_OUTCOME_SUSPEND && !quoted.outcome.signal.empty() &&
            !isValidSignalName(quoted.outcome.signal)) {  // as a run: nobody could deliver it
            quoted.outcome = {OH_OUTCOME_FAIL,
                              "invalid_signal",
                              "suspended on an invalid signal name '" + quoted.outcome.signal + "'",
                              0,
                              {},
                              0};
        }
        if (quoted.outcome.kind == OH_OUTCOME_SUSPEND && quoted.outcome.signal.empty())
            quoted.outcome.signal = kDefaultSignal;
        const oh_outcome_kind kind = quoted.outcome.kind;
        if (kind == OH_OUTCOME_RETRY) {
            return refused(QuoteResult::Kind::Unavailable, "step " + definition.name + " cannot answer now: " +
                                                               quoted.outcome.code + ": " + quoted.outcome.message);
        }
        if (kind != OH_OUTCOME_FAIL) doc = std::move(call->doc);  // a failed step's changes are not kept, as in a run
        result.steps.push_back(quoted);
        // A failure the chain lets pass (on_failure: continue) does not stop the order either.
        if (kind == OH_OUTCOME_FAIL && definition.onFailure == chains::FailurePolicy::Continue) continue;
        if (kind == OH_OUTCOME_REJECT || kind == OH_OUTCOME_FAIL) {
            result.verdict = kind == OH_OUTCOME_REJECT ? "rejected" : "failed";
            result.atStep = definition.name;
            result.code = quoted.outcome.code;
            result.text = quoted.outcome.message;
            break;
        }
    }
    transaction->rollback();  // always: a quote changes nothing
    result.kind = QuoteResult::Kind::Quoted;
    result.documentJson = doc.toJson();
    if (result.verdict == "quoted") {  // only an order the chain would take can be placed from it
        const int64_t at = engine_.now();
        store::QuoteStore(engine_.store().database())
            .save({storedId,
                   client,
                   result.chain,
                   result.chainVersion,
                   draftJson,
                   result.documentJson,
                   at,
                   at + validForMs_,
                   {},
                   0});
        result.quoteId = storedId;
        result.validUntilMs = at + validForMs_;
    }
    return result;
}

}  // namespace orderhost::engine

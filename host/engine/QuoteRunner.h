// A what-if run of a chain for POST /v1/quotes (issue 15, ABI 1.2 quote mode).
//
// The body is a draft order (the order schema, "chain" optional). The chain's steps run in
// order on a copy of it, as a placement would run them, except:
//   - only steps whose kind sets OH_STEP_ANSWERS_QUOTES are called, with
//     oh_step_call.mode = OH_CALL_QUOTE; every other step (and every step of a plugin built
//     before ABI 1.2) is skipped and listed as such, as is a step whose `when:` is false;
//   - the plugins' statements on the host's database share one transaction that is always
//     rolled back (on SQLite it holds the write lock while the quote runs, as a step does); named
//     datasources are not offered (they are other systems); events are dropped;
//   - a SUSPEND means "the order would wait here": the quote goes on with the next step;
//     a REJECT or FAIL ends it with that verdict (a FAIL the chain lets pass, on_failure:
//     continue, does not); a RETRY (or a timeout) makes the whole quote unavailable for now;
//   - a quote holds a pooled session, and on SQLite the write lock, from its first statement
//     to its last answering step, so at most maxConcurrent run at once (more: Unavailable).
// Nothing else is stored — no order row, no step run, no outbox event — except, when the
// verdict is "quoted", the quote itself (QuoteStore: id, the asking client, the answered draft,
// valid until now + validForMs), so that an order naming it gets its prices (OrderIntake).
#pragma once

#include "host/document/OrderSchema.h"
#include "host/engine/Engine.h"

#include <atomic>
#include <string>
#include <vector>

namespace orderhost::engine {

struct QuotedStep {
    std::string step;
    std::string pluginId;
    bool answered = false;
    std::string skipped;  // why it was not called: "does not answer quotes", or the condition
    services::ReportedOutcome outcome;
};

struct QuoteResult {
    enum class Kind {
        Quoted,  // the chain answered; `verdict` says how
        MalformedJson,
        Invalid,      // schema errors in `errors`
        NoChain,      // the chain is unknown or not a placement chain; `message` says which
        Unavailable,  // a step could not answer now (RETRY, timeout, no worker); `message` says which
    };
    Kind kind = Kind::Invalid;
    std::string message;
    std::vector<document::SchemaError> errors;
    std::string chain;
    int chainVersion = 0;
    // "quoted": every step that answered went on (some may have said the order would wait);
    // "rejected" / "failed": the step in `atStep` would stop the order, with code and text.
    std::string verdict;
    std::string atStep, code, text;
    std::string documentJson;  // the draft as the answering steps left it
    std::string quoteId;       // verdict "quoted" only: the stored quote's id
    int64_t validUntilMs = 0;  // and until when an order may use it
    std::vector<QuotedStep> steps;
};

class QuoteRunner {
public:
    // At most `maxConcurrent` quotes run at once; more are answered Unavailable (503).
    // A quote stays usable for `validForMs` after it was answered (quotes.valid_for_s).
    QuoteRunner(Engine& engine, std::string defaultChain, int64_t validForMs, int maxConcurrent = 4)
        : engine_(engine),
          defaultChain_(std::move(defaultChain)),
          validForMs_(validForMs),
          maxConcurrent_(maxConcurrent) {}
    // `client`: who asks (the API key's id, "*" without keys); only that client's orders may use it.
    QuoteResult quote(const std::string& body, const std::string& client = "*");

private:
    Engine& engine_;
    std::string defaultChain_;
    const int64_t validForMs_;
    const int maxConcurrent_;
    std::atomic<int> running_{0};
};

}  // namespace orderhost::engine

// Taking an order from the ERP: parse, check against the order schema, store, run its chain.
//
// Nothing is written unless the body is valid JSON that passes the schema and names a chain
// the host runs. Submitting the same order_ref again is safe: the same body returns the
// existing order (the ERP can retry a request whose reply it lost), a different body is a
// conflict and changes nothing. An order may name a quote (quote_id): QuotedOrder.h.
#pragma once

#include "host/document/OrderSchema.h"
#include "host/engine/AsyncRuns.h"
#include "host/engine/ChainRunner.h"
#include "host/engine/ReadyChain.h"
#include "host/store/OrderStore.h"
#include "host/store/QuoteStore.h"

#include <string>
#include <vector>

namespace orderhost::engine {

struct SubmitResult {
    enum class Kind {
        Created,   // stored and run; `order` is its state after the run
        Repeated,  // the same order_ref with the same body: `order` is the existing one
        Conflict,  // the same order_ref with another body; nothing changed
        MalformedJson,
        Invalid,       // schema errors in `errors`
        NoChain,       // the chain is unknown or not runnable; `message` says which
        QuoteUsed,     // quote_id names a quote another order used; `message` says which
        QuoteRefused,  // quote_id is unknown, expired or the order differs from it (`errors`)
    };
    Kind kind = Kind::Invalid;
    // Created only: the chain was handed to AsyncRuns (respond-async); `order` is as stored.
    bool runsAsync = false;
    store::OrderRecord order;
    std::vector<document::SchemaError> errors;
    std::string message;
};

class OrderIntake {
public:
    OrderIntake(Engine& engine, std::string defaultChain);

    // `client`: who places it (QuotedOrder.h: an order may use only its client's quotes).
    // `respondAsync`: return once the order is stored and run its chain on AsyncRuns (when
    // they have room; else here, as without it).
    SubmitResult submit(const std::string& body, const std::string& client = "*", bool respondAsync = false);
    // At host stop: before the step workers stop, hands the queued respond-async orders back
    // (AsyncRuns::close); after HTTP, waits for the runs in progress (AsyncRuns::stop).
    void closeAsyncRuns() { async_.close(); }
    void stopAsyncRuns() { async_.stop(); }
    // Where an order without "chain" goes (chains.default).
    const std::string& defaultChain() const { return defaultChain_; }

private:
    SubmitResult fromExisting(const std::string& orderRef, const std::string& requestHash);
    // A respond-async order's run, on an AsyncRuns thread.
    void runQueued(const AsyncRuns::Job& job);

    Engine& engine_;
    std::string defaultChain_;
    ChainRunner runner_;
    AsyncRuns async_;  // after runner_, which its threads use
};

}  // namespace orderhost::engine

#include "host/engine/OrderIntake.h"

#include "host/engine/OrderState.h"
#include "host/engine/QuotedOrder.h"
#include "host/logging/LogContext.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/UUIDGenerator.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace orderhost::engine {
namespace {

std::string sha256(const std::string& text) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(text);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

// Orders accepted with respond-async: how many chains run at once for them, and how many may
// wait (more run on the request's thread, as without respond-async).
constexpr std::size_t kAsyncRunQueue = 1024;

SubmitResult failed(SubmitResult::Kind kind, std::string message) {
    SubmitResult result;
    result.kind = kind;
    result.message = std::move(message);
    return result;
}

}  // namespace

OrderIntake::OrderIntake(Engine& engine, std::string defaultChain)
    : engine_(engine),
      defaultChain_(std::move(defaultChain)),
      runner_(engine),
      async_([this](const AsyncRuns::Job& job) { runQueued(job); },
             [this](const AsyncRuns::Job& job) {
                 engine_.store().uncountCall(job.orderId, engine_.hostId(), job.leaseEpoch);
             },
             static_cast<std::size_t>(std::max(1, engine.backgroundRuns())), kAsyncRunQueue, "respond-async") {}

void OrderIntake::runQueued(const AsyncRuns::Job& job) {
    auto order = engine_.store().findById(job.orderId);
    if (!order || order->leaseEpoch != job.leaseEpoch || order->state != states::kReceived) return;
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->find(order->chain, order->chainVersion);
    // Still ours? It may have waited past its lease and been claimed by another host or by
    // this host's poller: the renewal is fenced by the epoch of the insert's claim.
    if (chain == nullptr ||
        !engine_.store().renewLease(job.orderId, engine_.hostId(), job.leaseEpoch, engine_.leaseUntil(*chain))) {
        spdlog::info("order {} (respond-async) was taken over while it waited; not run here", job.orderId);
        return;
    }
    order->leaseUntilMs = engine_.leaseUntil(*chain);
    runner_.run(std::move(*order));
}

SubmitResult OrderIntake::submit(const std::string& body, const std::string& client, bool respondAsync) {
    auto parsed = document::JsonDocument::parse(body);
    if (!parsed.ok()) return failed(SubmitResult::Kind::MalformedJson, parsed.error->toString());
    document::JsonDocument& doc = *parsed.document;

    SubmitResult result;
    result.errors = document::validateOrder(doc);
    if (!result.errors.empty()) return result;

    std::string chainName = defaultChain_;
    doc.getString("/chain", chainName);  // optional; the schema checked its type
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->latest(chainName);
    if (chain == nullptr) {
        return failed(SubmitResult::Kind::NoChain, "chain '" + chainName + "' is not loaded on this host");
    }
    const std::string& trigger = chain->definition.trigger;
    if (trigger == "cancel_order" || trigger == "return_order") {
        // Those run on an existing order (POST /v1/orders/{id}/cancel or /return).
        return failed(SubmitResult::Kind::NoChain, "chain '" + chainName + "' has trigger " + trigger +
                                                       ": it runs on an existing order, not on a new one");
    }

    // The stored document keeps the ERP's member order; the hash uses the canonical form, so
    // "the same body" is independent of whitespace, escaping and member order.
    store::OrderRecord order;
    order.requestHash = sha256(doc.canonicalJson());  // of the body as sent: a repeat matches it
    doc.getString("/order_ref", order.orderRef);
    std::string quoteId;
    doc.getString("/quote_id", quoteId);  // optional; the schema checked its form
    const int64_t now = engine_.now();
    store::QuoteStore quotes(engine_.store().database());
    if (!quoteId.empty()) {
        // An order_ref already stored is a repeat (its reply was lost) or a conflict, whatever
        // became of its quote since (used by it, expired, purged): the same answer as without one.
        if (engine_.store().findByRef(order.orderRef)) return fromExisting(order.orderRef, order.requestHash);
        const QuoteCheck check = applyQuote(quotes, doc, quoteId, client, chain->definition.name, now);
        if (check.kind == QuoteCheck::Kind::Used) {
            // Used since the look-up above, perhaps by this very order posted twice at once.
            if (engine_.store().findByRef(order.orderRef)) return fromExisting(order.orderRef, order.requestHash);
            return failed(SubmitResult::Kind::QuoteUsed, check.message);
        }
        if (check.kind != QuoteCheck::Kind::Honoured) {
            SubmitResult refused = failed(SubmitResult::Kind::QuoteRefused, check.message);
            refused.errors = check.errors;
            if (refused.errors.empty()) refused.errors.push_back({"/quote_id", check.message});
            return refused;
        }
    }
    order.document = doc.toJson();
    doc.getString("/customer/id", order.customerId);  // the schema requires it: 1 to 64 characters
    order.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    order.chain = chain->definition.name;
    order.chainVersion = chain->definition.version;
    order.state = states::kReceived;
    order.createdAtMs = order.updatedAtMs = now;
    // Stored already leased to this host, which runs it now: no other host may start it too.
    order.leaseOwner = engine_.hostId();
    order.leaseUntilMs = engine_.leaseUntil(*chain);
    order.leaseEpoch = 1;    // the insert is the order's first claim
    order.callsPending = 1;  // and its first plugin call follows (the crash breaker counts it)

    const store::InsertResult inserted = engine_.store().insertOrder(order, quoteId);
    if (inserted == store::InsertResult::DuplicateRef) return fromExisting(order.orderRef, order.requestHash);
    if (inserted == store::InsertResult::QuoteUnavailable) {  // another order took it a moment ago
        // That order may be this one, posted twice at once (a retry overlapping the original).
        if (engine_.store().findByRef(order.orderRef)) return fromExisting(order.orderRef, order.requestHash);
        const QuoteCheck gone = quoteGoneAtInsert(quotes, quoteId, now);
        if (gone.kind == QuoteCheck::Kind::Used) return failed(SubmitResult::Kind::QuoteUsed, gone.message);
        SubmitResult refused = failed(SubmitResult::Kind::QuoteRefused, gone.message);
        refused.errors.push_back({"/quote_id", gone.message});
        return refused;
    }
    result.kind = SubmitResult::Kind::Created;
    // The line that ties the HTTP request's id (in the log fields) to the new order's.
    const logging::LogScope fields({"", order.id, order.chain, "", "", ""});
    spdlog::info("order {} accepted: order_ref {}, chain {} v{}", order.id, order.orderRef, order.chain,
                 order.chainVersion);
    if (respondAsync && async_.submit({order.id, order.leaseEpoch})) {
        result.runsAsync = true;
        result.order = std::move(order);
        return result;
    }
    result.order = runner_.run(std::move(order));
    return result;
}

SubmitResult OrderIntake::fromExisting(const std::string& orderRef, const std::string& requestHash) {
    SubmitResult result;
    auto existing = engine_.store().findByRef(orderRef);
    if (!existing) {
        return failed(SubmitResult::Kind::Conflict, "order_ref '" + orderRef + "' is being created concurrently");
    }
    if (existing->requestHash != requestHash) {
        result.kind = SubmitResult::Kind::Conflict;
        // Not naming the order: a key limited to other chains must not learn its id this way.
        result.message = "order_ref '" + orderRef + "' already exists with different content";
    } else {
        result.kind = SubmitResult::Kind::Repeated;
    }
    result.order = std::move(*existing);
    return result;
}

}  // namespace orderhost::engine

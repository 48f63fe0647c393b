#include "host/engine/OrderIntake.h"

#include "host/engine/OrderState.h"
#include "host/logging/LogContext.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/UUIDGenerator.h>
#include <spdlog/spdlog.h>

namespace orderhost::engine {
namespace {

std::string sha256(const std::string& text) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(text);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

SubmitResult failed(SubmitResult::Kind kind, std::string message) {
    SubmitResult result;
    result.kind = kind;
    result.message = std::move(message);
    return result;
}

}  // namespace

OrderIntake::OrderIntake(Engine& engine, std::string defaultChain)
    : engine_(engine), defaultChain_(std::move(defaultChain)), runner_(engine) {}

SubmitResult OrderIntake::submit(const std::string& body) {
    auto parsed = document::JsonDocument::parse(body);
    if (!parsed.ok()) return failed(SubmitResult::Kind::MalformedJson, parsed.error->toString());
    const document::JsonDocument& doc = *parsed.document;

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
    order.document = doc.toJson();
    order.requestHash = sha256(doc.canonicalJson());
    doc.getString("/order_ref", order.orderRef);
    doc.getString("/customer/id", order.customerId);  // the schema requires it: 1 to 64 characters
    order.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    order.chain = chain->definition.name;
    order.chainVersion = chain->definition.version;
    order.state = states::kReceived;
    order.createdAtMs = order.updatedAtMs = engine_.now();
    // Stored already leased to this host, which runs it now: no other host may start it too.
    order.leaseOwner = engine_.hostId();
    order.leaseUntilMs = engine_.leaseUntil(*chain);
    order.leaseEpoch = 1;  // the insert is the order's first claim
    order.callsPending = 1;  // and its first plugin call follows (the crash breaker counts it)

    if (engine_.store().insertOrder(order) == store::InsertResult::DuplicateRef) {
        return fromExisting(order.orderRef, order.requestHash);
    }
    result.kind = SubmitResult::Kind::Created;
    // The line that ties the HTTP request's id (in the log fields) to the new order's.
    const logging::LogScope fields({"", order.id, order.chain, "", "", ""});
    spdlog::info("order {} accepted: order_ref {}, chain {} v{}", order.id, order.orderRef, order.chain,
                 order.chainVersion);
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
        result.message = "order_ref '" + orderRef + "' already exists with different content (order " +
                         existing->id + ")";
    } else {
        result.kind = SubmitResult::Kind::Repeated;
    }
    result.order = std::move(*existing);
    return result;
}

}  // namespace orderhost::engine

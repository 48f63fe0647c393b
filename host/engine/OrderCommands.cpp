#include "host/engine/OrderCommands.h"

#include "host/engine/ClientTextRule.h"
#include "host/engine/OrderEvents.h"
#include "host/engine/OrderState.h"
#include "host/engine/ReturnSettlement.h"
#include "host/engine/RunnerHelpers.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <sstream>

namespace orderhost::engine {
namespace {

// A cancel request's reason and a return request's return_ref, in bytes (docs/api.md).
constexpr std::size_t kMaxReasonBytes = 1000;
constexpr std::size_t kMaxReturnRefBytes = 255;
// A return request's body: every return stays in the order's document (/returns), which holds
// 4 MiB; 1 MiB bodies filled it after three refused returns (found by a black-box probe). An
// order has at most 1000 lines, so a real return's body is far below this.
constexpr std::size_t kMaxReturnBodyBytes = 256 * 1024;

CommandResult refused(CommandResult::Kind kind, std::string message) {
    CommandResult result;
    result.kind = kind;
    result.message = std::move(message);
    return result;
}

CommandResult asItIs(store::OrderRecord order) {
    CommandResult result;
    result.kind = CommandResult::Kind::AlreadyDone;
    result.order = std::move(order);
    return result;
}

std::optional<document::JsonDocument> parseObject(const std::string& json, std::string& problem) {
    auto parsed = document::JsonDocument::parse(json.empty() ? "{}" : json);
    if (!parsed.ok()) {
        problem = parsed.error->toString();
        return std::nullopt;
    }
    std::string whole;
    parsed.document->getJson("", whole);
    if (whole.empty() || whole[0] != '{') {
        problem = "the body must be a JSON object";
        return std::nullopt;
    }
    return std::move(*parsed.document);
}

bool runsChainOfTrigger(const store::OrderRecord& order, const ChainSet& chains, const std::string& trigger) {
    const std::shared_ptr<const ReadyChain> chain = chains.find(order.chain, order.chainVersion);
    return chain != nullptr && chain->definition.trigger == trigger;
}

// Whether /returns (the order's ended returns before the current one) holds one with `ref`.
bool earlierReturnNamed(const document::JsonDocument& doc, const std::string& ref) {
    std::size_t count = 0;
    if (doc.getSize("/returns", count) != document::Status::Ok) return false;
    for (std::size_t i = 0; i < count; ++i) {
        std::string earlier;
        if (doc.getString("/returns/" + std::to_string(i) + "/return_ref", earlier) == document::Status::Ok &&
            earlier == ref)
            return true;
    }
    return false;
}

// A command's write found the order changed since it was read (another request's write came
// first). Thrown by OrderCommands::start only around its checkpoint, never once a chain runs.
struct ChangedMeanwhile {};

// Runs `command` again when its write lost a race: the order is read anew, so a second cancel
// arriving with the first is answered as a cancel in progress (200, docs/api.md), not 409
// "changed meanwhile" (found by a black-box probe: 7 of 8 concurrent pairs). A few tries, then
// the 409 for an order that keeps changing.
template <typename Command>
CommandResult decidedAgainIfChanged(const std::string& orderId, Command command) {
    for (int attempt = 0; attempt < 3; ++attempt) {
        try {
            return command();
        } catch (const ChangedMeanwhile&) {
        }
    }
    return refused(CommandResult::Kind::NotAllowed, "order " + orderId + " changed meanwhile; ask again");
}

}  // namespace

std::string OrderCommands::passedPointOfNoReturn(const store::OrderRecord& order, const ReadyChain& chain) {
    const std::string& until = chain.definition.cancellableUntil;
    if (until.empty()) return {};
    const auto& steps = chain.definition.steps;
    const auto step = std::find_if(steps.begin(), steps.end(), [&](const auto& s) { return s.name == until; });
    if (step == steps.end()) return {};  // the parser refuses such a chain; never guess
    const int index = static_cast<int>(step - steps.begin());
    const std::vector<int> completed = engine_.store().completedSteps(order.id, order.chain);
    return std::binary_search(completed.begin(), completed.end(), index) ? stepNamed(*step) : std::string();
}

std::string OrderCommands::stepNamed(const chains::StepDefinition& step) {
    return "'" + step.name + "' (" + step.plugin + " " + step.stepKind + ")";
}

std::string OrderCommands::reachedStep(const store::OrderRecord& order, const ReadyChain& chain) {
    const auto& steps = chain.definition.steps;
    if (steps.empty()) return "is " + order.state;
    if (order.state == states::kCompleted || order.currentStep >= static_cast<int>(steps.size()))
        return "is " + order.state + " after its last step " + stepNamed(steps.back());
    return "is " + order.state + " at step " +
           stepNamed(steps[static_cast<std::size_t>(std::max(order.currentStep, 0))]);
}

OrderCommands::OrderCommands(Engine& engine) : engine_(engine), runner_(engine) {}

CommandResult OrderCommands::cancel(const std::string& orderId, const std::string& bodyJson) {
    return decidedAgainIfChanged(orderId, [&] { return cancelOnce(orderId, bodyJson); });
}

CommandResult OrderCommands::requestReturn(const std::string& orderId, const std::string& bodyJson) {
    return decidedAgainIfChanged(orderId, [&] { return requestReturnOnce(orderId, bodyJson); });
}

CommandResult OrderCommands::cancelOnce(const std::string& orderId, const std::string& bodyJson) {
    std::string problem;
    auto body = parseObject(bodyJson, problem);
    if (!body) return refused(CommandResult::Kind::InvalidPayload, problem);
    std::string reason;
    if (body->getString("/reason", reason) == document::Status::TypeMismatch)
        return refused(CommandResult::Kind::InvalidPayload, "\"reason\" must be a string");
    auto order = engine_.store().findById(orderId);
    if (!order) return refused(CommandResult::Kind::UnknownOrder, "no order with id '" + orderId + "'");
    if (order->state == states::kCancelled || order->compensateTo == states::kCancelled ||
        runsChainOfTrigger(*order, *engine_.chains(), "cancel_order"))
        return asItIs(std::move(*order));
    // A cancel would undo the return's steps and then run the cancel chain over an order that
    // was delivered and paid: the return ends by its own chain (ReturnSettlement.h).
    if (const std::string bad = clientTextProblem("reason", reason, kMaxReasonBytes); !bad.empty())
        return refused(CommandResult::Kind::InvalidPayload, bad);
    if (order->state == states::kReturned)
        return refused(CommandResult::Kind::NotAllowed, "order " + orderId + " was returned (chain " + order->chain +
                                                            "); it cannot be cancelled: a returned order is final");
    if (runsChainOfTrigger(*order, *engine_.chains(), "return_order"))
        return refused(
            CommandResult::Kind::NotAllowed,
            "order " + orderId + " is being returned (chain " + order->chain + ", " + order->state +
                (order->awaitingSignal.empty() ? "" : ", waiting for signal '" + order->awaitingSignal + "'") +
                "); it cannot be cancelled: the return ends by its own chain");
    if (order->state != states::kOnHold && order->state != states::kRetryWait && order->state != states::kCompleted &&
        order->state != states::kFailed)
        return refused(
            CommandResult::Kind::NotAllowed,
            "order " + orderId + " is " + order->state +
                (states::isRunning(order->state) ? "; it stops soon: ask again then" : "; it cannot be cancelled"));
    // A signal, manual action or timer claimed it and runs it on (a claim from a wait leaves the
    // state as it was until the claimer's checkpoint): as running. An expired lease is a claimer
    // that died; then the cancel goes ahead.
    if (order->callsPending > 0 && order->leaseUntilMs >= engine_.now())
        return refused(CommandResult::Kind::NotAllowed,
                       "order " + orderId + " is being resumed right now; it stops soon: ask again then");
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->find(order->chain, order->chainVersion);
    if (chain == nullptr)
        return refused(
            CommandResult::Kind::NoChain,
            "chain " + order->chain + " v" + std::to_string(order->chainVersion) + " is not loaded on this host");
    if (const std::string passed = passedPointOfNoReturn(*order, *chain); !passed.empty())
        return refused(CommandResult::Kind::NotAllowed, "order " + orderId + " already passed step " + passed +
                                                            ", its chain's cancellable_until, and " +
                                                            reachedStep(*order, *chain) + ": return it instead");
    Poco::JSON::Object cancellation;
    cancellation.set("reason", reason);
    cancellation.set("requested_at", engine_.now());
    // Where the cancel found the order: a manual `resume` of a cancel overtaken by an effect
    // that could not be undone returns it there, and only from a wait (ChainRunner::resumeProblem).
    Poco::JSON::Object before;
    before.set("state", order->state);
    before.set("current_step", order->currentStep);
    before.set("compensate_to", order->compensateTo);
    cancellation.set("before", before);
    if (const auto cancelChain = engine_.chains()->forTrigger("cancel_order")) {
        cancellation.set("chain", cancelChain->definition.name);
        cancellation.set("chain_version", cancelChain->definition.version);
    }
    std::ostringstream json;
    cancellation.stringify(json);
    auto doc = document::JsonDocument::parse(order->document);
    if (!doc.ok() || doc.document->set("/cancellation", json.str()) != document::Status::Ok)
        return refused(CommandResult::Kind::InvalidPayload, "the cancellation cannot be added to the order document");

    store::OrderRecord updated = *order;
    updated.document = doc.document->toJson();
    updated.state = states::kCompensating;  // undo what the chain did, then the cancel chain
    updated.compensateTo = states::kCancelled;
    // Completed: every step may be undone. Waiting or failed: the steps before the one it
    // waits or failed at, and that step itself when it suspended with effects (a booked
    // shipment, open work orders: runner::compensationStart). Steps a failure's compensation
    // already undid are not undone again.
    updated.currentStep = order->state == states::kCompleted
                              ? static_cast<int>(chain->steps.size())
                              : runner::compensationStart(engine_.store(), order->id, *chain, order->currentStep);
    updated.nextAttempt = 1;
    updated.awaitingSignal.clear();
    updated.wakeAtMs = 0;
    return start(*order, std::move(updated), "cancel", reason.empty() ? "cancellation requested" : reason);
}

CommandResult OrderCommands::requestReturnOnce(const std::string& orderId, const std::string& bodyJson) {
    std::string problem;
    auto body = parseObject(bodyJson, problem);
    if (!body) return refused(CommandResult::Kind::InvalidPayload, problem);
    std::string returnRef;
    if (body->getString("/return_ref", returnRef) == document::Status::TypeMismatch)
        return refused(CommandResult::Kind::InvalidPayload, "\"return_ref\" must be a string");
    auto order = engine_.store().findById(orderId);
    if (!order) return refused(CommandResult::Kind::UnknownOrder, "no order with id '" + orderId + "'");
    auto doc = document::JsonDocument::parse(order->document);
    if (!doc.ok()) return refused(CommandResult::Kind::InvalidPayload, "the order document cannot be read");
    // The same return asked again (also one that was refused or failed, after which the order
    // is completed again) is answered as it is; a new return_ref starts a further return.
    std::string lastRef, lastReturn;
    const bool hadReturn = doc.document->getJson("/return", lastReturn) == document::Status::Ok;
    doc.document->getString("/return/return_ref", lastRef);
    if (hadReturn && returnRef == lastRef &&
        (order->state != states::kCompleted || runsChainOfTrigger(*order, *engine_.chains(), "return_order") ||
         doc.document->getString("/return/status", lastReturn) == document::Status::Ok))
        return asItIs(std::move(*order));
    // An earlier return's return_ref is that return asked again (an ERP retrying a reply it
    // lost after a later return began), never a new one: it made a second RMA, credit note and
    // refund for the same goods (found by a black-box probe).
    if (!returnRef.empty() && earlierReturnNamed(*doc.document, returnRef)) return asItIs(std::move(*order));
    // After the repeats above: a return accepted before this limit, asked again, is answered.
    if (bodyJson.size() > kMaxReturnBodyBytes)
        return refused(CommandResult::Kind::InvalidPayload,
                       "the return request is " + std::to_string(bodyJson.size()) + " bytes; at most " +
                           std::to_string(kMaxReturnBodyBytes) + " (every return stays in the order's document)");
    if (const std::string bad = clientTextProblem("return_ref", returnRef, kMaxReturnRefBytes); !bad.empty())
        return refused(CommandResult::Kind::InvalidPayload, bad);
    if (order->state != states::kCompleted) {
        if (!runsChainOfTrigger(*order, *engine_.chains(), "return_order") && order->state != states::kReturned)
            return refused(CommandResult::Kind::NotAllowed,
                           "order " + orderId + " is " + order->state + "; only a completed order can be returned");
        // On its return chain: another return starts after the last one ended returned (or
        // rejected: refused before refused returns were settled, ReturnSettlement.h).
        if (order->state != states::kReturned && order->state != states::kRejected)
            return refused(CommandResult::Kind::NotAllowed,
                           "order " + orderId + " is " + order->state + " on return " +
                               (lastRef.empty() ? std::string("(no return_ref)") : "'" + lastRef + "'") +
                               "; a further return starts when that one has ended");
    }
    const std::shared_ptr<const ReadyChain> returnChain = engine_.chains()->forTrigger("return_order");
    if (returnChain == nullptr)
        return refused(CommandResult::Kind::NoChain, "no chain with trigger return_order is loaded on this host");
    if (!startReturnDocument(*doc.document, *order, *body) || !returns::rememberOrderBefore(*doc.document, *order))
        return refused(CommandResult::Kind::InvalidPayload,
                       "the return cannot be added to the order document (" + std::to_string(order->document.size()) +
                           " bytes now; a document holds at most 4 MiB, and every return of the order stays in it)");

    store::OrderRecord updated = *order;
    updated.document = doc.document->toJson();
    updated.chain = returnChain->definition.name;
    updated.chainVersion = returnChain->definition.version;
    updated.currentStep = 0;
    updated.nextAttempt = 1;
    updated.compensateTo.clear();
    updated.state = states::kInProgress;
    return start(*order, std::move(updated), "return",
                 "return requested" + (returnRef.empty() ? "" : ": " + returnRef));
}

bool OrderCommands::startReturnDocument(document::JsonDocument& doc, const store::OrderRecord& order,
                                        const document::JsonDocument& body) const {
    // A completed order's record last changed when it completed: the window of a return
    // starts there when the document names no delivery time.
    std::string completedAt;
    if (order.state == states::kCompleted && doc.getJson("/completed_at", completedAt) != document::Status::Ok &&
        doc.set("/completed_at", std::to_string(order.updatedAtMs)) != document::Status::Ok)
        return false;
    // A further return: the previous one stays readable at the end of /returns, with the
    // signals delivered so far, so that no step of the new run takes an old signal for its own.
    std::string previous, signals;
    std::size_t archived = 0;
    if (doc.getJson("/return", previous) == document::Status::Ok) {
        if (doc.set("/returns/-", previous) != document::Status::Ok ||
            doc.getSize("/returns", archived) != document::Status::Ok)
            return false;
        if (doc.getJson("/signals", signals) == document::Status::Ok &&
            (doc.set("/returns/" + std::to_string(archived - 1) + "/signals", signals) != document::Status::Ok ||
             doc.remove("/signals") != document::Status::Ok))
            return false;
    }
    return doc.set("/return", body.toJson()) == document::Status::Ok &&
           doc.set("/return/requested_at", std::to_string(engine_.now())) == document::Status::Ok;
}

CommandResult OrderCommands::start(const store::OrderRecord& order, store::OrderRecord updated,
                                   const std::string& command, const std::string& message) {
    states::requireTransition(order.state, updated.state);
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->find(updated.chain, updated.chainVersion);
    if (chain == nullptr)  // dropped by a reload since the caller looked
        return refused(
            CommandResult::Kind::NoChain,
            "chain " + updated.chain + " v" + std::to_string(updated.chainVersion) + " is not loaded on this host");
    updated.leaseOwner = engine_.hostId();
    updated.leaseUntilMs = engine_.leaseUntil(*chain);
    updated.leaseEpoch = order.leaseEpoch + 1;  // this checkpoint is a claim
    updated.callsPending = 1;                   // and the runner calls a plugin next
    updated.updatedAtMs = engine_.now();
    store::StepRunRecord run;
    run.orderId = order.id;
    run.chain = order.chain;
    run.stepName = command;
    run.pluginId = "orderhost";
    run.stepKind = command;
    run.outcome = command;
    run.message = message;
    run.startedAtMs = run.finishedAtMs = updated.updatedAtMs;
    store::CheckpointExtras extras;
    extras.expectedLeaseOwner = order.leaseOwner;  // waiting and completed orders hold none
    extras.expectedLeaseEpoch = order.leaseEpoch;
    extras.events = eventsFor(order, updated, run);
    try {
        engine_.store().recordStep(updated, order.state, run, extras);
    } catch (const store::StaleOrderError&) {
        throw ChangedMeanwhile{};  // nothing was written: decidedAgainIfChanged looks again
    }
    CommandResult result;
    result.kind = CommandResult::Kind::Accepted;
    result.order = runner_.run(std::move(updated));
    return result;
}

}  // namespace orderhost::engine

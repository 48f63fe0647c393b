#include "host/engine/OrderSignals.h"

#include "host/engine/ClientTextRule.h"
#include "host/engine/OrderState.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <optional>

namespace orderhost::engine {
namespace {

// A manual action's note, in bytes (docs/api.md).
constexpr std::size_t kMaxNoteBytes = 1000;

SignalResult refused(SignalResult::Kind kind, std::string message) {
    SignalResult result;
    result.kind = kind;
    result.message = std::move(message);
    return result;
}

// The step-run record that shows the signal in the order's history.
store::StepRunRecord signalRun(const store::OrderRecord& order, const ReadyChain& chain, const std::string& signal,
                               std::int64_t nowMs) {
    store::StepRunRecord run;
    run.orderId = order.id;
    const auto index = static_cast<std::size_t>(order.currentStep);
    run.stepName = index < chain.steps.size() ? chain.steps[index]->definition().name : std::string();
    run.pluginId = "orderhost";
    run.stepKind = "signal";
    run.outcome = "signal";
    run.code = signal;
    run.message = "signal '" + signal + "' delivered; the step runs again";
    run.startedAtMs = run.finishedAtMs = nowMs;
    return run;
}

}  // namespace

OrderSignals::OrderSignals(Engine& engine) : engine_(engine), runner_(engine) {}

// A claim from on_hold that failed before its checkpoint (a database error, a payload the
// document would not take) would otherwise make every later request on this host wait for its
// lease to run out (claims "as read" refuse a pending claim). Best effort: the failure itself
// is what the caller reports.
void OrderSignals::giveUpClaim(const std::string& orderId, std::int64_t epoch) noexcept {
    try {
        engine_.store().uncountCall(orderId, engine_.hostId(), epoch, states::kOnHold);
    } catch (const std::exception& e) {
        spdlog::warn("order {}: the claim that failed could not be given up ({}); its lease runs out instead", orderId,
                     e.what());
    }
}

SignalResult OrderSignals::deliver(const std::string& orderId, const std::string& signal,
                                   const std::string& payloadJson) {
    auto payload = document::JsonDocument::parse(payloadJson.empty() ? "{}" : payloadJson);
    if (!payload.ok()) return refused(SignalResult::Kind::InvalidPayload, payload.error->toString());
    auto order = engine_.store().findById(orderId);
    if (!order) return refused(SignalResult::Kind::UnknownOrder, "no order with id '" + orderId + "'");
    if (order->state == states::kCompleted || states::isFinal(order->state)) {
        return refused(SignalResult::Kind::Finished, "order " + orderId + " cannot take signal '" + signal +
                                                         "': it is " + order->state + " and waits for no signal");
    }
    if (order->state != states::kOnHold || order->awaitingSignal != signal) {
        const std::string waiting = order->state == states::kOnHold
                                        ? "it waits for signal '" + order->awaitingSignal + "'"
                                        : "it is " + order->state + ", not on_hold";
        return refused(SignalResult::Kind::NotWaiting,
                       "order " + orderId + " cannot take signal '" + signal + "': " + waiting);
    }
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->find(order->chain, order->chainVersion);
    if (chain == nullptr) {
        return refused(
            SignalResult::Kind::NoChain,
            "chain " + order->chain + " v" + std::to_string(order->chainVersion) + " is not loaded on this host");
    }
    if (signal == chains::kManualActionSignal) return manualAction(std::move(*order), *payload.document);
    auto doc = document::JsonDocument::parse(order->document);
    if (!doc.ok() || doc.document->set("/signals/" + signal, payload.document->toJson()) != document::Status::Ok) {
        return refused(SignalResult::Kind::InvalidPayload, "the payload cannot be added to the order document");
    }
    store::OrderRecord resumed = *order;
    resumed.state = states::kInProgress;
    resumed.awaitingSignal.clear();
    resumed.wakeAtMs = 0;
    resumed.document = doc.document->toJson();
    resumed.updatedAtMs = engine_.now();
    resumed.leaseOwner = engine_.hostId();  // this host runs it on
    resumed.leaseUntilMs = engine_.leaseUntil(*chain);
    // Claimed first, so a poller handling its timeout (or a second delivery) cannot run it too;
    // a lease a dead host left on it is taken over once expired. Only as read: a delivery that
    // read the order before another one ran it must not write the document it read.
    const auto resumedBy =
        refused(SignalResult::Kind::NotWaiting, "order " + orderId + " was resumed by another request");
    const auto epoch = engine_.store().claim(orderId, states::kOnHold, states::kOnHold, engine_.hostId(),
                                             resumed.leaseUntilMs, resumed.updatedAtMs, order->leaseEpoch);
    if (!epoch) return resumedBy;
    resumed.leaseEpoch = *epoch;
    resumed.callsPending = 1;  // running again: its next call follows
    try {
        store::CheckpointExtras extras;
        extras.expectedLeaseOwner = engine_.hostId();
        extras.expectedLeaseEpoch = *epoch;
        engine_.store().recordStep(resumed, states::kOnHold, signalRun(resumed, *chain, signal, resumed.updatedAtMs),
                                   extras);
    } catch (const store::StaleOrderError&) {
        return resumedBy;
    } catch (...) {
        giveUpClaim(orderId, *epoch);
        throw;
    }
    SignalResult result;
    result.kind = SignalResult::Kind::Resumed;
    result.order = runner_.run(std::move(resumed));
    return result;
}

SignalResult OrderSignals::manualAction(store::OrderRecord order, const document::JsonDocument& payload) {
    static const std::pair<const char*, ManualAction> actions[] = {{"retry", ManualAction::Retry},
                                                                   {"skip", ManualAction::Skip},
                                                                   {"compensate", ManualAction::Compensate},
                                                                   {"fail", ManualAction::Fail},
                                                                   {"resume", ManualAction::Resume}};
    std::string name = "retry", note;
    // A member this signal does not know is refused: {"acton": "fail"} read as a retry paid a
    // held refund (found by a black-box probe). An empty body or {} is still a retry.
    std::size_t members = 0;
    payload.getSize("", members);
    for (std::size_t i = 0; i < members; ++i) {
        std::string key;
        payload.getKey("", i, key);
        if (key == "action" || key == "note" || key == "data") continue;
        const bool printable = key.size() <= 40 && std::all_of(key.begin(), key.end(), [](char c) {
                                   return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
                               });
        return refused(SignalResult::Kind::InvalidPayload,
                       "unknown member " + (printable ? "\"" + key + "\"" : std::string("(not shown)")) +
                           ": a manual action takes \"action\", \"note\" and \"data\"");
    }
    // A member of the wrong type is refused, not read as absent ({"action": 5} was a retry).
    // JSON null is as good as absent.
    const auto given = [&](const char* pointer) {
        std::string json;
        return payload.getJson(pointer, json) == document::Status::Ok && json != "null";
    };
    if (given("/action") && payload.getString("/action", name) == document::Status::TypeMismatch)
        return refused(SignalResult::Kind::InvalidPayload,
                       "\"action\" must be a string: retry, skip, compensate, fail or resume");
    if (given("/note") && payload.getString("/note", note) == document::Status::TypeMismatch)
        return refused(SignalResult::Kind::InvalidPayload, "\"note\" must be a string");
    // Refused, not cut: a NUL cut the stored note short, and cutting at 1000 bytes could split a character.
    if (const std::string bad = clientTextProblem("note", note, kMaxNoteBytes); !bad.empty())
        return refused(SignalResult::Kind::InvalidPayload, bad);
    const auto found =
        std::find_if(std::begin(actions), std::end(actions), [&](const auto& entry) { return name == entry.first; });
    if (found == std::end(actions))
        return refused(
            SignalResult::Kind::InvalidPayload,
            "\"action\" must be one of retry, skip, compensate, fail, resume; got \"" + name.substr(0, 40) + "\"");
    // "data": what the administrator tells the step (e.g. a refund made by hand), stored at
    // /signals/manual_action for the step's next run; an action without it clears an older one.
    std::optional<std::string> data;
    if (std::string text; payload.getJson("/data", text) == document::Status::Ok && text != "null") {
        if (text.empty() || text.front() != '{')
            return refused(SignalResult::Kind::InvalidPayload, "\"data\" must be a JSON object");
        auto doc = document::JsonDocument::parse(order.document);
        if (!doc.ok() ||
            doc.document->set(std::string("/signals/") + chains::kManualActionSignal, text) != document::Status::Ok)
            return refused(SignalResult::Kind::InvalidPayload, "\"data\" cannot be added to the order document");
        data = std::move(text);
    }
    const std::shared_ptr<const ReadyChain> chain = engine_.chains()->find(order.chain, order.chainVersion);
    if (chain == nullptr)  // dropped by a reload since the caller looked
        return refused(SignalResult::Kind::NoChain, "chain " + order.chain + " v" + std::to_string(order.chainVersion) +
                                                        " is not loaded on this host");
    if (found->second == ManualAction::Resume)
        if (const std::string problem = runner_.resumeProblem(order); !problem.empty())
            return refused(SignalResult::Kind::NotWaiting, problem);
    const std::int64_t until = engine_.leaseUntil(*chain);
    // As read (see deliver): the checks above were made on this record.
    const auto epoch = engine_.store().claim(order.id, states::kOnHold, states::kOnHold, engine_.hostId(), until,
                                             engine_.now(), order.leaseEpoch);
    if (!epoch)
        return refused(SignalResult::Kind::NotWaiting, "order " + order.id + " was taken up by another request");
    order.leaseOwner = engine_.hostId();
    order.leaseUntilMs = until;
    order.leaseEpoch = *epoch;
    order.callsPending += 1;  // as the claim stored it
    SignalResult result;
    result.kind = SignalResult::Kind::Resumed;
    const std::string id = order.id;
    try {
        result.order = runner_.applyManualAction(std::move(order), found->second, note, data);
    } catch (...) {
        giveUpClaim(id, *epoch);  // a no-op once its checkpoint moved the order on
        throw;
    }
    return result;
}

}  // namespace orderhost::engine

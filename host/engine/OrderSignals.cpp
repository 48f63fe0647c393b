#include "host/engine/OrderSignals.h"

#include "host/engine/OrderState.h"


namespace orderhost::engine {
namespace {

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

OrderSignals::OrderSignals(store::OrderStore& store, const ChainSet& chains, services::Clock clock)
    : store_(store), chains_(chains), clock_(clock), runner_(store, clock) {}

SignalResult OrderSignals::deliver(const std::string& orderId, const std::string& signal,
                                   const std::string& payloadJson) {
    auto payload = document::JsonDocument::parse(payloadJson.empty() ? "{}" : payloadJson);
    if (!payload.ok()) return refused(SignalResult::Kind::InvalidPayload, payload.error->toString());
    auto order = store_.findById(orderId);
    if (!order) return refused(SignalResult::Kind::UnknownOrder, "no order with id '" + orderId + "'");
    if (order->state != states::kOnHold || order->awaitingSignal != signal) {
        const std::string waiting = order->state == states::kOnHold
                                        ? "it waits for signal '" + order->awaitingSignal + "'"
                                        : "it is " + order->state + ", not on_hold";
        return refused(SignalResult::Kind::NotWaiting, "order " + orderId + " cannot take signal '" + signal + "': " + waiting);
    }
    const ReadyChain* chain = chains_.find(order->chain, order->chainVersion);
    if (chain == nullptr) {
        return refused(SignalResult::Kind::NoChain, "chain " + order->chain + " v" + std::to_string(order->chainVersion) +
                                                        " is not loaded on this host");
    }
    auto doc = document::JsonDocument::parse(order->document);
    if (!doc.ok() || doc.document->set("/signals/" + signal, payload.document->toJson()) != document::Status::Ok) {
        return refused(SignalResult::Kind::InvalidPayload, "the payload cannot be added to the order document");
    }
    store::OrderRecord resumed = *order;
    resumed.state = states::kInProgress;
    resumed.awaitingSignal.clear();
    resumed.document = doc.document->toJson();
    resumed.updatedAtMs = clock_();
    try {
        store_.recordStep(resumed, states::kOnHold, signalRun(resumed, *chain, signal, resumed.updatedAtMs));
    } catch (const store::StaleOrderError&) {
        return refused(SignalResult::Kind::NotWaiting, "order " + orderId + " was resumed by another request");
    }
    SignalResult result;
    result.kind = SignalResult::Kind::Resumed;
    result.order = runner_.run(std::move(resumed), *chain);
    return result;
}

}  // namespace orderhost::engine

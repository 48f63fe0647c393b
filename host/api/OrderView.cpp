#include "host/api/OrderView.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

namespace orderhost::api {
namespace {

Poco::JSON::Object stepView(const store::StepRunRecord& run) {
    Poco::JSON::Object step(Poco::JSON_PRESERVE_KEY_ORDER);
    step.set("seq", run.seq);
    step.set("step", run.stepName);
    if (!run.chain.empty()) step.set("chain", run.chain);
    step.set("plugin", run.pluginId);
    step.set("step_kind", run.stepKind);
    step.set("attempt", run.attempt);
    step.set("outcome", run.outcome);
    if (!run.code.empty()) step.set("code", run.code);
    if (!run.message.empty()) step.set("message", run.message);
    step.set("started_at", run.startedAtMs);
    step.set("finished_at", run.finishedAtMs);
    return step;
}

}  // namespace

Poco::JSON::Object orderView(const store::OrderRecord& order, const std::vector<store::StepRunRecord>& steps) {
    Poco::JSON::Object view(Poco::JSON_PRESERVE_KEY_ORDER);
    view.set("id", order.id);
    view.set("order_ref", order.orderRef);
    view.set("chain", order.chain);
    view.set("chain_version", order.chainVersion);
    view.set("state", order.state);
    view.set("current_step", order.currentStep);
    // What a waiting order waits for: the signal, its timer, and while compensating the end state.
    if (!order.awaitingSignal.empty()) view.set("awaiting_signal", order.awaitingSignal);
    if (order.wakeAtMs > 0) view.set("wake_at", order.wakeAtMs);
    if (!order.compensateTo.empty()) view.set("compensate_to", order.compensateTo);
    view.set("created_at", order.createdAtMs);
    view.set("updated_at", order.updatedAtMs);
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));  // keep the ERP's key order
    view.set("document", parser.parse(order.document));
    Poco::JSON::Array history;
    for (const auto& run : steps) history.add(stepView(run));
    view.set("steps", history);
    return view;
}

}  // namespace orderhost::api

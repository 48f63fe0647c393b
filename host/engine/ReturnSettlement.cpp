#include "host/engine/ReturnSettlement.h"

#include "host/engine/OrderState.h"

#include <Poco/JSON/Object.h>

#include <sstream>

namespace orderhost::engine::returns {
namespace {

std::string stringify(const Poco::JSON::Object& object) {
    std::ostringstream json;
    object.stringify(json);
    return json.str();
}

bool endsBadly(const std::string& state) { return state == states::kRejected || state == states::kFailed; }

// Puts the order back where /return/order_before says; false when that is unreadable.
bool restoreOrderBefore(const document::JsonDocument& doc, store::OrderRecord& updated) {
    std::string state, chain;
    std::int64_t version = 0, step = 0;
    if (doc.getString("/return/order_before/state", state) != document::Status::Ok ||
        doc.getString("/return/order_before/chain", chain) != document::Status::Ok ||
        doc.getInt("/return/order_before/chain_version", version) != document::Status::Ok ||
        doc.getInt("/return/order_before/current_step", step) != document::Status::Ok)
        return false;
    updated.state = state;
    updated.chain = chain;
    updated.chainVersion = static_cast<int>(version);
    updated.currentStep = static_cast<int>(step);
    updated.compensateTo.clear();
    updated.awaitingSignal.clear();
    updated.wakeAtMs = 0;
    updated.nextAttempt = 1;
    return true;
}

}  // namespace

bool rememberOrderBefore(document::JsonDocument& doc, const store::OrderRecord& order) {
    Poco::JSON::Object before(Poco::JSON_PRESERVE_KEY_ORDER);
    before.set("state", order.state);
    before.set("chain", order.chain);
    before.set("chain_version", order.chainVersion);
    before.set("current_step", order.currentStep);
    return doc.set("/return/order_before", stringify(before)) == document::Status::Ok;
}

std::string settle(const ReadyChain& chain, store::OrderRecord& updated, const store::StepRunRecord& run) {
    if (chain.definition.trigger != "return_order") return {};
    const bool badEnd = endsBadly(updated.state) || endsBadly(updated.compensateTo);
    if (!badEnd && updated.state != states::kReturned) return {};
    auto parsed = document::JsonDocument::parse(updated.document);
    std::string ignored;
    if (!parsed.ok() || parsed.document->getJson("/return/order_before", ignored) != document::Status::Ok) return {};
    document::JsonDocument& doc = *parsed.document;

    std::string recorded;
    if (badEnd && doc.getJson("/return/failure", ignored) != document::Status::Ok) {
        Poco::JSON::Object failure(Poco::JSON_PRESERVE_KEY_ORDER);
        failure.set("step", run.stepName);
        failure.set("outcome", run.outcome);
        failure.set("code", run.code);
        failure.set("message", run.message.substr(0, 1000));
        if (doc.set("/return/failure", stringify(failure)) != document::Status::Ok) return {};
        recorded = "failure";
    }
    store::OrderRecord settled = updated;
    if (updated.state == states::kReturned) {
        recorded = states::kReturned;
    } else if (endsBadly(updated.state)) {
        recorded = updated.state == states::kRejected ? "refused" : "failed";
        if (!restoreOrderBefore(doc, settled)) return {};
    }
    if (recorded.empty()) return {};  // compensating on: the failure is already recorded
    if (recorded != "failure" &&
        (doc.set("/return/status", "\"" + recorded + "\"") != document::Status::Ok ||
         doc.set("/return/settled_at", std::to_string(run.finishedAtMs)) != document::Status::Ok ||
         doc.remove("/return/order_before") != document::Status::Ok))
        return {};
    settled.document = doc.toJson();
    updated = std::move(settled);
    return recorded;
}

}  // namespace orderhost::engine::returns

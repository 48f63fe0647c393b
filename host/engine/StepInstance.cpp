#include "host/engine/StepInstance.h"

#include <spdlog/spdlog.h>

namespace orderhost::engine {
namespace {

oh_str str(const std::string& s) { return oh_str{s.data(), s.size()}; }

services::ReportedOutcome failure(std::string code, std::string message) {
    services::ReportedOutcome outcome;
    outcome.kind = OH_OUTCOME_FAIL;
    outcome.code = std::move(code);
    outcome.message = std::move(message);
    return outcome;
}

services::ReportedOutcome retry(std::string code, std::string message) {
    services::ReportedOutcome outcome = failure(std::move(code), std::move(message));
    outcome.kind = OH_OUTCOME_RETRY;
    return outcome;
}

bool isKnownOutcome(oh_outcome_kind kind) {
    return kind >= OH_OUTCOME_CONTINUE && kind <= OH_OUTCOME_FAIL;
}

}  // namespace

StepInstance::StepInstance(const plugins::LoadedPlugin& plugin, const oh_step_kind& kind,
                           const chains::StepDefinition& definition, const std::string& chainName,
                           services::Clock clock)
    : kind_(kind),
      definition_(definition),
      chainName_(chainName),
      pluginId_(plugin.manifest.id),
      clock_(std::move(clock)),
      threadSafe_((kind.flags & OH_STEP_THREAD_SAFE) != 0) {
    auto parsed = document::JsonDocument::parse(definition.configJson);
    if (!parsed.ok()) throw StepCreateError("the step's config is not valid JSON: " + parsed.error->toString());
    config_ = std::move(*parsed.document);
    oh_context ctx = makeContext(nullptr, {});
    const oh_create_args args{sizeof(oh_create_args), &ctx, str(chainName_), str(definition_.name),
                              str(definition_.configJson)};
    const oh_status status = kind_.create(&args, &instance_);
    if (status != OH_STATUS_OK) {
        const std::string why = ctx.error.empty() ? "create() returned status " + std::to_string(status)
                                                  : ctx.error;
        throw StepCreateError("plugin " + pluginId_ + " refused the step: " + why);
    }
}

StepInstance::~StepInstance() {
    if (instance_ != nullptr) kind_.destroy(instance_);
}

oh_context StepInstance::makeContext(document::JsonDocument* order, const std::string& orderId) const {
    oh_context ctx;
    ctx.identity = {pluginId_, chainName_, definition_.name, orderId};
    ctx.config = &config_;
    ctx.order = order;
    ctx.clock = clock_;
    return ctx;
}

services::ReportedOutcome StepInstance::run(document::JsonDocument& order, const StepCallInfo& info) {
    return call(kind_.run, "run()", order, info);
}

services::ReportedOutcome StepInstance::compensate(document::JsonDocument& order, const StepCallInfo& info) {
    if (kind_.compensate == nullptr) return services::ReportedOutcome{};  // nothing to undo
    return call(kind_.compensate, "compensate()", order, info);
}

services::ReportedOutcome StepInstance::call(oh_status (*function)(void*, const oh_step_call*), const char* name,
                                             document::JsonDocument& order, const StepCallInfo& info) {
    oh_context ctx = makeContext(&order, info.orderId);
    ctx.transaction = info.transaction;
    ctx.datasources = info.datasources;
    ctx.abandoned = info.abandoned;
    const oh_step_call call{sizeof(oh_step_call), &ctx,         str(info.orderId),
                            str(chainName_),      str(definition_.name), info.attempt,
                            str(info.idempotencyKey), info.deadlineMs};
    oh_status status;
    if (threadSafe_) {
        status = function(instance_, &call);
    } else {
        std::lock_guard<std::mutex> lock(callMutex_);
        status = function(instance_, &call);
    }
    services::ReportedOutcome result = outcomeOf(status, name, ctx);
    result.events = std::move(ctx.events);
    return result;
}

services::ReportedOutcome StepInstance::outcomeOf(oh_status status, const char* name, oh_context& ctx) const {
    const std::string said = ctx.error.empty() ? std::string(name) + " returned status " + std::to_string(status)
                                               : ctx.error;
    if (status == OH_STATUS_RETRYABLE) return retry("plugin_retryable", said);  // transient: retry policy applies
    if (status != OH_STATUS_OK) return failure("plugin_error", said);
    if (!ctx.unreadableOutcome.empty()) {
        spdlog::warn("[{}] chain={} step={} order={}: {}: FAIL", pluginId_, chainName_, definition_.name,
                     ctx.identity.orderId, ctx.unreadableOutcome);
        return failure("unreadable_outcome", ctx.unreadableOutcome);
    }
    if (!ctx.outcome) {
        spdlog::debug("[{}] chain={} step={} order={}: {} returned OK without reporting an outcome: CONTINUE",
                      pluginId_, chainName_, definition_.name, ctx.identity.orderId, name);
        return services::ReportedOutcome{};
    }
    if (!isKnownOutcome(ctx.outcome->kind)) {
        return failure("unknown_outcome", "the plugin reported outcome kind " +
                                              std::to_string(ctx.outcome->kind));
    }
    return std::move(*ctx.outcome);
}

}  // namespace orderhost::engine

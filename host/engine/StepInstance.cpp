#include "host/engine/StepInstance.h"

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
    const oh_step_call call{sizeof(oh_step_call), &ctx,         str(info.orderId),
                            str(chainName_),      str(definition_.name), info.attempt,
                            str(info.idempotencyKey), 0 /* deadline_ms: not yet set */};
    oh_status status;
    if (threadSafe_) {
        status = function(instance_, &call);
    } else {
        std::lock_guard<std::mutex> lock(callMutex_);
        status = function(instance_, &call);
    }
    if (status != OH_STATUS_OK) {
        return failure("plugin_error", ctx.error.empty()
                                           ? std::string(name) + " returned status " + std::to_string(status)
                                           : ctx.error);
    }
    if (!ctx.outcome) return services::ReportedOutcome{};  // no report means CONTINUE
    if (!isKnownOutcome(ctx.outcome->kind)) {
        return failure("unknown_outcome", "the plugin reported outcome kind " +
                                              std::to_string(ctx.outcome->kind));
    }
    return *ctx.outcome;
}

}  // namespace orderhost::engine

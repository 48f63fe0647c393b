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

bool isKnownOutcome(oh_outcome_kind kind) { return kind >= OH_OUTCOME_CONTINUE && kind <= OH_OUTCOME_FAIL; }

}  // namespace

StepInstance::StepInstance(const plugins::LoadedPlugin& plugin, const oh_step_kind& kind,
                           const chains::StepDefinition& definition, const std::string& chainName,
                           services::Clock clock)
    : kind_(&kind),
      definition_(definition),
      chainName_(chainName),
      pluginId_(plugin.manifest.id),
      pluginFile_(plugin.manifest.file),
      clock_(std::move(clock)),
      threadSafe_((kind.flags & OH_STEP_THREAD_SAFE) != 0),
      canCompensate_(kind.compensate != nullptr),
      reachesOutside_((kind.flags & OH_STEP_NO_EXTERNAL_EFFECTS) == 0 || plugin.manifest.abiMinor < 1),
      // Only a plugin built against 1.2 or later knows the bit (and can tell a quote by mode).
      answersQuotes_((kind.flags & OH_STEP_ANSWERS_QUOTES) != 0 && plugin.manifest.abiMinor >= 2) {
    parseConfig();
    oh_context ctx = makeContext(nullptr, {});
    const oh_create_args args{sizeof(oh_create_args), &ctx, str(chainName_), str(definition_.name),
                              str(definition_.configJson)};
    const oh_status status = kind_->create(&args, &instance_);
    if (status != OH_STATUS_OK) {
        const std::string why = ctx.error.empty() ? "create() returned status " + std::to_string(status) : ctx.error;
        throw StepCreateError("plugin " + pluginId_ + " (" + pluginFile_ + ") refused the step: " + why);
    }
}

StepInstance::StepInstance(const plugins::LoadedPlugin& plugin, const plugins::StepKindManifest& kind,
                           const chains::StepDefinition& definition, const std::string& chainName,
                           services::Clock clock)
    : definition_(definition),
      chainName_(chainName),
      pluginId_(plugin.manifest.id),
      pluginFile_(plugin.manifest.file),
      clock_(std::move(clock)),
      isolated_(plugin.isolated),
      threadSafe_((kind.flags & OH_STEP_THREAD_SAFE) != 0),
      canCompensate_(kind.canCompensate),
      reachesOutside_((kind.flags & OH_STEP_NO_EXTERNAL_EFFECTS) == 0 || plugin.manifest.abiMinor < 1),
      answersQuotes_((kind.flags & OH_STEP_ANSWERS_QUOTES) != 0 && plugin.manifest.abiMinor >= 2) {
    parseConfig();
    isolatedSpec_ = {isolated_->newInstanceId(), kind.name, chainName_, definition_.name, definition_.configJson};
    oh_context ctx = makeContext(nullptr, {});
    const isolation::CallResult created = isolated_->create(isolatedSpec_, &ctx);
    if (!created.done)
        throw StepCreateError("plugin " + pluginId_ + " (" + pluginFile_ +
                              ") could not create the step: " + created.message);
    if (created.status != OH_STATUS_OK) {
        const std::string why =
            ctx.error.empty() ? "create() returned status " + std::to_string(created.status) : ctx.error;
        throw StepCreateError("plugin " + pluginId_ + " (" + pluginFile_ + ") refused the step: " + why);
    }
}

StepInstance::~StepInstance() {
    if (isolated_)
        isolated_->destroy(isolatedSpec_);
    else if (instance_ != nullptr)
        kind_->destroy(instance_);
}

void StepInstance::parseConfig() {
    auto parsed = document::JsonDocument::parse(definition_.configJson);
    if (!parsed.ok()) throw StepCreateError("the step's config is not valid JSON: " + parsed.error->toString());
    config_ = std::move(*parsed.document);
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
    return call(false, order, info);
}

services::ReportedOutcome StepInstance::compensate(document::JsonDocument& order, const StepCallInfo& info) {
    if (!canCompensate_) return services::ReportedOutcome{};  // nothing to undo
    return call(true, order, info);
}

services::ReportedOutcome StepInstance::call(bool compensate, document::JsonDocument& order, const StepCallInfo& info) {
    const char* name = compensate ? "compensate()" : "run()";
    oh_context ctx = makeContext(&order, info.orderId);
    ctx.transaction = info.transaction;
    ctx.datasources = info.datasources;
    ctx.abandoned = info.abandoned;
    const oh_step_call call{OH_SIZE_1_2_STEP_CALL,
                            &ctx,
                            str(info.orderId),
                            str(chainName_),
                            str(definition_.name),
                            info.attempt,
                            str(info.idempotencyKey),
                            info.deadlineMs,
                            info.quoting ? OH_CALL_QUOTE : OH_CALL_RUN};
    oh_status status = OH_STATUS_OK;
    std::unique_lock<std::mutex> lock(callMutex_, std::defer_lock);
    if (!threadSafe_) lock.lock();
    if (isolated_) {
        if (auto failed = callIsolated(compensate, ctx, info, status)) return std::move(*failed);
    } else {
        status = (compensate ? kind_->compensate : kind_->run)(instance_, &call);
    }
    if (lock.owns_lock()) lock.unlock();
    services::ReportedOutcome result = outcomeOf(status, name, ctx);
    result.events = std::move(ctx.events);
    return result;
}

std::optional<services::ReportedOutcome> StepInstance::callIsolated(bool compensate, oh_context& ctx,
                                                                    const StepCallInfo& info, oh_status& status) {
    // No deadline of its own: the runner sets `abandoned` when timeout_ms passes, and the
    // worker is killed then (a call without a runner, as in tests, waits for the answer).
    const auto deadline = isolation::WorkerProcess::Deadline::max();
    const std::string request = isolation::callRequest(compensate, isolatedSpec_.id, info.orderId, info.attempt,
                                                       info.idempotencyKey, info.deadlineMs, info.quoting);
    const isolation::CallResult result = isolated_->call(
        isolatedSpec_, [this] { return makeContext(nullptr, {}); }, request, &ctx, deadline, info.abandoned);
    if (result.done) {
        status = result.status;
        return std::nullopt;
    }
    spdlog::error("[{}] chain={} step={} order={}: {} ({})", pluginId_, chainName_, definition_.name, info.orderId,
                  result.message, result.code);
    return retry(result.code, result.message);  // the chain's retry and failure policy apply
}

services::ReportedOutcome StepInstance::outcomeOf(oh_status status, const char* name, oh_context& ctx) const {
    const std::string said =
        ctx.error.empty() ? std::string(name) + " returned status " + std::to_string(status) : ctx.error;
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
        return failure("unknown_outcome", "the plugin reported outcome kind " + std::to_string(ctx.outcome->kind));
    }
    return std::move(*ctx.outcome);
}

}  // namespace orderhost::engine

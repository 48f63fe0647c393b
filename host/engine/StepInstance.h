// One configured step of a chain, bound to the plugin that implements it.
//
// Owns the plugin's instance (create() at construction, destroy() at destruction) and turns
// one C call into a host-side ReportedOutcome. This is the only place that calls a step
// kind's function pointers, so the ABI's thread contract is kept here: unless the step kind
// declares OH_STEP_THREAD_SAFE, calls into one instance are serialized by a mutex.
//
// A step of an isolated plugin (plugins.isolate) has no function pointers in this process:
// the same calls go to the plugin's worker processes (host/isolation/IsolatedPlugin.h) with
// the same oh_context, so everything after the call (outcome, cleaning, events) is shared.
// A worker that crashed, hung past the deadline or broke the protocol makes the attempt a
// RETRY with code plugin_worker_crashed, timeout or plugin_worker_protocol.
#pragma once

#include "host/chains/ChainDefinition.h"
#include "host/document/JsonDocument.h"
#include "host/isolation/IsolatedPlugin.h"
#include "host/plugins/PluginLibrary.h"
#include "host/services/CallContext.h"

#include <orderhost/plugin_api.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

namespace orderhost::engine {

// create() refused the step (bad config, plugin error); message says why.
class StepCreateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Per-call facts about the order that the plugin sees in oh_step_call.
struct StepCallInfo {
    std::string orderId;
    std::uint32_t attempt = 1;
    std::string idempotencyKey;
    // The orderhost.db extension's databases for this call (not owned; nullptr: none).
    // `transaction` is this attempt's transaction on the host's database: plugin statements
    // on datasource "orderhost" run in it, and the runner commits it with the checkpoint.
    store::StepTransaction* transaction = nullptr;
    store::Datasources* datasources = nullptr;  // named datasources, autocommit
    // oh_step_call.deadline_ms (host clock; 0: none), and the flag the runner sets when it
    // stops waiting (owned by the runner's call state; nullptr: never abandoned).
    std::int64_t deadlineMs = 0;
    const std::atomic<bool>* abandoned = nullptr;
    // oh_step_call.mode is OH_CALL_QUOTE (ABI 1.2): a what-if run for POST /v1/quotes.
    bool quoting = false;
};

class StepInstance {
public:
    StepInstance(const plugins::LoadedPlugin& plugin, const oh_step_kind& kind,
                 const chains::StepDefinition& definition, const std::string& chainName, services::Clock clock);
    // A step of an isolated plugin (plugin.isolated is set): create() runs in a worker.
    StepInstance(const plugins::LoadedPlugin& plugin, const plugins::StepKindManifest& kind,
                 const chains::StepDefinition& definition, const std::string& chainName, services::Clock clock);
    ~StepInstance();
    StepInstance(const StepInstance&) = delete;
    StepInstance& operator=(const StepInstance&) = delete;

    // Runs the step on `order` (which the plugin may modify). Never throws for plugin
    // misbehaviour: OH_STATUS_RETRYABLE becomes a RETRY outcome; any other failing status,
    // an unknown outcome kind or an unreadable oh_outcome a FAIL outcome.
    services::ReportedOutcome run(document::JsonDocument& order, const StepCallInfo& info);

    // Undoes a completed run (compensation). A kind without compensate() reports CONTINUE.
    services::ReportedOutcome compensate(document::JsonDocument& order, const StepCallInfo& info);
    bool canCompensate() const { return canCompensate_; }
    // The kind does not promise OH_STEP_NO_EXTERNAL_EFFECTS: a call may act outside the host's
    // database (a gateway, a carrier), which a RETRY does not roll back.
    bool reachesOutside() const { return reachesOutside_; }
    // The step kind sets OH_STEP_ANSWERS_QUOTES: run() may be called in quote mode.
    bool answersQuotes() const { return answersQuotes_; }

    const chains::StepDefinition& definition() const { return definition_; }
    const std::string& pluginId() const { return pluginId_; }

private:
    void parseConfig();
    oh_context makeContext(document::JsonDocument* order, const std::string& orderId) const;
    services::ReportedOutcome call(bool compensate, document::JsonDocument& order, const StepCallInfo& info);
    // The call in a worker process; a worker failure is the outcome (RETRY), else nothing.
    std::optional<services::ReportedOutcome> callIsolated(bool compensate, oh_context& ctx, const StepCallInfo& info,
                                                          oh_status& status);
    // What a finished call amounts to: its status, then what it reported through ctx.
    services::ReportedOutcome outcomeOf(oh_status status, const char* name, oh_context& ctx) const;

    const oh_step_kind* kind_ = nullptr;  // in-process only
    chains::StepDefinition definition_;
    std::string chainName_;
    std::string pluginId_;
    std::string pluginFile_;  // named in create() refusals: an administrator finds the build
    services::Clock clock_;
    document::JsonDocument config_;
    void* instance_ = nullptr;
    std::shared_ptr<isolation::IsolatedPlugin> isolated_;  // isolated only, with:
    isolation::InstanceSpec isolatedSpec_;
    bool threadSafe_ = false;
    bool canCompensate_ = false;
    bool reachesOutside_ = true;
    bool answersQuotes_ = false;
    std::mutex callMutex_;
};

}  // namespace orderhost::engine

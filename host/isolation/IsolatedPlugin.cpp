#include "host/isolation/IsolatedPlugin.h"

#include "host/plugins/PluginLibrary.h"
#include "host/services/CallContext.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace orderhost::isolation {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long destroy() may take in a worker before the worker is killed instead.
constexpr auto kDestroyTimeout = std::chrono::seconds(2);

}  // namespace

IsolatedPlugin::IsolatedPlugin(std::filesystem::path file, IsolationSettings settings)
    : file_(std::filesystem::absolute(file).lexically_normal().string()), settings_(std::move(settings)) {
    if (settings_.processesPerPlugin == 0) settings_.processesPerPlugin = 1;
    for (std::size_t i = 0; i < settings_.processesPerPlugin; ++i) {
        // The id is not known before the first Hello: the file names the plugin until then.
        const std::string& loadFrom = settings_.loadFrom.empty() ? file_ : settings_.loadFrom;
        workers_.push_back(std::make_unique<WorkerProcess>(settings_.workerBinary, loadFrom, file_));
        busy_.push_back(false);
    }
}

std::shared_ptr<IsolatedPlugin> IsolatedPlugin::start(const std::filesystem::path& file, IsolationSettings settings) {
    std::shared_ptr<IsolatedPlugin> plugin(new IsolatedPlugin(file, std::move(settings)));
    plugin->hello_ = plugin->workers_[0]->start(plugin->settings_.startTimeout);
    if (!plugin->hello_.accepted) throw plugins::PluginRefused(plugin->file_, plugin->hello_.refusal);
    plugin->hello_.manifest.file = plugin->file_;
    // From now on log lines and failures name the plugin by its id.
    for (auto& worker : plugin->workers_) worker->setPluginId(plugin->hello_.manifest.id);
    return plugin;
}

std::uint64_t IsolatedPlugin::newInstanceId() {
    std::lock_guard<std::mutex> lock(mutex_);
    return nextInstanceId_++;
}

int IsolatedPlugin::acquire(WorkerProcess::Deadline deadline, const std::atomic<bool>* abandoned, int wanted) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        for (std::size_t i = 0; i < busy_.size(); ++i) {
            if (!busy_[i] && (wanted < 0 || static_cast<std::size_t>(wanted) == i)) {
                busy_[i] = true;
                return static_cast<int>(i);
            }
        }
        if (abandoned != nullptr && abandoned->load(std::memory_order_acquire)) return -1;
        if (SteadyClock::now() >= deadline) return -1;
        // Short waits: `abandoned` is set by another thread without notifying us.
        freed_.wait_for(lock, std::chrono::milliseconds(10));
    }
}

void IsolatedPlugin::release(int index) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        busy_[static_cast<std::size_t>(index)] = false;
    }
    freed_.notify_one();
}

std::optional<CallResult> IsolatedPlugin::ensureRunning(WorkerProcess& worker) {
    if (worker.running()) return std::nullopt;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto now = SteadyClock::now();
        if (failedStarts_ > 0 && now < restartAllowed_) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(restartAllowed_ - now).count();
            return CallResult{false, OH_STATUS_INTERNAL_ERROR, "plugin_worker_start_failed",
                              "the worker of plugin " + hello_.manifest.id + " (" + file_ + ") failed to start " +
                                  std::to_string(failedStarts_) + " time(s) in a row; next try in " +
                                  std::to_string(left) + " ms (last failure: " + lastStartFailure_ + ")"};
        }
    }
    const WorkerHello hello = worker.start(settings_.startTimeout);
    if (hello.accepted && hello.manifest.id == hello_.manifest.id) return std::nullopt;  // a success once it serves
    return startFailed(hello.accepted ? "the file now holds plugin " + hello.manifest.id : hello.refusal);
}

CallResult IsolatedPlugin::startFailed(const std::string& why) {
    std::string problem;
    std::chrono::milliseconds backoff{0};
    int failures = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        failures = ++failedStarts_;
        backoff = settings_.restartBackoff;
        for (int i = 1; i < failures && backoff < settings_.restartBackoffMax; ++i) backoff *= 2;
        backoff = std::min(backoff, settings_.restartBackoffMax);
        restartAllowed_ = SteadyClock::now() + backoff;
        lastStartFailure_ = why;
    }
    problem = "the worker of plugin " + hello_.manifest.id + " (" + file_ + ") failed to start " +
              std::to_string(failures) + " time(s) in a row: " + why +
              "; its steps fail until it starts (next try in " + std::to_string(backoff.count()) + " ms)";
    spdlog::error("{}", problem);
    if (settings_.healthReport) settings_.healthReport("plugin-worker:" + hello_.manifest.id, problem);
    return CallResult{false, OH_STATUS_INTERNAL_ERROR, "plugin_worker_start_failed",
                      "cannot restart the worker of plugin " + hello_.manifest.id + " (" + file_ + "): " + why};
}

void IsolatedPlugin::startSucceeded() {
    int failures = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        failures = failedStarts_;
        failedStarts_ = 0;
    }
    if (failures == 0) return;
    spdlog::info("the worker of plugin {} ({}) started again after {} failed start(s)", hello_.manifest.id, file_,
                 failures);
    if (settings_.healthReport) settings_.healthReport("plugin-worker:" + hello_.manifest.id, "");
}

CallResult IsolatedPlugin::create(const InstanceSpec& spec, oh_context* ctx) {
    const auto deadline = SteadyClock::now() + settings_.startTimeout;
    const int index = acquire(deadline, nullptr);
    if (index < 0) return CallResult{false, OH_STATUS_INTERNAL_ERROR, "timeout", "no free worker to create the step"};
    WorkerProcess& worker = *workers_[static_cast<std::size_t>(index)];
    std::optional<CallResult> failed = ensureRunning(worker);
    CallResult result = failed ? *failed
                               : worker.call(createRequest(spec.id, spec.kind, spec.chain, spec.step, spec.configJson),
                                             ctx, deadline, nullptr);
    if (result.done && result.status == OH_STATUS_OK) worker.instances().insert(spec.id);
    release(index);
    return result;
}

CallResult IsolatedPlugin::call(const InstanceSpec& spec, const std::function<oh_context()>& createContext,
                                const std::string& request, oh_context* ctx, WorkerProcess::Deadline deadline,
                                const std::atomic<bool>* abandoned) {
    const int index = acquire(deadline, abandoned);
    if (index < 0)
        return CallResult{false, OH_STATUS_INTERNAL_ERROR, "timeout",
                          "every worker of plugin " + hello_.manifest.id + " stayed busy until the deadline"};
    WorkerProcess& worker = *workers_[static_cast<std::size_t>(index)];
    const bool fresh = !worker.running();
    std::optional<CallResult> failed = ensureRunning(worker);
    if (!failed && worker.instances().count(spec.id) == 0) {
        // A new or restarted worker: make the instance again, from the step's own config.
        oh_context createCtx = createContext();
        CallResult created = worker.call(createRequest(spec.id, spec.kind, spec.chain, spec.step, spec.configJson),
                                         &createCtx, deadline, abandoned);
        if (created.done && created.status == OH_STATUS_OK) {
            worker.instances().insert(spec.id);
        } else if (created.done) {
            failed = CallResult{
                false, OH_STATUS_INTERNAL_ERROR, "plugin_worker_start_failed",
                "create() refused the step in a new worker of plugin " + hello_.manifest.id + ": " +
                    (createCtx.error.empty() ? "status " + std::to_string(created.status) : createCtx.error)};
        } else if (fresh && created.code == "plugin_worker_crashed") {
            failed = startFailed(created.message);  // died in create() right after starting: a failed start
        } else {
            failed = created;
        }
    }
    CallResult result = failed ? *failed : worker.call(request, ctx, deadline, abandoned);
    if (fresh && !failed) startSucceeded();
    release(index);
    return result;
}

void IsolatedPlugin::destroy(const InstanceSpec& spec) {
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        const int index = acquire(SteadyClock::now() + kDestroyTimeout, nullptr, static_cast<int>(i));
        if (index < 0) continue;  // still busy: the process ends with the host anyway
        WorkerProcess& worker = *workers_[static_cast<std::size_t>(index)];
        if (worker.running() && worker.instances().erase(spec.id) != 0) {
            worker.call(destroyRequest(spec.id), nullptr, SteadyClock::now() + kDestroyTimeout, nullptr);
        }
        release(index);
    }
}

std::size_t IsolatedPlugin::runningProcesses() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t running = 0;
    for (const auto& worker : workers_) running += worker->running() ? 1 : 0;
    return running;
}

}  // namespace orderhost::isolation

// A plugin the host runs out of process (plugins.isolate): a fixed pool of worker processes
// for one plugin file, and the step instances created in them.
//
//   auto plugin = IsolatedPlugin::start("/plugins/libvendor.so", {workerBinary, 1});  // PluginRefused
//   InstanceSpec spec{plugin->newInstanceId(), "reserve", "place-order", "reserve", "{}"};
//   CallResult created = plugin->create(spec, &createCtx);
//   CallResult ran = plugin->call(spec, makeCreateContext, callRequest(false, spec.id, ...),
//                                 &ctx, deadline, &abandoned);
//
// Each process runs one call at a time; a caller waits for a free one (bounded by its own
// deadline). A process that died or was killed is started again by the next call that gets
// it, and the instances that call needs are created again in it with their config, so a
// crash costs the attempt that was running and nothing else. The host never loads the
// library itself: the manifest and migrations come from the first worker's Hello.
//
// A worker that cannot be started again (the plugin aborts while loading or in create(), the
// file was replaced by a broken one) would otherwise be re-spawned by every call, in a tight
// loop under load. Restarts therefore back off: after the n-th failed start in a row, no start
// is tried for min(restartBackoff * 2^(n-1), restartBackoffMax), and calls meanwhile fail at
// once with plugin_worker_start_failed (the step's retry policy applies). The plugin is
// reported unhealthy through `healthReport` (GET /v1/health) and logged, once per failed
// start; the first start that succeeds clears both.
//
// Thread-safe.
#pragma once

#include "host/isolation/WorkerProcess.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace orderhost::isolation {

struct IsolationSettings {
    std::string workerBinary;            // the orderhost-plugin-worker executable
    std::size_t processesPerPlugin = 1;  // plugins.isolate_workers
    std::chrono::milliseconds startTimeout = std::chrono::seconds(10);
    std::chrono::milliseconds restartBackoff{250};       // plugins.isolate_restart_backoff_ms
    std::chrono::milliseconds restartBackoffMax{30000};  // plugins.isolate_restart_backoff_max_ms
    // Called with (key, problem) when the plugin's worker failed to start, and with (key, "")
    // when it starts again. May be empty. Called from the calling thread, under no lock.
    std::function<void(const std::string& key, const std::string& problem)> healthReport{};
    // What the workers load when it is not the file itself: with plugins.pins, the host's
    // sealed copy of the pinned bytes (/proc/<host pid>/fd/N). Messages still name the file.
    std::string loadFrom{};
};

// What a step instance is made from, kept so that a restarted worker can make it again.
struct InstanceSpec {
    std::uint64_t id = 0;
    std::string kind;
    std::string chain;
    std::string step;
    std::string configJson;
};

class IsolatedPlugin {
public:
    // Starts the first worker and reads the plugin's manifest from it. Throws
    // plugins::PluginRefused (naming the file) when the worker cannot load the plugin.
    static std::shared_ptr<IsolatedPlugin> start(const std::filesystem::path& file, IsolationSettings settings);

    const plugins::PluginManifest& manifest() const { return hello_.manifest; }
    const std::optional<plugins::DeclaredMigrations>& migrations() const { return hello_.migrations; }
    std::uint64_t newInstanceId();

    // create() of a new instance in one worker (the others create it when they first need it).
    CallResult create(const InstanceSpec& spec, oh_context* ctx);

    // Runs `request` (callRequest()) on a free worker, after (re)starting it and (re)creating
    // the instance there with a context from `createContext` when needed. Waits for a free
    // worker at most until `deadline` / `abandoned`.
    CallResult call(const InstanceSpec& spec, const std::function<oh_context()>& createContext,
                    const std::string& request, oh_context* ctx, WorkerProcess::Deadline deadline,
                    const std::atomic<bool>* abandoned);

    // destroy() of the instance in every worker that has it (bounded wait; a worker that does
    // not answer is killed).
    void destroy(const InstanceSpec& spec);

    // Worker processes running now (for tests and health).
    std::size_t runningProcesses() const;

private:
    IsolatedPlugin(std::filesystem::path file, IsolationSettings settings);
    // A free worker's index (`wanted`, or any when -1), or -1 when `deadline` / `abandoned`
    // came first.
    int acquire(WorkerProcess::Deadline deadline, const std::atomic<bool>* abandoned, int wanted = -1);
    void release(int index);
    // Starts `worker` if it is not running (unless restarts are backed off); a failure is the
    // call's result.
    std::optional<CallResult> ensureRunning(WorkerProcess& worker);
    // Bookkeeping of (re)starts: a failure backs the next one off, a success ends that.
    CallResult startFailed(const std::string& why);
    void startSucceeded();

    std::string file_;
    IsolationSettings settings_;
    WorkerHello hello_;
    mutable std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<std::unique_ptr<WorkerProcess>> workers_;
    std::vector<bool> busy_;
    std::uint64_t nextInstanceId_ = 1;
    // Guarded by mutex_: failed starts in a row, and no start before restartAllowed_.
    int failedStarts_ = 0;
    std::chrono::steady_clock::time_point restartAllowed_{};
    std::string lastStartFailure_;
};

}  // namespace orderhost::isolation

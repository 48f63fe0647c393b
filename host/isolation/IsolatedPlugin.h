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
    // Starts `worker` if it is not running; a failure is the call's result.
    std::optional<CallResult> ensureRunning(WorkerProcess& worker);

    std::string file_;
    IsolationSettings settings_;
    WorkerHello hello_;
    mutable std::mutex mutex_;
    std::condition_variable freed_;
    std::vector<std::unique_ptr<WorkerProcess>> workers_;
    std::vector<bool> busy_;
    std::uint64_t nextInstanceId_ = 1;
};

}  // namespace orderhost::isolation

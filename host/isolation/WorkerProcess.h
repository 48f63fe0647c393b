// One orderhost-plugin-worker process, seen from the host: start it, send it one request at a
// time, serve the plugin's service calls while it works, and kill it when it hangs.
//
//   WorkerProcess worker("/usr/bin/orderhost-plugin-worker", "/plugins/libvendor.so", "com.vendor.x");
//   WorkerHello hello = worker.start(std::chrono::seconds(10));   // manifest, migrations
//   CallResult r = worker.call(runRequest, &ctx, deadline, &abandoned);
//   if (!r.done) ... r.code is plugin_worker_crashed | timeout | plugin_worker_protocol
//
// After any result that is not `done`, the process is gone (it died, or was killed and
// reaped): running() is false and start() makes a new one. Not thread-safe: one call at a
// time (IsolatedPlugin hands processes out one caller at a time).
#pragma once

#include "host/plugins/MigrationDeclarations.h"
#include "host/plugins/PluginManifest.h"

#include <orderhost/plugin_api.h>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace orderhost::isolation {

struct WorkerHello {
    bool accepted = false;
    std::string refusal;  // when not accepted: why the plugin was refused
    plugins::PluginManifest manifest;
    std::optional<plugins::DeclaredMigrations> migrations;
};

struct CallResult {
    bool done = false;  // the worker answered: `status` is the plugin's
    oh_status status = OH_STATUS_OK;
    std::string code;     // when not done
    std::string message;  // when not done: what happened, naming plugin file and signal
};

class WorkerProcess {
public:
    using Deadline = std::chrono::steady_clock::time_point;

    WorkerProcess(std::string workerBinary, std::string pluginFile, std::string pluginId);
    ~WorkerProcess();  // lets the worker go (closes its socket), killing it if it lingers
    WorkerProcess(const WorkerProcess&) = delete;
    WorkerProcess& operator=(const WorkerProcess&) = delete;

    // Starts the process and reads its Hello. On failure (cannot start, died, timed out) the
    // hello is not accepted and says why; the process is then gone.
    WorkerHello start(std::chrono::milliseconds timeout);
    bool running() const { return pid_.load() > 0; }
    pid_t pid() const { return pid_.load(); }
    // Names the plugin in log lines and failures (its id, once the first Hello told it).
    void setPluginId(std::string id) { pluginId_ = std::move(id); }

    // Sends `request` and serves the plugin's service requests with `ctx` until the worker
    // says Done. Gives up, kills the worker and answers code "timeout" at `deadline` or as
    // soon as `abandoned` is set.
    CallResult call(const std::string& request, oh_context* ctx, Deadline deadline, const std::atomic<bool>* abandoned);

    // Instance ids created in the current process (cleared when it goes away).
    std::set<std::uint64_t>& instances() { return instances_; }

private:
    CallResult died(const std::string& during);
    CallResult killed(std::string code, std::string message);
    void killAndReap();
    void closeSocket();

    std::string workerBinary_;
    std::string pluginFile_;
    std::string pluginId_;
    std::atomic<pid_t> pid_{-1};  // read by runningProcesses() from other threads
    int fd_ = -1;
    std::set<std::uint64_t> instances_;
};

// Frames of the host's requests (WorkerFrames.h).
std::string createRequest(std::uint64_t instance, const std::string& kind, const std::string& chain,
                          const std::string& step, const std::string& configJson);
std::string callRequest(bool compensate, std::uint64_t instance, const std::string& orderId, std::uint32_t attempt,
                        const std::string& idempotencyKey, std::int64_t deadlineMs, bool quoting = false);
std::string destroyRequest(std::uint64_t instance);

// "signal 11 (Segmentation fault)", "exit status 3": how a waitpid() status ended a process.
std::string describeExitStatus(int status);

}  // namespace orderhost::isolation

#include "host/isolation/WorkerProcess.h"

#include "host/isolation/ServiceRelay.h"
#include "host/isolation/WorkerFrames.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace orderhost::isolation {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How long a worker that was let go (socket closed) may take to exit before it is killed.
constexpr auto kExitGrace = std::chrono::milliseconds(500);

plugins::DeclaredMigrations readMigrations(FrameReader& hello) {
    plugins::DeclaredMigrations declared;
    declared.datasource = hello.str();
    const std::uint32_t count = hello.u32();
    for (std::uint32_t i = 0; i < count; ++i) {
        plugins::DeclaredMigration m;
        m.version = static_cast<int>(hello.u32());
        m.description = hello.str();
        m.sql = hello.str();
        m.sqlSqlite = hello.str();
        m.sqlPostgresql = hello.str();
        declared.migrations.push_back(std::move(m));
    }
    return declared;
}

WorkerHello readHello(const std::string& body) {
    FrameReader reader(body);
    if (reader.op() != Op::Hello) throw FrameError("the first message is not Hello");
    WorkerHello hello;
    hello.accepted = reader.u8() != 0;
    if (!hello.accepted) {
        hello.refusal = reader.str();
        return hello;
    }
    hello.manifest = plugins::PluginManifest::fromJson(reader.str());
    if (reader.u8() != 0) hello.migrations = readMigrations(reader);
    return hello;
}

// Spawns the worker with its end of the socket on kWorkerSocketFd. posix_spawn, not fork: the
// host has many threads, and a forked copy of it must not run anything before exec.
pid_t spawnWorker(const std::string& binary, const std::string& pluginFile, int childEnd, std::string& problem) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, childEnd, kWorkerSocketFd);  // clears close-on-exec
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // Nothing else of the host's: Poco opens its sockets without close-on-exec, and a worker
    // holding the HTTP port or a client's connection would outlive their closing in the host.
    posix_spawn_file_actions_addclosefrom_np(&actions, kWorkerSocketFd + 1);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // The host blocks its stop signals and ignores others; a plugin's SIGSEGV must kill the
    // worker the default way, so that the host sees the plugin's own signal.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    std::string argv0 = binary, argv1 = pluginFile;
    char* argv[] = {argv0.data(), argv1.data(), nullptr};
    pid_t pid = -1;
    const int error = ::posix_spawn(&pid, binary.c_str(), &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
        problem = "cannot start " + binary + ": " + std::strerror(error);
        return -1;
    }
    return pid;
}

// Waits for `pid` until `deadline`; true with its status when it ended.
bool reapBefore(pid_t pid, int& status, SteadyClock::time_point deadline) {
    auto nap = std::chrono::milliseconds(1);
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return true;
        if (done < 0 && errno != EINTR) {
            status = 0;
            return true;  // reaped elsewhere (SIGCHLD ignored): gone
        }
        if (SteadyClock::now() >= deadline) return false;
        std::this_thread::sleep_for(nap);
        nap = std::min(nap * 2, std::chrono::milliseconds(20));
    }
}

}  // namespace

std::string describeExitStatus(int status) {
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return "signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
    }
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    return "an unknown status";
}

WorkerProcess::WorkerProcess(std::string workerBinary, std::string pluginFile, std::string pluginId)
    : workerBinary_(std::move(workerBinary)), pluginFile_(std::move(pluginFile)), pluginId_(std::move(pluginId)) {}

WorkerProcess::~WorkerProcess() {
    if (!running()) return;
    closeSocket();  // the worker's loop ends at EOF
    int status = 0;
    if (!reapBefore(pid_, status, SteadyClock::now() + kExitGrace)) killAndReap();
    pid_ = -1;
}

WorkerHello WorkerProcess::start(std::chrono::milliseconds timeout) {
    if (running()) killAndReap();
    instances_.clear();
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return WorkerHello{false, std::string("cannot create a socket pair: ") + std::strerror(errno), {}, {}};
    std::string problem;
    pid_ = spawnWorker(workerBinary_, pluginFile_, fds[1], problem);
    ::close(fds[1]);
    fd_ = fds[0];
    if (pid_ <= 0) {
        closeSocket();
        pid_ = -1;
        return WorkerHello{false, problem, {}, {}};
    }
    std::string body;
    const ReadResult read = readFrame(fd_, body, SteadyClock::now() + timeout, {}, &problem);
    try {
        if (read == ReadResult::Frame) {
            WorkerHello hello = readHello(body);
            if (!hello.accepted) killAndReap();
            return hello;
        }
    } catch (const std::exception& e) {
        problem = e.what();
    }
    if (read == ReadResult::Closed) return WorkerHello{false, died("loading").message, {}, {}};
    killAndReap();
    if (read == ReadResult::TimedOut)
        return WorkerHello{
            false, "did not finish loading within " + std::to_string(timeout.count()) + " ms (killed)", {}, {}};
    return WorkerHello{false, "the worker's answer was unreadable: " + problem, {}, {}};
}

CallResult WorkerProcess::call(const std::string& request, oh_context* ctx, Deadline deadline,
                               const std::atomic<bool>* abandoned) {
    if (!running())
        return CallResult{false, OH_STATUS_INTERNAL_ERROR, "plugin_worker_crashed", "the worker is not running"};
    if (!writeFrame(fd_, request)) return died("a call");
    const auto giveUp = [abandoned] { return abandoned != nullptr && abandoned->load(std::memory_order_acquire); };
    for (;;) {
        std::string body;
        std::string problem;
        const ReadResult read = readFrame(fd_, body, deadline, giveUp, &problem);
        if (read == ReadResult::Closed) return died("a call");
        if (read == ReadResult::TimedOut)
            return killed("timeout", "plugin " + pluginId_ + " (" + pluginFile_ +
                                         ") did not answer in time: its worker "
                                         "process was killed and is restarted for the next call");
        if (read == ReadResult::Failed) return killed("plugin_worker_protocol", problem);
        try {
            FrameReader reader(body);
            const Op op = reader.op();
            if (op == Op::Done) return CallResult{true, reader.i32(), {}, {}};
            if (!isServiceRequest(op)) throw FrameError("unexpected message " + std::to_string(static_cast<int>(op)));
            if (auto answer = serveServiceRequest(op, reader, ctx, pluginId_)) {
                if (!writeFrame(fd_, *answer)) return died("a call");
            }
        } catch (const FrameError& e) {
            return killed("plugin_worker_protocol", std::string("the worker broke the protocol: ") + e.what());
        }
    }
}

CallResult WorkerProcess::died(const std::string& during) {
    closeSocket();
    int status = 0;
    // The socket closed: the process is ending. A worker that closed it and lives on is killed.
    if (!reapBefore(pid_, status, SteadyClock::now() + kExitGrace)) {
        ::kill(pid_, SIGKILL);
        reapBefore(pid_, status, SteadyClock::time_point::max());
    }
    const std::string message = "the worker process of plugin " + pluginId_ + " (" + pluginFile_ + ", pid " +
                                std::to_string(pid_.load()) + ") died during " + during + ": " +
                                describeExitStatus(status) + "; it is restarted for the next call";
    pid_ = -1;
    instances_.clear();
    return CallResult{false, OH_STATUS_INTERNAL_ERROR, "plugin_worker_crashed", message};
}

CallResult WorkerProcess::killed(std::string code, std::string message) {
    killAndReap();
    return CallResult{false, OH_STATUS_INTERNAL_ERROR, std::move(code), std::move(message)};
}

void WorkerProcess::killAndReap() {
    closeSocket();
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        reapBefore(pid_, status, SteadyClock::time_point::max());
    }
    pid_ = -1;
    instances_.clear();
}

void WorkerProcess::closeSocket() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

std::string createRequest(std::uint64_t instance, const std::string& kind, const std::string& chain,
                          const std::string& step, const std::string& configJson) {
    return FrameWriter(Op::Create).u64(instance).str(kind).str(chain).str(step).str(configJson).bytes();
}

std::string callRequest(bool compensate, std::uint64_t instance, const std::string& orderId, std::uint32_t attempt,
                        const std::string& idempotencyKey, std::int64_t deadlineMs, bool quoting) {
    return FrameWriter(compensate ? Op::Compensate : Op::Run)
        .u64(instance)
        .str(orderId)
        .u32(attempt)
        .str(idempotencyKey)
        .i64(deadlineMs)
        .u32(quoting ? OH_CALL_QUOTE : OH_CALL_RUN)
        .bytes();
}

std::string destroyRequest(std::uint64_t instance) { return FrameWriter(Op::Destroy).u64(instance).bytes(); }

}  // namespace orderhost::isolation

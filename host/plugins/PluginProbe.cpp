#include "host/plugins/PluginProbe.h"

#include "host/plugins/PluginLibrary.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace orderhost::plugins {
namespace {

constexpr char kAccepted = 'A';
constexpr char kRefused = 'R';

void writeAll(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// Handlers inherited from the host (Poco turns SIGSEGV into exceptions) would disguise a
// crash as an abort; the child reports the plugin's own signal instead.
void restoreDefaultCrashSignals() {
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS}) ::signal(sig, SIG_DFL);
}

[[noreturn]] void runChild(int fd, const std::filesystem::path& file, const oh_host_info& host) {
    restoreDefaultCrashSignals();
    std::string message;
    try {
        const LoadedPlugin loaded = loadPluginInProcess(file, host);
        message = kAccepted + loaded.manifest.toJson();  // one line: compact JSON
        try {  // after a line break: the declared migrations, or '!' and why they are unreadable
            if (const auto declared = readDeclaredMigrations(*loaded.info, loaded.manifest.id))
                message += "\n" + migrationsToText(*declared);
        } catch (const std::exception& e) {  // a PluginMigrationError, or a text no copy can hold
            message += "\n!" + std::string(e.what());
        }
    } catch (const PluginRefused& refused) {
        message = kRefused + refused.reason();
    } catch (const std::exception& e) {
        message = kRefused + std::string("unexpected error while loading: ") + e.what();
    }
    writeAll(fd, message);
    ::_exit(0);  // no atexit handlers, no flushing of the parent's buffers
}

using Clock = std::chrono::steady_clock;

// Reads until EOF. Returns 0 at EOF, ETIMEDOUT at the deadline, ECANCELED when `abandon`
// said stop, or the errno of a failed poll/read (a failure must not pass for "finished": the
// child may still be running).
int readUntilEof(int fd, std::string& out, Clock::time_point deadline, const std::function<bool()>& abandon) {
    char buffer[4096];
    for (;;) {
        if (abandon && abandon()) return ECANCELED;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return ETIMEDOUT;
        if (abandon) left = std::min(left, std::chrono::milliseconds(100));
        pollfd pfd{fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return errno;
        if (ready == 0) continue;  // the deadline (or `abandon`) is checked at the top
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return 0;
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

// EOF only means every copy of the write end is closed; a plugin can close it itself and keep
// running, so the exit is awaited under the same deadline. False if the child is still alive.
bool waitForExit(pid_t child, int& status, Clock::time_point deadline) {
    auto nap = std::chrono::milliseconds(1);
    for (;;) {
        const pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done == child) return true;
        if (done < 0 && errno != EINTR) return true;  // already reaped (SIGCHLD ignored): gone
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(nap);
        nap = std::min(nap * 2, std::chrono::milliseconds(20));
    }
}

void killAndReap(pid_t child) {
    ::kill(child, SIGKILL);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
}

std::string describeExit(int status) {
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return "crashed while loading (signal " + std::to_string(sig) + ", " + ::strsignal(sig) + ")";
    }
    if (WIFEXITED(status)) {
        return "ended the process while loading (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    }
    return "the probe process ended abnormally";
}

ProbeResult interpret(const std::string& message, int status) {
    ProbeResult result;
    if (message.empty() || WIFSIGNALED(status)) {
        result.reason = describeExit(status);
    } else if (message[0] == kAccepted) {
        try {
            const std::size_t lineEnd = message.find('\n');
            result.manifest = PluginManifest::fromJson(
                message.substr(1, lineEnd == std::string::npos ? std::string::npos : lineEnd - 1));
            result.accepted = true;
            // The migrations only inform `plugins inspect`: whatever they hold, the file stays
            // accepted here (the host reads them again itself when it applies them).
            if (lineEnd != std::string::npos && message.compare(lineEnd + 1, 1, "!") == 0) {
                result.migrationError = message.substr(lineEnd + 2);
            } else if (lineEnd != std::string::npos) {
                try {
                    result.migrations = migrationsFromText(message.substr(lineEnd + 1));
                } catch (const std::exception& e) {
                    result.migrationError =
                        std::string("the probe's copy of the migrations was unreadable: ") + e.what();
                }
            }
        } catch (const std::exception& e) {
            result.accepted = false;
            result.reason = std::string("the probe's answer was unreadable: ") + e.what();
        }
    } else {
        result.reason = message.substr(1);
    }
    return result;
}

}  // namespace

ProbeResult probePlugin(const std::filesystem::path& file, const oh_host_info& host, std::chrono::milliseconds timeout,
                        const std::function<bool()>& abandon) {
    // Files that are not even libraries never need a child process.
    if (auto reason = checkPluginFile(file); !reason.empty()) return refusedProbe(reason);

    // O_CLOEXEC: the read end must not leak into programs the host or its plugins exec.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return refusedProbe("cannot create a pipe for the probe");
    const auto deadline = Clock::now() + timeout;
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return refusedProbe("cannot fork the probe process");
    }
    if (child == 0) {
        ::close(fds[0]);
        runChild(fds[1], file, host);
    }
    ::close(fds[1]);
    std::string message;
    const int readError = readUntilEof(fds[0], message, deadline, abandon);
    ::close(fds[0]);
    int status = 0;
    if (readError == ECANCELED) {
        killAndReap(child);
        return refusedProbe("abandoned while loading: the host is stopping (killed)");
    }
    if (readError != 0 && readError != ETIMEDOUT) {
        killAndReap(child);
        return refusedProbe(std::string("cannot read the probe's answer: ") + ::strerror(readError));
    }
    if (readError == ETIMEDOUT || !waitForExit(child, status, deadline)) {
        killAndReap(child);
        return refusedProbe("did not finish loading within " + std::to_string(timeout.count()) + " ms (killed)");
    }
    return interpret(message, status);
}

}  // namespace orderhost::plugins

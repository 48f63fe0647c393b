#include "host/plugins/PluginProbe.h"

#include "host/plugins/PluginLibrary.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

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
        message = kAccepted + loadPluginInProcess(file, host).manifest.toJson();
    } catch (const PluginRefused& refused) {
        message = kRefused + refused.reason();
    } catch (const std::exception& e) {
        message = kRefused + std::string("unexpected error while loading: ") + e.what();
    }
    writeAll(fd, message);
    ::_exit(0);  // no atexit handlers, no flushing of the parent's buffers
}

// Reads until EOF or the deadline; false on timeout.
bool readUntilEof(int fd, std::string& out, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd pfd{fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) return ready == 0 ? false : true;
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return true;
        out.append(buffer, static_cast<std::size_t>(n));
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
            result.manifest = PluginManifest::fromJson(message.substr(1));
            result.accepted = true;
        } catch (const std::exception& e) {
            result.reason = std::string("the probe's answer was unreadable: ") + e.what();
        }
    } else {
        result.reason = message.substr(1);
    }
    return result;
}

}  // namespace

ProbeResult probePlugin(const std::filesystem::path& file, const oh_host_info& host,
                        std::chrono::milliseconds timeout) {
    // Files that are not even libraries never need a child process.
    if (auto reason = checkPluginFile(file); !reason.empty()) return ProbeResult{false, {}, reason};

    int fds[2];
    if (::pipe(fds) != 0) return ProbeResult{false, {}, "cannot create a pipe for the probe"};
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return ProbeResult{false, {}, "cannot fork the probe process"};
    }
    if (child == 0) {
        ::close(fds[0]);
        runChild(fds[1], file, host);
    }
    ::close(fds[1]);
    std::string message;
    const bool finished = readUntilEof(fds[0], message, timeout);
    ::close(fds[0]);
    if (!finished) ::kill(child, SIGKILL);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!finished) {
        return ProbeResult{false, {}, "did not finish loading within " +
                                          std::to_string(timeout.count()) + " ms (killed)"};
    }
    return interpret(message, status);
}

}  // namespace orderhost::plugins

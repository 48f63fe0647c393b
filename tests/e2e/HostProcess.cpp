#include "HostProcess.h"

#include "tests/support/TestDatabase.h"  // makeTempDir

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Pipe.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace orderhost::testing {
namespace fs = std::filesystem;

unsigned short freeLoopbackPort() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

HostProcess::HostProcess(HostOptions options)
    : folder_(makeTempDir("orderhost-e2e")),
      port_(options.port != 0 ? options.port : freeLoopbackPort()),
      healthy_(options.healthy),
      whileStarting_(options.whileStarting) {
    // freeLoopbackPort() closes its socket, so a test running beside this one may be handed
    // the same port before this host binds it. The host that loses refuses to start: take
    // another port then, unless the test chose this one.
    for (int attempt = 1;; ++attempt) {
        writeConfig(options);
        try {
            launch();
            return;
        } catch (const std::runtime_error&) {
            const bool taken = options.port == 0 && attempt < 5 &&
                               log().find("Address already in use", logAtLaunch_) != std::string::npos;
            if (!taken) {
                std::error_code ignored;  // no destructor runs for a constructor that throws
                fs::remove_all(folder_, ignored);
                throw;
            }
        }
        std::ofstream(folder_ / "host.log", std::ios::trunc);  // log() shows this host's start only
        port_ = freeLoopbackPort();
    }
}

void HostProcess::launch() {
    const std::string logFile = (folder_ / "host.log").string();
    const std::string config = (folder_ / "orderhost.properties").string();
    std::error_code missing;
    const auto logged = fs::file_size(logFile, missing);
    logAtLaunch_ = missing ? 0 : static_cast<std::size_t>(logged);
    // The shell redirect appends the host's output for log() without a reader thread.
    process_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(
        "/bin/sh", {"-c", "exec \"$0\" \"$@\" >>" + logFile + " 2>&1", ORDERHOST_BINARY, "--config", config}));
    if (whileStarting_) whileStarting_(folder_, process_->id());
    waitUntilHealthy();
}

void HostProcess::killHard() {
    ::kill(process_->id(), SIGKILL);
    process_->wait();
    process_.reset();
    frozen_ = false;
}

void HostProcess::freeze() {
    ::kill(process_->id(), SIGSTOP);
    frozen_ = true;
}

void HostProcess::thaw() {
    ::kill(process_->id(), SIGCONT);
    frozen_ = false;
}

int HostProcess::pid() const { return process_ ? process_->id() : -1; }

void HostProcess::sendSignal(int signal) { ::kill(process_->id(), signal); }

int HostProcess::terminate() {
    ::kill(process_->id(), SIGTERM);
    const int code = process_->wait();
    process_.reset();
    return code;
}

void HostProcess::restart() {
    if (process_) killHard();
    launch();
}

HostProcess::~HostProcess() {
    if (process_) {
        if (frozen_) thaw();
        ::kill(process_->id(), SIGTERM);
        process_->wait();
    }
    fs::remove_all(folder_);
}

void HostProcess::writeConfig(const HostOptions& options) {
    std::ofstream out(folder_ / "orderhost.properties");
    // extraSettings may choose the address (a refused start beyond loopback); a key twice is refused.
    if (options.extraSettings.count("http.address") == 0) out << "http.address = 127.0.0.1\n";
    out << "http.port = " << port_ << "\n"
        << "api.token = " << options.apiToken << "\n"
        << "database.connection = "
        << (options.databaseConnection.empty()
                ? "Driver=SQLite3;Database=${config_dir}/orderhost.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;"
                : options.databaseConnection)
        << "\n"
        << "plugins.folders = " << (options.pluginFolders.empty() ? ORDERHOST_PLUGIN_DIR : options.pluginFolders)
        << "\n"
        << "chains.folder = " << (options.chainsFolder.empty() ? ORDERHOST_E2E_CHAINS : options.chainsFolder) << "\n"
        << "chains.default = place-order\n"
        << "log.level = debug\n";
    for (const auto& [key, value] : options.extraSettings) out << key << " = " << value << "\n";
}

void HostProcess::waitUntilHealthy() {
    for (int i = 0; i < 300; ++i) {
        try {
            // Healthy, and this process says it listens: another test's host that took the
            // port first would answer the health check too, and the test would talk to it.
            if ((healthy_ ? healthy_(port_) : get("/v1/health").status == 200) &&
                log().find("orderhost listening on", logAtLaunch_) != std::string::npos)
                return;
        } catch (const std::exception&) {
        }
        int status = 0;
        if (::waitpid(process_->id(), &status, WNOHANG) == process_->id()) {
            process_.reset();
            throw std::runtime_error("orderhost exited during start-up with status " +
                                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ":\n" + log());
        }
        Poco::Thread::sleep(50);
    }
    ::kill(process_->id(), SIGKILL);  // nothing else would stop it: the caller gets no HostProcess
    process_->wait();
    process_.reset();
    throw std::runtime_error("orderhost did not become healthy:\n" + log());
}

std::string HostProcess::log() const {
    std::ifstream in(folder_ / "host.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

HttpReply HostProcess::request(const std::string& method, const std::string& path, const std::string& body,
                               const std::string& contentType,
                               const std::map<std::string, std::string>& headers) const {
    Poco::Net::HTTPClientSession session("127.0.0.1", port_);
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || method == "POST") {
        if (!contentType.empty()) request.setContentType(contentType);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    HttpReply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    for (const auto& [name, value] : response) reply.headers[name] = value;
    return reply;
}

}  // namespace orderhost::testing

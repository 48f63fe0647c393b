// A real orderhost process for end-to-end tests: its own temporary folder, SQLite database,
// config file and free loopback port, started through the real binary and stopped with
// SIGTERM (or killed) when the test ends. Requests go over real HTTP.
#pragma once

#include <Poco/Process.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace orderhost::testing {

struct HttpReply {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;
};

struct HostOptions {
    std::string pluginFolders;       // comma-separated; default: the build's plugins/
    std::string chainsFolder;        // default: tests/e2e/chains
    std::string databaseConnection;  // default: SQLite in the host's temporary folder
    std::string apiToken;
    std::map<std::string, std::string> extraSettings;
    // 0: a free loopback port. Set it when the chains must name the host's URL before it
    // starts (a carrier's callback base): take one from freeLoopbackPort().
    unsigned short port = 0;
    // How start-up tells the host serves; default: GET /v1/health over plain HTTP answers 200.
    // A host that speaks only TLS needs a client of the test's own.
    std::function<bool(unsigned short port)> healthy = nullptr;
    // Called once the host process is started and before start-up waits for it to be healthy,
    // with the host's folder (its log is host.log there) and process id: for a test that acts
    // on what the starting host does rather than after a fixed time.
    std::function<void(const std::filesystem::path& folder, int pid)> whileStarting = nullptr;
};

// A loopback port nobody listens on right now.
unsigned short freeLoopbackPort();

class HostProcess {
public:
    explicit HostProcess(HostOptions options = {});
    ~HostProcess();

    HttpReply request(const std::string& method, const std::string& path, const std::string& body = "",
                      const std::string& contentType = "application/json",
                      const std::map<std::string, std::string>& headers = {}) const;
    HttpReply post(const std::string& path, const std::string& body) const { return request("POST", path, body); }
    HttpReply get(const std::string& path) const { return request("GET", path); }

    // SIGKILL, as a power cut or the OOM killer would; restart() starts it again on the same
    // folder, database and port.
    void killHard();
    void restart();
    // SIGSTOP / SIGCONT: the host stalls (a swap storm, a paused VM) past its leases, then goes
    // on where it was. The destructor resumes a frozen host before stopping it.
    void freeze();
    void thaw();
    // Sends `signal` to the host process (it keeps running unless the signal ends it).
    void sendSignal(int signal);
    // SIGTERM, then waits for the process to end; returns its exit code.
    int terminate();

    unsigned short port() const { return port_; }
    int pid() const;
    const std::filesystem::path& folder() const { return folder_; }
    std::string log() const;  // what the host printed so far

private:
    void writeConfig(const HostOptions& options);
    void launch();
    void waitUntilHealthy();

    std::filesystem::path folder_;
    unsigned short port_ = 0;
    std::size_t logAtLaunch_ = 0;  // the log's size when this run started (restart appends)
    std::function<bool(unsigned short port)> healthy_;
    std::function<void(const std::filesystem::path& folder, int pid)> whileStarting_;
    std::unique_ptr<Poco::ProcessHandle> process_;
    bool frozen_ = false;
};

}  // namespace orderhost::testing

#include "host/app/SqliteHostLock.h"

#include "host/store/ConnectionString.h"
#include "host/store/Dialect.h"

#include <odbcinst.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace orderhost::app {
namespace {

std::string readHolder(int fd) {
    char buffer[32] = {};
    const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    std::string pid(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid;
}

// A DSN's key as the driver manager reads it (odbc.ini: the user's, then the system's).
std::optional<std::string> dsnValue(const std::string& dsn, const char* key) {
    char buffer[4096] = {};
    const int length = ::SQLGetPrivateProfileString(dsn.c_str(), key, "", buffer, sizeof buffer, "odbc.ini");
    if (length <= 0) return std::nullopt;
    return std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(length), sizeof buffer - 1));
}

}  // namespace

SqliteHostLock::SqliteHostLock(const std::string& connectionString) {
    const store::ConnectionString cs(connectionString);
    // The file the driver will open, however it is named: through a DSN (odbc.ini), a symbolic
    // link or another spelling of the path. The literal text let a second host past the lock
    // (found by an administrator's probe: a DSN and a symlinked path, three hosts on one file).
    const auto dsn = cs.get("DSN");
    std::optional<std::string> driver = cs.get("Driver");
    std::optional<std::string> file = cs.get("Database");
    if (dsn && !dsn->empty()) {
        if (!driver) driver = dsnValue(*dsn, "Driver");
        if (!file) file = dsnValue(*dsn, "Database");
    }
    if (!driver || !file || file->empty() || store::Dialect::fromDriverName(*driver) != store::Backend::SQLite) return;
    std::error_code error;
    const std::filesystem::path resolved = std::filesystem::weakly_canonical(*file, error);
    const std::string path = (error ? *file : resolved.string()) + ".host-lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throw std::runtime_error("cannot open the host lock file " + path +
                                 " next to the SQLite database: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        const std::string holder = readHolder(fd_);
        ::close(fd_);
        fd_ = -1;
        if (error == EWOULDBLOCK)
            throw std::runtime_error("another orderhost process" + (holder.empty() ? "" : " (pid " + holder + ")") +
                                     " is serving the SQLite database " + *file + " (it holds " + path +
                                     "); one SQLite database serves one host — use PostgreSQL for several hosts");
        throw std::runtime_error("cannot lock " + path + ": " + std::strerror(error));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // The pid is only for the message a second host shows; the lock is what counts.
    }
    path_ = path;
}

SqliteHostLock::~SqliteHostLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace orderhost::app

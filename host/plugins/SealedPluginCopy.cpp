#include "host/plugins/SealedPluginCopy.h"

#include <sodium/crypto_hash_sha256.h>
#include <sodium/utils.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace orderhost::plugins {
namespace {

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

bool writeAll(int fd, const unsigned char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Reads `in` to its end, hashing every byte and writing it to `out` when out >= 0.
// Returns the hex digest, or "" with `problem` set.
std::string hashStream(int in, int out, std::string& problem) {
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    unsigned char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = ::read(in, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            problem = errnoText("cannot read the file");
            return "";
        }
        if (n == 0) break;
        crypto_hash_sha256_update(&state, buffer, static_cast<unsigned long long>(n));
        if (out >= 0 && !writeAll(out, buffer, static_cast<std::size_t>(n))) {
            problem = errnoText("cannot copy the file into memory");
            return "";
        }
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

int openRegularFile(const std::filesystem::path& file, std::string& problem) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        problem = errnoText("cannot open the file");
        return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        problem = "not a regular file";
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

std::optional<SealedPluginCopy> SealedPluginCopy::of(const std::filesystem::path& file, std::string& problem) {
    const int in = openRegularFile(file, problem);
    if (in < 0) return std::nullopt;
    const std::string name = "orderhost-plugin:" + file.filename().string();
    const int copy = ::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (copy < 0) {
        problem = errnoText("cannot create the in-memory copy (memfd_create)");
        ::close(in);
        return std::nullopt;
    }
    std::string sha256 = hashStream(in, copy, problem);
    ::close(in);
    // Mode 0500: readable and executable by the host's user only, like a file the permission
    // checks accept; the seals make the bytes immutable for everyone.
    const int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
    if (!sha256.empty() && (::fchmod(copy, 0500) != 0 || ::fcntl(copy, F_ADD_SEALS, seals) != 0)) {
        problem = errnoText("cannot seal the in-memory copy");
        sha256.clear();
    }
    if (sha256.empty()) {
        ::close(copy);
        return std::nullopt;
    }
    return SealedPluginCopy(copy, std::move(sha256));
}

SealedPluginCopy::SealedPluginCopy(SealedPluginCopy&& other) noexcept
    : fd_(other.fd_), sha256_(std::move(other.sha256_)), keep_(other.keep_) {
    other.fd_ = -1;
}

SealedPluginCopy& SealedPluginCopy::operator=(SealedPluginCopy&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0 && !keep_) ::close(fd_);
        fd_ = other.fd_;
        sha256_ = std::move(other.sha256_);
        keep_ = other.keep_;
        other.fd_ = -1;
    }
    return *this;
}

SealedPluginCopy::~SealedPluginCopy() {
    if (fd_ >= 0 && !keep_) ::close(fd_);
}

std::string SealedPluginCopy::path() const { return "/proc/self/fd/" + std::to_string(fd_); }

std::string SealedPluginCopy::pathForOtherProcesses() const {
    return "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(fd_);
}

std::string sha256OfFile(const std::filesystem::path& file, std::string& problem) {
    const int in = openRegularFile(file, problem);
    if (in < 0) return "";
    std::string sha256 = hashStream(in, -1, problem);
    ::close(in);
    return sha256;
}

}  // namespace orderhost::plugins

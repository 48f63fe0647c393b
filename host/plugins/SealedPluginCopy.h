// A plugin file's bytes, copied once into a sealed in-memory file, with their SHA-256.
//
// Pinning (plugins.pins) decides on a hash, so the host must load exactly the bytes it hashed:
// hashing the path and then handing the path to dlopen would let a file replaced in between
// slip through. The copy is made while hashing, then sealed (no write, grow, shrink or new
// seal, even by this process), and every later step — the probe child, dlopen in the host, an
// isolated worker — loads the copy through /proc/<pid>/fd/<N>, never the path again.
//
// Once the host dlopen()ed a copy (or a worker may load it) the descriptor is kept open for
// the life of the process: glibc finds an already loaded library by the name it was opened
// with, so a closed and reused descriptor number would hand a later plugin the earlier one.
//
//   std::string problem;
//   auto copy = SealedPluginCopy::of("plugins/acme.so", problem);
//   if (copy && pins.find(copy->sha256())) dlopen(copy->path().c_str(), RTLD_NOW);
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace orderhost::plugins {

class SealedPluginCopy {
public:
    // Copies and hashes `file`; nullopt with `problem` set when it cannot be read or copied.
    static std::optional<SealedPluginCopy> of(const std::filesystem::path& file, std::string& problem);

    SealedPluginCopy(SealedPluginCopy&& other) noexcept;
    SealedPluginCopy& operator=(SealedPluginCopy&& other) noexcept;
    SealedPluginCopy(const SealedPluginCopy&) = delete;
    SealedPluginCopy& operator=(const SealedPluginCopy&) = delete;
    ~SealedPluginCopy();  // closes the copy unless keepOpenForever() was called

    const std::string& sha256() const { return sha256_; }  // lowercase hex, 64 characters
    // "/proc/self/fd/N": for this process and children forked from it.
    std::string path() const;
    // "/proc/<this pid>/fd/N": for processes this one spawns (isolated workers).
    std::string pathForOtherProcesses() const;
    // Called once the copy may have been loaded: the descriptor is never closed.
    void keepOpenForever() { keep_ = true; }

private:
    SealedPluginCopy(int fd, std::string sha256) : fd_(fd), sha256_(std::move(sha256)) {}
    int fd_ = -1;
    std::string sha256_;
    bool keep_ = false;
};

// SHA-256 of the whole file, lowercase hex ("" with `problem` set when it cannot be read).
std::string sha256OfFile(const std::filesystem::path& file, std::string& problem);

}  // namespace orderhost::plugins

// The byte format between the host and an orderhost-plugin-worker process (one socket each).
//
// A frame is a little-endian uint32 length followed by that many bytes; the body starts with
// one Op byte and then the fields of that message in a fixed order: u8, u32, i32, u64, i64
// (little-endian) and strings as u32 length + bytes. Strings are raw bytes, not JSON: what a
// plugin hands the host (an invalid UTF-8 message, a NUL) arrives exactly as it would
// in-process, so the host's own cleaning at the boundary (PluginText) applies unchanged.
// A plugin's oh_str goes as pluginText(): a string, or kNullTextMarker + u64 length for a NULL
// pointer with a length, which the host's services refuse (plugins/AbiText.h) as they would
// in-process.
//
//   FrameWriter w(Op::Run);
//   w.u64(instance).str(orderId);
//   writeFrame(fd, w.bytes());
//   ...
//   FrameReader r(body);            // body from readFrame()
//   Op op = r.op(); std::uint64_t instance = r.u64(); std::string id = r.str();
//
// The worker runs code the host does not trust, so FrameReader checks every length against
// what is left and throws FrameError instead of reading past the end; frames larger than
// kMaxFrameBytes are refused before any allocation. Shared by the host and the worker.
#pragma once

#include <orderhost/plugin_api.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace orderhost::isolation {

// Larger than any legal message: a db result is at most 4 MiB of rows (oh_db_ext), an order
// document at most the HTTP body limit (64 MiB at most).
constexpr std::uint32_t kMaxFrameBytes = 80u * 1024u * 1024u;

// The descriptor the worker finds its socket on (the host dup2()s its end there).
constexpr int kWorkerSocketFd = 3;

// In place of a string's length: the plugin passed {NULL, len} with len > 0.
constexpr std::uint32_t kNullTextMarker = 0xFFFFFFFFu;
static_assert(kNullTextMarker > kMaxFrameBytes);

// A plugin's oh_str as it arrived: its bytes, or a NULL pointer with its length.
struct PluginTextOnWire {
    std::string bytes;
    bool nullPointer = false;
    std::uint64_t length = 0;
    oh_str view() const { return nullPointer ? oh_str{nullptr, length} : oh_str{bytes.data(), bytes.size()}; }
};

enum class Op : std::uint8_t {
    // host -> worker
    Create = 1,
    Run = 2,
    Compensate = 3,
    Destroy = 4,
    Reply = 5,  // the answer to a service request
    // worker -> host
    Hello = 20,
    Done = 21,
    LogPlugin = 22,  // no answer
    // worker -> host: a host service called by the plugin during a call
    Log = 40,  // no answer
    NowMs = 41,
    GetJson = 42,
    GetString = 43,
    GetInt = 44,
    GetSize = 45,
    GetBool = 46,
    GetKey = 47,
    SetJson = 48,
    RemoveValue = 49,
    ReportOutcome = 50,  // no answer
    ReportError = 51,    // no answer
    IsAbandoned = 52,
    DbExecute = 53,
    EventsEmit = 54,
};

class FrameError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class FrameWriter {
public:
    explicit FrameWriter(Op op);
    FrameWriter& u8(std::uint8_t value);
    FrameWriter& u32(std::uint32_t value);
    FrameWriter& i32(std::int32_t value) { return u32(static_cast<std::uint32_t>(value)); }
    FrameWriter& u64(std::uint64_t value);
    FrameWriter& i64(std::int64_t value) { return u64(static_cast<std::uint64_t>(value)); }
    FrameWriter& str(std::string_view value);
    FrameWriter& pluginText(oh_str value);
    const std::string& bytes() const { return bytes_; }

private:
    std::string bytes_;
};

class FrameReader {
public:
    explicit FrameReader(std::string_view body) : body_(body) {}
    Op op() { return static_cast<Op>(u8()); }
    std::uint8_t u8();
    std::uint32_t u32();
    std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
    std::uint64_t u64();
    std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
    std::string str();
    PluginTextOnWire pluginText();
    bool atEnd() const { return offset_ == body_.size(); }

private:
    std::string_view take(std::size_t count);
    std::string_view body_;
    std::size_t offset_ = 0;
};

// How a readFrame ended.
enum class ReadResult { Frame, Closed, TimedOut, Failed };

// Writes one frame (length + body). False when the peer is gone (no SIGPIPE is raised).
bool writeFrame(int fd, std::string_view body);

// Reads one frame into `body`, waiting at most until `deadline` (steady clock; max() waits
// for ever) and, when given, asking `giveUp` every few milliseconds (true: TimedOut now).
// Closed: the peer closed the socket before a whole frame. Failed: an oversized frame or a
// read error (`problem` says which).
ReadResult readFrame(int fd, std::string& body, std::chrono::steady_clock::time_point deadline,
                     const std::function<bool()>& giveUp = {}, std::string* problem = nullptr);

}  // namespace orderhost::isolation

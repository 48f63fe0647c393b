#include "host/isolation/WorkerFrames.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace orderhost::isolation {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How often a reader waiting for a frame asks giveUp(): the delay between a deadline passing
// and the host killing a hung worker.
constexpr int kGiveUpSliceMs = 10;

void putLittleEndian(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xffu));
}

std::uint64_t getLittleEndian(std::string_view in) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < in.size(); ++i)
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    return value;
}

// Waits until `fd` is readable. 0: readable; ETIMEDOUT: deadline passed or giveUp(); errno.
int waitReadable(int fd, SteadyClock::time_point deadline, const std::function<bool()>& giveUp) {
    for (;;) {
        if (giveUp && giveUp()) return ETIMEDOUT;
        int sliceMs = giveUp ? kGiveUpSliceMs : -1;
        if (deadline != SteadyClock::time_point::max()) {
            const auto now = SteadyClock::now();
            if (now >= deadline) return ETIMEDOUT;
            // Rounded up: a wait must never end before the deadline it was given.
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
            sliceMs = sliceMs < 0 ? static_cast<int>(std::min<long long>(left, 60000))
                                  : static_cast<int>(std::min<long long>(left, sliceMs));
        }
        pollfd pfd{fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, sliceMs);
        if (ready > 0) return 0;
        if (ready < 0 && errno != EINTR) return errno;
    }
}

// Reads exactly `count` bytes into `out`. Closed at EOF before the first byte of a frame, and
// Failed at EOF inside one (a worker that died mid-write is the same as one that died).
ReadResult readExactly(int fd, char* out, std::size_t count, SteadyClock::time_point deadline,
                       const std::function<bool()>& giveUp, std::string* problem) {
    std::size_t done = 0;
    while (done < count) {
        if (const int waited = waitReadable(fd, deadline, giveUp); waited != 0) {
            if (waited == ETIMEDOUT) return ReadResult::TimedOut;
            if (problem) *problem = std::string("poll: ") + std::strerror(waited);
            return ReadResult::Failed;
        }
        const ssize_t n = ::read(fd, out + done, count - done);
        if (n == 0) return ReadResult::Closed;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            if (errno == ECONNRESET) return ReadResult::Closed;
            if (problem) *problem = std::string("read: ") + std::strerror(errno);
            return ReadResult::Failed;
        }
        done += static_cast<std::size_t>(n);
    }
    return ReadResult::Frame;
}

}  // namespace

FrameWriter::FrameWriter(Op op) { bytes_.push_back(static_cast<char>(op)); }

FrameWriter& FrameWriter::u8(std::uint8_t value) {
    bytes_.push_back(static_cast<char>(value));
    return *this;
}

FrameWriter& FrameWriter::u32(std::uint32_t value) {
    putLittleEndian(bytes_, value, 4);
    return *this;
}

FrameWriter& FrameWriter::u64(std::uint64_t value) {
    putLittleEndian(bytes_, value, 8);
    return *this;
}

FrameWriter& FrameWriter::str(std::string_view value) {
    if (value.size() > kMaxFrameBytes)
        throw FrameError("a string of " + std::to_string(value.size()) + " bytes is too long for a frame");
    u32(static_cast<std::uint32_t>(value.size()));
    bytes_.append(value.data(), value.size());
    return *this;
}

FrameWriter& FrameWriter::pluginText(oh_str value) {
    if (value.len == 0) return str(std::string_view());
    if (value.ptr != nullptr) return str(std::string_view(value.ptr, value.len));
    return u32(kNullTextMarker).u64(value.len);
}

std::string_view FrameReader::take(std::size_t count) {
    if (count > body_.size() - offset_)
        throw FrameError("truncated message: " + std::to_string(count) + " bytes wanted at offset " +
                         std::to_string(offset_) + " of " + std::to_string(body_.size()));
    const std::string_view part = body_.substr(offset_, count);
    offset_ += count;
    return part;
}

std::uint8_t FrameReader::u8() { return static_cast<std::uint8_t>(take(1)[0]); }
std::uint32_t FrameReader::u32() { return static_cast<std::uint32_t>(getLittleEndian(take(4))); }
std::uint64_t FrameReader::u64() { return getLittleEndian(take(8)); }

std::string FrameReader::str() {
    const std::uint32_t length = u32();
    return std::string(take(length));
}

PluginTextOnWire FrameReader::pluginText() {
    PluginTextOnWire text;
    const std::uint32_t length = u32();
    if (length == kNullTextMarker) {
        text.nullPointer = true;
        text.length = u64();
        if (text.length == 0) throw FrameError("a NULL text marker with length 0");
        return text;
    }
    text.bytes = std::string(take(length));
    return text;
}

bool writeFrame(int fd, std::string_view body) {
    if (body.size() > kMaxFrameBytes) return false;
    std::string frame;
    frame.reserve(body.size() + 4);
    putLittleEndian(frame, body.size(), 4);
    frame.append(body.data(), body.size());
    std::size_t done = 0;
    while (done < frame.size()) {
        // MSG_NOSIGNAL: a worker that died must not take the host down with SIGPIPE.
        const ssize_t n = ::send(fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

ReadResult readFrame(int fd, std::string& body, SteadyClock::time_point deadline, const std::function<bool()>& giveUp,
                     std::string* problem) {
    char header[4];
    ReadResult result = readExactly(fd, header, sizeof header, deadline, giveUp, problem);
    if (result != ReadResult::Frame) return result;
    const auto length = static_cast<std::uint32_t>(getLittleEndian(std::string_view(header, 4)));
    if (length == 0 || length > kMaxFrameBytes) {
        if (problem)
            *problem =
                "a frame of " + std::to_string(length) + " bytes (at most " + std::to_string(kMaxFrameBytes) + ")";
        return ReadResult::Failed;
    }
    body.assign(length, '\0');
    result = readExactly(fd, body.data(), length, deadline, giveUp, problem);
    if (result == ReadResult::Closed) {
        if (problem) *problem = "the connection closed inside a frame";
        return ReadResult::Closed;
    }
    return result;
}

}  // namespace orderhost::isolation

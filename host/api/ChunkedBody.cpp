#include "host/api/ChunkedBody.h"

#include "host/api/ClientText.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace orderhost::api {
namespace {

constexpr std::size_t kMaxLine = 4096;          // a chunk-size line with its extension
constexpr std::size_t kMaxTrailerBytes = 8192;  // all trailer lines together
constexpr std::size_t kMaxSizeDigits = 8;       // 4 GiB: far above any body the host accepts

class Decoder {
public:
    Decoder(std::istream& in, std::size_t maxBytes) : in_(in), maxBytes_(maxBytes) {}

    ChunkedBody run() {
        for (;;) {
            std::string sizeLine;
            if (!readLine(sizeLine, kMaxLine)) return fail("a chunk size line");
            const std::size_t digits = std::min(sizeLine.find_first_not_of("0123456789abcdefABCDEF"), sizeLine.size());
            const std::string rest = sizeLine.substr(digits);
            // chunk-ext = *( BWS ";" ... ): whitespace only before a ';'.
            const std::size_t afterSpace = rest.find_first_not_of(" \t");
            const bool extension = rest.empty() || (afterSpace != std::string::npos && rest[afterSpace] == ';');
            if (digits == 0 || digits > kMaxSizeDigits || !extension)
                return fail("a chunk size (1 to 8 hexadecimal digits, then an optional ';' extension) at '" +
                            clientText(sizeLine, 40) + "'");
            const std::uint64_t size = std::stoull(sizeLine.substr(0, digits), nullptr, 16);
            if (size == 0) return trailer();
            if (result_.body.size() + size > maxBytes_) {
                result_.tooLarge = true;
                return result_;
            }
            // In pieces, as they arrive: a stalled client holds no buffer of the size it announced.
            for (std::uint64_t left = size; left > 0;) {
                char piece[16384];
                const auto want = static_cast<std::streamsize>(std::min<std::uint64_t>(left, sizeof piece));
                in_.read(piece, want);
                result_.body.append(piece, static_cast<std::size_t>(in_.gcount()));
                offset_ += static_cast<std::size_t>(in_.gcount());
                if (in_.gcount() != want) return fail("the chunk's " + std::to_string(size) + " bytes");
                left -= static_cast<std::uint64_t>(want);
            }
            if (!crlf()) return fail("CRLF after the chunk's data");
        }
    }

private:
    // The trailer section after the last chunk: "name: value" lines, then an empty line.
    ChunkedBody trailer() {
        std::size_t bytes = 0;
        for (;;) {
            std::string field;
            if (!readLine(field, kMaxTrailerBytes))
                return fail("the end of the body (an empty line after the last chunk)");
            if (field.empty()) return result_;
            bytes += field.size() + 2;
            const std::size_t colon = field.find(':');
            const bool token =
                colon != std::string::npos && colon > 0 &&
                std::all_of(field.begin(), field.begin() + static_cast<std::ptrdiff_t>(colon), [](unsigned char c) {
                    return std::isalnum(c) ||
                           std::string("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string::npos;
                });
            if (!token || bytes > kMaxTrailerBytes)
                return fail("a trailer field ('name: value', at most 8 KiB in all) at '" + clientText(field, 40) + "'");
        }
    }

    // A line ended by CRLF, without it; false on the end of input, a bare CR or LF, or a line
    // longer than `limit`.
    bool readLine(std::string& line, std::size_t limit) {
        line.clear();
        for (;;) {
            const int c = in_.get();
            if (c == std::char_traits<char>::eof()) return false;
            ++offset_;
            if (c == '\r') {
                ++offset_;
                return in_.get() == '\n';
            }
            if (c == '\n' || line.size() >= limit) return false;
            line.push_back(static_cast<char>(c));
        }
    }

    bool crlf() {
        const int cr = in_.get();
        const int lf = cr == '\r' ? in_.get() : 0;
        offset_ += 2;
        return cr == '\r' && lf == '\n';
    }

    ChunkedBody fail(const std::string& expected) {
        result_.error = "malformed chunked body: expected " + expected + " near byte " + std::to_string(offset_) +
                        " of the body's framing";
        return result_;
    }

    std::istream& in_;
    std::size_t maxBytes_;
    std::size_t offset_ = 0;
    ChunkedBody result_;
};

}  // namespace

ChunkedBody readChunkedBody(std::istream& in, std::size_t maxBytes) { return Decoder(in, maxBytes).run(); }

}  // namespace orderhost::api

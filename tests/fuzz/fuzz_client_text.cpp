// Fuzz target: cleaning of client-chosen text for replies and log lines (host/api/ClientText).
//
// Input: the first byte is maxBytes, the rest is the text.
// Invariants: validUtf8 gives valid UTF-8, leaves valid text unchanged and replaces each bad
// byte by exactly U+FFFD; clientText and loggableText give valid UTF-8 without control
// characters, at most maxBytes plus the "..." mark, leave short clean text unchanged, and a
// cut result is a prefix of the uncut one.
#include "host/api/ClientText.h"
#include "tests/fuzz/FuzzCheck.h"

#include <cstdint>
#include <limits>

using namespace orderhost::api;
using orderhost::fuzz::hasControlCharacter;
using orderhost::fuzz::isValidUtf8;

namespace {

void checkCleaned(const std::string& out, std::string_view text, std::size_t maxBytes, bool clean,
                  const std::string& uncut, const char* what) {
    FUZZ_CHECK(isValidUtf8(out), std::string(what) + " gave invalid UTF-8");
    FUZZ_CHECK(!hasControlCharacter(out), std::string(what) + " let a control character through");
    FUZZ_CHECK(out.size() <= maxBytes + 3, std::string(what) + " exceeded maxBytes + \"...\"");
    if (clean && text.size() <= maxBytes) FUZZ_CHECK(out == text, std::string(what) + " changed clean text");
    if (out != uncut) {
        FUZZ_CHECK(out.size() >= 3 && out.compare(out.size() - 3, 3, "...") == 0,
                   std::string(what) + " cut without \"...\"");
        FUZZ_CHECK(uncut.compare(0, out.size() - 3, out, 0, out.size() - 3) == 0,
                   std::string(what) + ": the cut text is not a prefix of the uncut text");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t maxBytes = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    const bool valid = isValidUtf8(text);

    const std::string utf8 = validUtf8(text);
    FUZZ_CHECK(isValidUtf8(utf8), "validUtf8 gave invalid UTF-8");
    if (valid) FUZZ_CHECK(utf8 == text, "validUtf8 changed valid text");
    FUZZ_CHECK(utf8.size() >= text.size() && utf8.size() <= 3 * text.size(), "validUtf8 size out of bounds");

    constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max() - 3;
    const bool clean = valid && !hasControlCharacter(text);
    checkCleaned(clientText(text, maxBytes), text, maxBytes, clean, clientText(text, unlimited), "clientText");
    checkCleaned(loggableText(text, maxBytes), text, maxBytes, clean, loggableText(text, unlimited), "loggableText");
    const std::string logged = loggableText(text, unlimited);
    // Every byte that is not clean UTF-8 shows as "\xNN": nothing is replaced, nothing lost.
    if (!clean) FUZZ_CHECK(logged.find("\\x") != std::string::npos, "loggableText hid a bad byte");
    FUZZ_CHECK(logged.find("\xEF\xBF\xBD") == std::string::npos || text.find("\xEF\xBF\xBD") != std::string_view::npos,
               "loggableText replaced instead of escaping");
    return 0;
}

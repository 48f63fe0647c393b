// Text that comes from a plugin, made safe at the boundary (issue 8, finding 8).
//
// A plugin is foreign code: the bytes it hands the host (an outcome's code, message and
// signal, report_error text, log lines) may be invalid UTF-8, contain NUL, newlines or
// terminal escape sequences. Stored raw, invalid UTF-8 makes GET /v1/orders/{id} and the
// events feed invalid JSON on SQLite and fails the step's commit on PostgreSQL (SQLSTATE
// 22021, the order re-runs forever); logged raw, "\n" and ESC let a plugin forge host log
// lines. Every such text passes through one of these functions before the host keeps it.
//
//   cleanMessage("caf\xC3\xA9 \xFF\n")  -> "café \uFFFD\uFFFD" (valid UTF-8, no controls)
//   cleanCode("bad code\x01")           -> "bad_code_"          (printable ASCII, no space)
//   escapeForLog("a\nb\x1b[31m")        -> "a\\nb\\x1b[31m"     (one log line, visibly escaped)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace orderhost::plugins {

// Longest outcome code and signal kept (the step_runs column holds 128 bytes).
inline constexpr std::size_t kMaxPluginCodeBytes = 128;
// Longest message or report_error text kept; longer text is cut on a character boundary.
inline constexpr std::size_t kMaxPluginMessageBytes = 4096;
// Longest log line a plugin may write; longer lines are cut and end with "...".
inline constexpr std::size_t kMaxPluginLogBytes = 16384;

// A machine-readable code or signal name: printable ASCII without space (0x21-0x7E); any
// other byte becomes '_'. At most kMaxPluginCodeBytes. Sets `changed` when anything was
// replaced or cut.
std::string cleanCode(std::string_view text, bool& changed);

// Human-readable text: valid UTF-8 where every invalid byte becomes U+FFFD, and NUL, the
// other C0 controls except tab, DEL and the C1 controls (U+0080-U+009F) also become U+FFFD.
// At most `maxBytes`, cut on a character boundary.
std::string cleanMessage(std::string_view text, std::size_t maxBytes = kMaxPluginMessageBytes);

// A log line: valid UTF-8 (invalid bytes become U+FFFD) with every control character
// written as an escape ("\n", "\r", "\t", "\x1b", ...), so one call is one visible line.
// At most kMaxPluginLogBytes.
std::string escapeForLog(std::string_view text);

}  // namespace orderhost::plugins

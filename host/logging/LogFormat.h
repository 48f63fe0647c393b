// The two log formats (log.format): one JSON object per line, or spdlog's text line with the
// correlation fields (LogContext.h) appended. Either way one log call is one line: JSON
// escapes every control character, and text from plugins is escaped before it is logged
// (plugins::escapeForLog).
//
// A JSON line: {"time":"2026-11-30T20:05:01.123Z","level":"info","logger":"orderhost",
//   "thread":1234,"msg":"...","request_id":"...","order_id":"...","chain":"...","step":"...",
//   "plugin":"...","event_id":"..."}  — the correlation fields only when set.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

namespace orderhost::logging {

class JsonLogFormatter : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;
};

// spdlog's default line ("[time] [logger] [level] message"), then " {request_id=… order_id=…}"
// when correlation fields are set.
std::unique_ptr<spdlog::formatter> textLogFormatter();

// `text` as the inside of a JSON string: quotes, backslashes and control characters escaped,
// invalid UTF-8 replaced by U+FFFD.
void appendJsonString(std::string_view text, spdlog::memory_buf_t& dest);

}  // namespace orderhost::logging

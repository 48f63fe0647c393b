#include "host/logging/LogFormat.h"

#include "host/logging/LogContext.h"

#include <spdlog/pattern_formatter.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace orderhost::logging {
namespace {

void append(spdlog::memory_buf_t& dest, std::string_view text) { dest.append(text.data(), text.data() + text.size()); }

// The length of the valid UTF-8 sequence at text[i], or 0 when it is not one.
std::size_t utf8Length(std::string_view text, std::size_t i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = c < 0x80                   ? 1
                               : (c >= 0xC2 && c <= 0xDF) ? 2
                               : (c >= 0xE0 && c <= 0xEF) ? 3
                               : (c >= 0xF0 && c <= 0xF4) ? 4
                                                          : 0;
    if (length == 0 || i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k)
        if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
    const auto second = static_cast<unsigned char>(text[i + 1 < text.size() ? i + 1 : i]);
    if (length == 3 && ((c == 0xE0 && second < 0xA0) || (c == 0xED && second > 0x9F))) return 0;  // overlong, surrogate
    if (length == 4 && ((c == 0xF0 && second < 0x90) || (c == 0xF4 && second > 0x8F))) return 0;
    return length;
}

void field(spdlog::memory_buf_t& dest, const char* name, std::string_view value) {
    if (value.empty()) return;
    append(dest, ",\"");
    append(dest, name);
    append(dest, "\":\"");
    appendJsonString(value, dest);
    dest.push_back('"');
}

std::string isoTime(spdlog::log_clock::time_point time) {
    using namespace std::chrono;
    const auto since = time.time_since_epoch();
    const std::time_t seconds = static_cast<std::time_t>(duration_cast<std::chrono::seconds>(since).count());
    const auto millis = duration_cast<milliseconds>(since).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[96];  // room for any int the compiler cannot rule out
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
    return buffer;
}

// Appends " {request_id=… order_id=…}" for the fields that are set.
class CorrelationFlag : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
        const LogFields& fields = currentLogFields();
        bool any = false;
        const auto add = [&](const char* name, const std::string& value) {
            if (value.empty()) return;
            append(dest, any ? " " : " {");
            any = true;
            append(dest, name);
            dest.push_back('=');
            append(dest, value);
        };
        add("request_id", fields.requestId);
        add("order_id", fields.orderId);
        add("step", fields.step);
        add("plugin", fields.plugin);
        add("event_id", fields.eventId);
        if (any) dest.push_back('}');
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<CorrelationFlag>(); }
};

}  // namespace

void appendJsonString(std::string_view text, spdlog::memory_buf_t& dest) {
    static const char hex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t length = utf8Length(text, i);
        if (length == 0) {
            append(dest, "\xEF\xBF\xBD");  // U+FFFD
            ++i;
        } else if (c == '"' || c == '\\') {
            dest.push_back('\\');
            dest.push_back(static_cast<char>(c));
            ++i;
        } else if (c < 0x20 || c == 0x7F) {
            const char escape[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            append(dest, std::string_view(escape, sizeof escape));
            ++i;
        } else {
            append(dest, text.substr(i, length));
            i += length;
        }
    }
}

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    append(dest, "{\"time\":\"");
    append(dest, isoTime(msg.time));
    append(dest, "\",\"level\":\"");
    const auto level = spdlog::level::to_string_view(msg.level);
    append(dest, std::string_view(level.data(), level.size()));
    append(dest, "\"");
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    field(dest, "logger", logger.empty() ? "orderhost" : logger);
    append(dest, ",\"thread\":");
    append(dest, std::to_string(msg.thread_id));
    append(dest, ",\"msg\":\"");
    appendJsonString(std::string_view(msg.payload.data(), msg.payload.size()), dest);
    dest.push_back('"');
    const LogFields& fields = currentLogFields();
    field(dest, "request_id", fields.requestId);
    field(dest, "order_id", fields.orderId);
    field(dest, "chain", fields.chain);
    field(dest, "step", fields.step);
    field(dest, "plugin", fields.plugin);
    field(dest, "event_id", fields.eventId);
    append(dest, "}\n");
}

std::unique_ptr<spdlog::formatter> JsonLogFormatter::clone() const { return std::make_unique<JsonLogFormatter>(); }

std::unique_ptr<spdlog::formatter> textLogFormatter() {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<CorrelationFlag>('*').set_pattern("%+%*");
    return formatter;
}

}  // namespace orderhost::logging

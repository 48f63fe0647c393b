#include "host/logging/LogSetup.h"

#include "host/logging/LogFormat.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

namespace orderhost::logging {
namespace {

struct PluginLoggers {
    std::mutex mutex;
    std::weak_ptr<spdlog::logger> madeFrom;  // the default logger they share sinks with
    std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> byId;
};

PluginLoggers& pluginLoggers() {
    static PluginLoggers loggers;
    return loggers;
}

}  // namespace

void configure(const LogSettings& settings) {
    spdlog::sink_ptr sink;
    if (!settings.file.empty()) {
        sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(settings.file, settings.maxSizeMb * 1024 * 1024,
                                                                      settings.maxFiles);
    } else if (settings.syslog) {
        sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("orderhost", LOG_PID, LOG_DAEMON, false);
    } else {
        sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    }
    if (settings.format == "json")
        sink->set_formatter(std::make_unique<JsonLogFormatter>());
    else
        sink->set_formatter(textLogFormatter());
    // Unnamed, as spdlog's own default: host text lines keep their form; JSON says "orderhost".
    auto logger = std::make_shared<spdlog::logger>("", sink);
    logger->set_level(spdlog::level::from_str(settings.level));
    spdlog::set_default_logger(logger);
    if (settings.file.empty()) return;  // stdout and syslog sinks write each line through at once
    // A file is read during an incident or after a crash: info and worse reach it at once,
    // debug lines within a second.
    logger->flush_on(spdlog::level::info);
    spdlog::flush_every(std::chrono::seconds(1));
}

std::shared_ptr<spdlog::logger> pluginLogger(const std::string& pluginId) {
    const std::shared_ptr<spdlog::logger> base = spdlog::default_logger();
    PluginLoggers& loggers = pluginLoggers();
    std::lock_guard<std::mutex> lock(loggers.mutex);
    if (loggers.madeFrom.lock() != base) {  // a new default logger (configure(), or a test's capture)
        loggers.byId.clear();
        loggers.madeFrom = base;
    }
    auto& logger = loggers.byId[pluginId];
    if (!logger) {
        logger = std::make_shared<spdlog::logger>(pluginId, base->sinks().begin(), base->sinks().end());
        logger->set_level(base->level());
        logger->flush_on(base->flush_level());
    }
    return logger;
}

}  // namespace orderhost::logging

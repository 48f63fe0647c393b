// Where and how the host logs (log.* settings): the format, stdout or a rotating file, the
// level, and one logger per plugin named by its id, so a line says which plugin wrote it and
// a plugin's lines can be filtered or levelled apart.
//
//   logging::configure({"json", "/var/log/orderhost/orderhost.log", 100, 5, "info"});
//   logging::pluginLogger("orderhost.credit")->warn("...");
#pragma once

#include <spdlog/logger.h>

#include <cstddef>
#include <memory>
#include <string>

namespace orderhost::logging {

struct LogSettings {
    std::string format = "text";  // text | json
    std::string file;             // empty: stdout, or syslog when `syslog`
    bool syslog = false;          // no file and no stdout to write to (a daemon's is /dev/null)
    std::size_t maxSizeMb = 100;  // a file is rotated at this size...
    std::size_t maxFiles = 5;     // ...keeping this many old ones (orderhost.1.log, ...)
    std::string level = "info";
};

// Replaces the default logger (unnamed; "orderhost" in JSON lines) with one writing as `settings` say. Throws
// spdlog::spdlog_ex when the file cannot be opened (the message names it).
void configure(const LogSettings& settings);

// The logger of plugin `pluginId`: the default logger's sinks and level under the plugin's
// name. Made on first use, and again after the default logger was replaced. Thread-safe.
std::shared_ptr<spdlog::logger> pluginLogger(const std::string& pluginId);

}  // namespace orderhost::logging

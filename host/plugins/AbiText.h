// Text a plugin hands the host as an oh_str. plugin_api.h allows ptr == NULL only with len 0;
// a NULL pointer with a length is a plugin's bug, and every service refuses it with
// OH_STATUS_INVALID_ARGUMENT instead of reading it as "" (an empty JSON Pointer is the whole
// document: set_json({NULL, 5}, v) would replace the order). Also the rule for what a plugin
// declares to the loader (MigrationDeclarations.cpp), hence here below the services layer.
#pragma once

#include <orderhost/plugin_api.h>

#include <string>
#include <string_view>

namespace orderhost::plugins {

inline bool isReadable(oh_str s) { return s.ptr != nullptr || s.len == 0; }

// Only for text isReadable accepted (or text whose loss is harmless, such as a log line).
inline std::string_view textOf(oh_str s) {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

// "<what> has a NULL pointer with length <len>", the refusal's wording everywhere.
inline std::string unreadableText(std::string_view what, oh_str s) {
    return std::string(what) + " has a NULL pointer with length " + std::to_string(s.len);
}

}  // namespace orderhost::plugins

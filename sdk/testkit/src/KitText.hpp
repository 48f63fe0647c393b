// KitText.hpp — text a plugin hands the test kit, treated as the host treats it, so that a
// result in a kit test is the result the host would record:
//   - {NULL, len > 0} is refused by every service (host/plugins/AbiText.h);
//   - an outcome's code and signal are kept as printable ASCII (other bytes become '_'), at
//     most 128 bytes; its message as valid UTF-8 without control characters (each invalid
//     byte or control becomes U+FFFD), at most 4096 bytes cut on a character boundary
//     (host/plugins/PluginText.h);
//   - a SUSPEND's signal name must be one the ERP could deliver: [a-z0-9][a-z0-9_.-]{0,63}.
// The SDK may not use host code (DESIGN.md, layers), hence these few lines of its own.
#ifndef ORDERHOST_TESTKIT_KIT_TEXT_HPP
#define ORDERHOST_TESTKIT_KIT_TEXT_HPP

#include <orderhost/plugin_api.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace orderhost::testkit {

inline bool isReadable(oh_str s) { return s.ptr != nullptr || s.len == 0; }

// "<what> has a NULL pointer with length <len>" (the host's wording).
std::string unreadableText(std::string_view what, oh_str s);

// The length of the well-formed UTF-8 character at text[pos] (RFC 3629) and its code point,
// or 0 when the bytes there are not one.
std::size_t utf8CharAt(std::string_view text, std::size_t pos, std::uint32_t& codePoint);

std::string cleanCode(std::string_view text);
std::string cleanMessage(std::string_view text);
bool isValidSignalName(std::string_view name);

}  // namespace orderhost::testkit

#endif  // ORDERHOST_TESTKIT_KIT_TEXT_HPP

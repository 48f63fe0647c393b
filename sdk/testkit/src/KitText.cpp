// KitText.cpp — see KitText.hpp.
#include "KitText.hpp"

namespace orderhost::testkit {
namespace {

constexpr std::size_t kMaxCodeBytes = 128;
constexpr std::size_t kMaxMessageBytes = 4096;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool isControl(std::uint32_t codePoint) {
  return codePoint < 0x20 || codePoint == 0x7F || (codePoint >= 0x80 && codePoint <= 0x9F);
}

}  // namespace

std::string unreadableText(std::string_view what, oh_str s) {
  return std::string(what) + " has a NULL pointer with length " + std::to_string(s.len);
}

std::size_t utf8CharAt(std::string_view text, std::size_t pos, std::uint32_t& codePoint) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char first = byte(0);
  std::size_t length = 0;
  std::uint32_t lowest = 0;
  if (first < 0x80) {
    codePoint = first;
    return 1;
  } else if (first >= 0xC2 && first <= 0xDF) {
    length = 2, lowest = 0x80, codePoint = first & 0x1Fu;
  } else if (first >= 0xE0 && first <= 0xEF) {
    length = 3, lowest = 0x800, codePoint = first & 0x0Fu;
  } else if (first >= 0xF0 && first <= 0xF4) {
    length = 4, lowest = 0x10000, codePoint = first & 0x07u;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    codePoint = (codePoint << 6) | (byte(i) & 0x3Fu);
  }
  const bool surrogate = codePoint >= 0xD800 && codePoint <= 0xDFFF;
  return codePoint < lowest || surrogate || codePoint > 0x10FFFF ? 0 : length;
}

std::string cleanCode(std::string_view text) {
  std::string out(text.substr(0, kMaxCodeBytes));
  for (char& c : out)
    if (c < 0x21 || c > 0x7E) c = '_';  // char may be signed: bytes >= 0x80 are negative
  return out;
}

std::string cleanMessage(std::string_view text) {
  std::string out;
  for (std::size_t pos = 0; pos < text.size();) {
    std::uint32_t codePoint = 0;
    const std::size_t length = utf8CharAt(text, pos, codePoint);
    const bool keep = length > 0 && (codePoint == '\t' || !isControl(codePoint));
    const std::string_view piece = keep ? text.substr(pos, length) : kReplacement;
    if (out.size() + piece.size() > kMaxMessageBytes) break;
    out.append(piece);
    pos += length > 0 ? length : 1;
  }
  return out;
}

bool isValidSignalName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
  }
  return true;
}

}  // namespace orderhost::testkit

// The pin file (plugins.pins): which plugin files the host may load, by content.
//
// One line per trusted file: its SHA-256, the plugin id it must declare, and (optional, for
// the reader) the file it was made from. `#` starts a comment; blank lines are ignored.
// `orderhost plugins pin FOLDER...` prints such lines for review:
//
//   # orderhost plugins pin /usr/lib/orderhost/plugins   (2026-11-30, reviewed by mk)
//   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  orderhost.credit
//   /usr/lib/orderhost/plugins/orderhost-credit.so
//
// The hash decides, not the file name: a renamed or moved file keeps its pin, a changed one
// loses it. One id may have several pins (an old and a new build during an upgrade); one hash
// may not be listed twice.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace orderhost::plugins {

// A pin file that cannot be read or has a malformed line; the message names file:line.
class PinFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct PluginPin {
    std::string sha256;  // lowercase hex
    std::string id;      // the plugin id the file must declare
    std::string file;    // as written in the line (informative only; may be "")
    int line = 0;
};

class PluginPins {
public:
    // `source` names the text in errors and refusals (normally the pin file's path).
    static PluginPins parse(const std::string& text, const std::string& source);
    static PluginPins readFile(const std::string& path);  // throws PinFileError

    // The pin of a hash (any case), or nullptr when the hash is not listed.
    const PluginPin* find(const std::string& sha256) const;
    const std::string& source() const { return source_; }
    std::size_t size() const { return pins_.size(); }

private:
    std::string source_;
    std::map<std::string, PluginPin> pins_;  // by sha256
};

// "<sha256>  <id>  <file>": one line of a pin file.
std::string pinLine(const std::string& sha256, const std::string& id, const std::string& file);

}  // namespace orderhost::plugins

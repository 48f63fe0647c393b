#include "host/plugins/PluginPins.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace orderhost::plugins {
namespace {

std::string lowercase(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

bool isSha256Hex(const std::string& text) {
    return text.size() == 64 &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

PluginPins PluginPins::parse(const std::string& text, const std::string& source) {
    PluginPins pins;
    pins.source_ = source;
    std::istringstream lines(text);
    std::string raw;
    for (int number = 1; std::getline(lines, raw); ++number) {
        const std::string line = trimmed(raw.substr(0, raw.find('#')));
        if (line.empty()) continue;
        const std::string where = source + ":" + std::to_string(number) + ": ";
        std::istringstream fields(line);
        PluginPin pin;
        pin.line = number;
        fields >> pin.sha256 >> pin.id;
        std::getline(fields, pin.file);
        pin.file = trimmed(pin.file);
        if (!isSha256Hex(pin.sha256)) {
            throw PinFileError(where + "'" + pin.sha256.substr(0, 80) +
                               "' is not a SHA-256 (64 hexadecimal digits); expected '<sha256> <plugin id> [file]'");
        }
        if (pin.id.empty()) throw PinFileError(where + "the plugin id is missing after the SHA-256");
        pin.sha256 = lowercase(pin.sha256);
        const auto [existing, added] = pins.pins_.emplace(pin.sha256, pin);
        if (!added) {
            throw PinFileError(where + "SHA-256 " + pin.sha256 + " is already listed on line " +
                               std::to_string(existing->second.line) + " (one file content, one id)");
        }
    }
    return pins;
}

PluginPins PluginPins::readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PinFileError("cannot read the pin file " + path + " (plugins.pins)");
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path);
}

const PluginPin* PluginPins::find(const std::string& sha256) const {
    const auto found = pins_.find(lowercase(sha256));
    return found == pins_.end() ? nullptr : &found->second;
}

std::string pinLine(const std::string& sha256, const std::string& id, const std::string& file) {
    return sha256 + "  " + id + "  " + file;
}

}  // namespace orderhost::plugins

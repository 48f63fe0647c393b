#include "host/chains/YamlToJson.h"

#include "host/document/JsonCodec.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string_view>

namespace orderhost::chains {

namespace {

constexpr const char* kStrTag = "tag:yaml.org,2002:str";

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHexDigit(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isOctDigit(char c) { return c >= '0' && c <= '7'; }

bool allOf(std::string_view text, bool (*predicate)(char)) {
    return !text.empty() && std::all_of(text.begin(), text.end(), predicate);
}

std::string_view withoutPlus(std::string_view text) {
    return !text.empty() && text.front() == '+' ? text.substr(1) : text;
}

// Matches [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? by hand: std::regex recurses
// per character and could overflow the stack on a hostile megabyte-long scalar.
bool looksLikeFloat(std::string_view text) {
    std::size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
    const std::size_t integerStart = i;
    while (i < text.size() && isDigit(text[i])) ++i;
    const bool integerDigits = i > integerStart;
    if (i < text.size() && text[i] == '.') {
        const std::size_t fractionStart = ++i;
        while (i < text.size() && isDigit(text[i])) ++i;
        if (!integerDigits && i == fractionStart) return false;
    } else if (!integerDigits) {
        return false;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
        if (!allOf(text.substr(i), isDigit)) return false;
        i = text.size();
    }
    return i == text.size();
}

bool parseNumber(std::string_view text, std::int64_t& out, int base) {
    const auto result = std::from_chars(text.data(), text.data() + text.size(), out, base);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool parseNumber(std::string_view text, double& out) {
    const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

ResolvedScalar integerScalar(std::string_view digits, int base, ResolvedScalar scalar) {
    scalar.kind = ScalarKind::Integer;
    if (!parseNumber(digits, scalar.integer, base)) {
        scalar.error = "integer " + scalar.text + " does not fit in 64 bits";
        return scalar;
    }
    // Poco reads negative JSON integers through a double (document/JsonSyntax.h): say so here,
    // with the config's line, rather than as an error in the generated JSON.
    if (scalar.integer < 0 && static_cast<std::int64_t>(static_cast<double>(scalar.integer)) != scalar.integer) {
        scalar.error = "integer " + scalar.text + " is below -2^53 and would be rounded; quote it as a string";
        return scalar;
    }
    scalar.json = std::to_string(scalar.integer);
    return scalar;
}

ResolvedScalar floatScalar(ResolvedScalar scalar) {
    scalar.kind = ScalarKind::Float;
    double value = 0;
    if (!parseNumber(withoutPlus(scalar.text), value)) {
        scalar.error = "number " + scalar.text + " is out of range for a double";
        return scalar;
    }
    char buffer[64];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    scalar.json.assign(buffer, end);
    if (scalar.json.find_first_of(".e") == std::string::npos) scalar.json += ".0";
    return scalar;
}

ResolvedScalar resolvePlain(ResolvedScalar scalar) {
    const std::string& t = scalar.text;
    if (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL") {
        scalar.kind = ScalarKind::Null;
        scalar.json = "null";
    } else if (t == "true" || t == "True" || t == "TRUE" || t == "false" || t == "False" || t == "FALSE") {
        scalar.kind = ScalarKind::Boolean;
        scalar.json = (t[0] == 't' || t[0] == 'T') ? "true" : "false";
    } else if (allOf(withoutPlus(t), isDigit) || (t[0] == '-' && allOf(std::string_view(t).substr(1), isDigit))) {
        return integerScalar(withoutPlus(t), 10, scalar);
    } else if (t.size() > 2 && t.compare(0, 2, "0x") == 0 && allOf(std::string_view(t).substr(2), isHexDigit)) {
        return integerScalar(std::string_view(t).substr(2), 16, scalar);
    } else if (t.size() > 2 && t.compare(0, 2, "0o") == 0 && allOf(std::string_view(t).substr(2), isOctDigit)) {
        return integerScalar(std::string_view(t).substr(2), 8, scalar);
    } else if (looksLikeFloat(t)) {
        return floatScalar(scalar);
    } else if (t == ".inf" || t == ".Inf" || t == ".INF" || t == "-.inf" || t == "-.Inf" || t == "-.INF" ||
               t == "+.inf" || t == "+.Inf" || t == "+.INF" || t == ".nan" || t == ".NaN" || t == ".NAN") {
        scalar.kind = ScalarKind::Float;
        scalar.error = t + " cannot be represented in JSON";
    } else {
        document::appendJsonString(scalar.json, t);
    }
    return scalar;
}

}  // namespace

SourceLocation locationOf(const YAML::Mark& mark, const std::string& file) {
    if (mark.line < 0) return SourceLocation{file, 0, 0};
    return SourceLocation{file, mark.line + 1, mark.column + 1};
}

ResolvedScalar resolveScalar(const YAML::Node& node) {
    ResolvedScalar scalar;
    if (node.IsNull()) {
        scalar.kind = ScalarKind::Null;
        scalar.json = "null";
        return scalar;
    }
    scalar.text = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "?") return resolvePlain(std::move(scalar));
    if (tag != "!" && tag != kStrTag) scalar.error = "unsupported YAML tag " + tag;
    document::appendJsonString(scalar.json, scalar.text);
    return scalar;
}

std::string describeNode(const YAML::Node& node) {
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a sequence";
    switch (resolveScalar(node).kind) {
        case ScalarKind::Null:
            return "null (an empty value)";
        case ScalarKind::Boolean:
            return "a boolean";
        case ScalarKind::Integer:
            return "an integer";
        case ScalarKind::Float:
            return "a floating-point number";
        case ScalarKind::String:
            break;
    }
    return node.Tag() == "!" ? "a quoted string" : "a string";
}

YamlToJson::YamlToJson(std::string file, std::vector<ChainError>& errors, Limits limits)
    : file_(std::move(file)), errors_(errors), limits_(limits) {}

std::optional<std::string> YamlToJson::convert(const YAML::Node& node) {
    std::string out;
    if (!append(node, 0, out)) return std::nullopt;
    // Re-check the result the way the host will parse it: this also catches invalid UTF-8,
    // which yaml-cpp lets through.
    document::JsonLimits limits;
    limits.maxDepth = limits_.maxDepth;
    limits.maxBytes = limits_.maxBytes;
    if (const auto error = document::checkJsonSyntax(out, limits)) {
        fail(node, "the configuration is not valid JSON once converted: " + error->message);
        return std::nullopt;
    }
    return out;
}

bool YamlToJson::fail(const YAML::Node& node, const std::string& message) {
    errors_.push_back(ChainError{locationOf(node.Mark(), file_), message});
    return false;
}

bool YamlToJson::exhausted(const YAML::Node& node, const std::string& message) {
    // Once the file's budget is spent, every later config would fail too: say it once.
    if (exhausted_) return false;
    exhausted_ = true;
    return fail(node, message);
}

bool YamlToJson::append(const YAML::Node& node, int depth, std::string& out) {
    if (++values_ > limits_.maxValues)
        return exhausted(node, "the configuration is too large once aliases are expanded (more than " +
                                   std::to_string(limits_.maxValues) + " values in this file)");
    if (depth > limits_.maxDepth)
        return fail(node, "the configuration nests deeper than " + std::to_string(limits_.maxDepth) +
                              " levels (or an alias refers to itself)");
    if (node.IsMap()) return appendMapping(node, depth + 1, out);
    if (node.IsSequence()) return appendSequence(node, depth + 1, out);
    const ResolvedScalar scalar = resolveScalar(node);
    if (!scalar.error.empty()) return fail(node, scalar.error);
    bytes_ += scalar.json.size();
    if (bytes_ > limits_.maxBytes)
        return exhausted(node, "the configuration is too large once aliases are expanded (more than " +
                                   std::to_string(limits_.maxBytes) + " bytes of JSON in this file)");
    out += scalar.json;
    return true;
}

bool YamlToJson::appendMapping(const YAML::Node& node, int depth, std::string& out) {
    out.push_back('{');
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
        // Copies: a reference to it->first would dangle (the iterator yields a temporary).
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        if (!key.IsScalar()) return fail(key, "configuration keys must be strings, got " + describeNode(key));
        if (key.Tag() == "?" && key.Scalar() == "<<") return fail(key, "merge keys (<<) are not supported");
        if (!seen.insert(key.Scalar()).second) return fail(key, "duplicate key \"" + key.Scalar() + "\"");
        if (seen.size() > 1) out.push_back(',');
        bytes_ += key.Scalar().size();
        document::appendJsonString(out, key.Scalar());
        out.push_back(':');
        if (!append(value, depth, out)) return false;
    }
    out.push_back('}');
    return true;
}

bool YamlToJson::appendSequence(const YAML::Node& node, int depth, std::string& out) {
    out.push_back('[');
    bool first = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        if (!append(YAML::Node(*it), depth, out)) return false;
    }
    out.push_back(']');
    return true;
}

}  // namespace orderhost::chains

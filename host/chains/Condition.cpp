#include "host/chains/Condition.h"

#include "host/chains/YamlToJson.h"
#include "host/document/JsonCodec.h"
#include "host/document/JsonPointer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace orderhost::chains {

namespace {

using YAML::Node;

// The keys that give a condition its meaning; "path" is the only other allowed key.
constexpr const char* kOperators[] = {"all", "any",    "not",          "equals",   "not_equals",
                                      "in",  "exists", "greater_than", "less_than"};
constexpr const char* kAllowedFields = "all, any, not, path, equals, not_equals, in, exists, greater_than, less_than";
constexpr const char* kValueTypes = "a string, an integer or a boolean";

bool isOperator(const std::string& name) {
    return std::any_of(std::begin(kOperators), std::end(kOperators), [&](const char* op) { return name == op; });
}

bool isCombinator(const std::string& name) { return name == "all" || name == "any" || name == "not"; }

// "path \"/x\"" for messages, or just "the path" when it is not a plain scalar.
std::string describePath(const Node& path) {
    return path.IsScalar() ? "path \"" + path.Scalar().substr(0, 80) + "\"" : "the path";
}

bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }

// Whether `text` is valid UTF-8, judged by the host's JSON checker. yaml-cpp passes bytes that
// are not UTF-8 through (and turns a NUL in a plain scalar into a lone 0xA0): such a path or
// value would reach a step's skip message, stored and served as JSON (found by
// tests/fuzz/fuzz_condition).
bool isUtf8(const std::string& text) {
    std::string quoted;
    document::appendJsonString(quoted, text);
    return !document::checkJsonSyntax(quoted, document::JsonLimits{}).has_value();
}

ConditionKind testKind(const std::string& op) {
    if (op == "equals") return ConditionKind::Equals;
    if (op == "not_equals") return ConditionKind::NotEquals;
    if (op == "in") return ConditionKind::In;
    if (op == "greater_than") return ConditionKind::GreaterThan;
    if (op == "less_than") return ConditionKind::LessThan;
    return ConditionKind::Exists;  // exists: false becomes Missing once the value is read
}

// One key of a condition mapping with its value.
struct Entry {
    Node key;
    Node value;
};

// Reads one "when" tree, collecting every problem, within the size and depth limits.
class ConditionReader {
public:
    ConditionReader(const std::string& file, std::vector<ChainError>& errors) : file_(file), errors_(errors) {}

    // A condition, or nothing after reporting why. `key` is where an empty value is reported.
    std::optional<Condition> read(const Node& node, const Node& key, int depth) {
        if (exhausted_) return std::nullopt;
        if (depth > kMaxConditionDepth) {
            error(node, key,
                  "conditions nest too deeply: all/any/not may nest at most " + std::to_string(kMaxConditionDepth) +
                      " levels");
            return std::nullopt;
        }
        if (++size_ > kMaxConditionSize) {
            exhausted_ = true;  // said once: every later condition would exceed it too
            error(node, key,
                  "the condition is too large: at most " + std::to_string(kMaxConditionSize) +
                      " conditions (tests and all/any/not) per step, counted after aliases are expanded");
            return std::nullopt;
        }
        if (!node.IsMap()) {
            error(node, key,
                  "a condition must be a mapping (all:, any:, not:, or path: with an operator), got " +
                      describeNode(node));
            return std::nullopt;
        }
        const std::size_t errorsBefore = errors_.size();
        std::optional<Condition> condition = readMapping(node, depth);
        if (errors_.size() != errorsBefore) return std::nullopt;
        return condition;
    }

private:
    std::optional<Condition> readMapping(const Node& node, int depth) {
        std::map<std::string, Entry> fields;
        const Entry* op = nullptr;
        if (!collectFields(node, fields, op)) return std::nullopt;
        const auto path = fields.find("path");
        if (!op) {
            error(node, node,
                  path == fields.end() ? "a condition needs all:, any:, not:, or a path: with an operator"
                                       : "the test on " + describePath(path->second.value) +
                                             " needs an operator: equals, not_equals, in, exists, "
                                             "greater_than or less_than");
            return std::nullopt;
        }
        Condition condition;
        condition.location = locationOf(node.Mark(), file_);
        const std::string name = op->key.Scalar();
        if (isCombinator(name)) {
            if (path != fields.end()) {
                error(path->second.key, path->second.key,
                      "\"path\" cannot be used together with \"" + name + "\": give each test inside it its own path");
                return std::nullopt;
            }
            readCombinator(name, *op, depth, condition);
        } else if (path == fields.end()) {
            error(op->key, op->key, "\"" + name + "\" needs a \"path\" in the same condition");
            return std::nullopt;
        } else {
            readPath(path->second, condition);
            readTest(name, *op, condition);
        }
        return condition;
    }

    // Checks the keys of a condition mapping; `op` receives its single operator, if any.
    bool collectFields(const Node& node, std::map<std::string, Entry>& fields, const Entry*& op) {
        bool ok = true;
        for (auto it = node.begin(); it != node.end(); ++it) {
            // Copies: yaml-cpp's iterator hands out a temporary pair (see ChainFileParser).
            const Node key = it->first;
            const Node value = it->second;
            if (!key.IsScalar()) {
                ok = fail(key, key, "field names in a condition must be plain words, got " + describeNode(key));
                continue;
            }
            const std::string name = key.Scalar();
            if (name != "path" && !isOperator(name)) {
                ok = fail(
                    key, key,
                    "unknown field \"" + name + "\" in a condition; allowed fields: " + std::string(kAllowedFields));
                continue;
            }
            const auto [entry, isNew] = fields.emplace(name, Entry{key, value});
            if (!isNew) {
                ok = fail(key, key,
                          "duplicate field \"" + name + "\" (first given at line " +
                              std::to_string(locationOf(entry->second.key.Mark(), file_).line) + ")");
            } else if (isOperator(name) && op) {
                ok = fail(key, key,
                          "a condition takes exactly one operator, got \"" + op->key.Scalar() + "\" and \"" + name +
                              "\"; combine tests with all: or any:");
            } else if (isOperator(name)) {
                op = &entry->second;
            }
        }
        return ok;
    }

    void readCombinator(const std::string& name, const Entry& op, int depth, Condition& condition) {
        if (name == "not") {
            condition.kind = ConditionKind::Not;
            if (auto operand = read(op.value, op.key, depth + 1)) condition.operands.push_back(std::move(*operand));
            return;
        }
        condition.kind = name == "all" ? ConditionKind::All : ConditionKind::Any;
        if (!op.value.IsSequence())
            return error(op.value, op.key,
                         "\"" + name + "\" must be a sequence of conditions, got " + describeNode(op.value));
        if (op.value.size() == 0)
            return error(op.value, op.key, "\"" + name + "\" is empty: list at least one condition");
        for (std::size_t i = 0; i < op.value.size() && !exhausted_; ++i) {
            if (auto operand = read(op.value[i], op.key, depth + 1)) condition.operands.push_back(std::move(*operand));
        }
    }

    void readPath(const Entry& path, Condition& condition) {
        const Node& value = path.value;
        if (!value.IsScalar() || resolveScalar(value).kind != ScalarKind::String)
            return error(
                value, path.key,
                "\"path\" must be a string (a JSON Pointer such as /lines/*/kind), got " + describeNode(value));
        const std::string& text = value.Scalar();
        const std::string shown = "\"" + text.substr(0, 80) + "\"";
        if (text.empty() || text.front() != '/')
            return error(value, path.key, "\"path\" must be a JSON Pointer starting with '/', got " + shown);
        if (std::any_of(text.begin(), text.end(), isControl))
            return error(value, path.key, "\"path\" must not contain control characters");
        if (!isUtf8(text)) return error(value, path.key, "\"path\" is not valid UTF-8");
        const auto pointer = document::JsonPointer::parse(text);
        if (!pointer)
            return error(value, path.key,
                         "\"path\" is not a valid JSON Pointer: '~' must be followed by 0 (for '~') "
                         "or 1 (for '/'), got " +
                             shown);
        const std::vector<std::string>& parts = pointer->tokens();
        if (parts.size() > kMaxConditionPathParts)
            return error(value, path.key,
                         "\"path\" may have at most " + std::to_string(kMaxConditionPathParts) + " parts, got " +
                             std::to_string(parts.size()));
        if (std::find(parts.begin(), parts.end(), "-") != parts.end())
            return error(value, path.key,
                         "\"path\" cannot contain the part \"-\": it names the position after the "
                         "last array element, where there is never a value");
        condition.path = text;
        condition.pathParts = parts;
    }

    void readTest(const std::string& name, const Entry& op, Condition& condition) {
        condition.kind = testKind(name);
        if (name == "in") return readInList(op, condition);
        if (name == "exists") return readExists(op, condition);
        if (name == "greater_than" || name == "less_than") return readInteger(name, op, condition);
        if (auto value = readValue(op.value, op.key, "\"" + name + "\"")) condition.values.push_back(*value);
    }

    void readInList(const Entry& op, Condition& condition) {
        if (!op.value.IsSequence())
            return error(op.value, op.key,
                         "\"in\" must be a sequence of values such as [a, b], got " + describeNode(op.value));
        if (op.value.size() == 0) return error(op.value, op.key, "\"in\" is empty: list at least one value");
        if (op.value.size() > kMaxConditionInValues)
            return error(op.value, op.key,
                         "\"in\" may list at most " + std::to_string(kMaxConditionInValues) + " values, got " +
                             std::to_string(op.value.size()));
        for (std::size_t i = 0; i < op.value.size(); ++i) {
            if (auto value = readValue(op.value[i], op.key, "each value of \"in\"")) condition.values.push_back(*value);
        }
    }

    void readExists(const Entry& op, Condition& condition) {
        const bool isBoolean = op.value.IsScalar() && resolveScalar(op.value).kind == ScalarKind::Boolean;
        if (!isBoolean)
            return error(op.value, op.key, "\"exists\" must be true or false, got " + describeNode(op.value));
        if (resolveScalar(op.value).json == "false") condition.kind = ConditionKind::Missing;
    }

    void readInteger(const std::string& name, const Entry& op, Condition& condition) {
        const ResolvedScalar scalar = op.value.IsScalar() ? resolveScalar(op.value) : ResolvedScalar{};
        if (!op.value.IsScalar() || scalar.kind != ScalarKind::Integer)
            return error(op.value, op.key, "\"" + name + "\" must be an integer, got " + describeNode(op.value));
        if (!scalar.error.empty()) return error(op.value, op.key, scalar.error);
        ConditionValue value;
        value.type = ConditionValue::Type::Integer;
        value.integer = scalar.integer;
        condition.values.push_back(value);
    }

    // A string, integer or boolean; `what` names the place in messages.
    std::optional<ConditionValue> readValue(const Node& node, const Node& key, const std::string& what) {
        const ResolvedScalar scalar = node.IsScalar() ? resolveScalar(node) : ResolvedScalar{};
        const bool usable =
            node.IsScalar() && (scalar.kind == ScalarKind::String || scalar.kind == ScalarKind::Integer ||
                                scalar.kind == ScalarKind::Boolean);
        if (!usable) {
            error(node, key, what + " must be " + kValueTypes + ", got " + describeNode(node));
            return std::nullopt;
        }
        if (!scalar.error.empty()) {
            error(node, key, scalar.error);
            return std::nullopt;
        }
        if (scalar.kind == ScalarKind::String && !isUtf8(scalar.text)) {
            error(node, key, what + " is not valid UTF-8");
            return std::nullopt;
        }
        ConditionValue value;
        if (scalar.kind == ScalarKind::Integer) {
            value.type = ConditionValue::Type::Integer;
            value.integer = scalar.integer;
        } else if (scalar.kind == ScalarKind::Boolean) {
            value.type = ConditionValue::Type::Boolean;
            value.boolean = scalar.json == "true";
        } else {
            value.string = scalar.text;
        }
        return value;
    }

    void error(const Node& node, const Node& key, const std::string& message) {
        // An empty value is marked at the next token, often on another line: point at its key.
        const Node& at = node.IsNull() ? key : node;
        errors_.push_back(ChainError{locationOf(at.Mark(), file_), message});
    }

    bool fail(const Node& node, const Node& key, const std::string& message) {
        error(node, key, message);
        return false;
    }

    const std::string& file_;
    std::vector<ChainError>& errors_;
    std::size_t size_ = 0;
    bool exhausted_ = false;
};

}  // namespace

std::shared_ptr<const Condition> readCondition(const Node& value, const Node& key, const std::string& file,
                                               std::vector<ChainError>& errors) {
    std::optional<Condition> condition = ConditionReader(file, errors).read(value, key, 1);
    if (!condition) return nullptr;
    return std::make_shared<const Condition>(std::move(*condition));
}

}  // namespace orderhost::chains

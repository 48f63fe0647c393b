#include "host/engine/ConditionEvaluator.h"

#include "host/document/JsonCodec.h"
#include "host/document/JsonPointer.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <optional>

namespace orderhost::engine {

namespace {

using chains::Condition;
using chains::ConditionKind;
using chains::ConditionValue;
using document::JsonType;
using document::jsonTypeOf;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// Same JSON type and same value; the type check comes first, so extract() cannot throw.
bool sameValue(const Var& value, const ConditionValue& expected) {
    switch (expected.type) {
        case ConditionValue::Type::String:
            return jsonTypeOf(value) == JsonType::String && value.extract<std::string>() == expected.string;
        case ConditionValue::Type::Integer: {
            const auto integer = document::asInt64(value);
            return integer && *integer == expected.integer;
        }
        case ConditionValue::Type::Boolean:
            return jsonTypeOf(value) == JsonType::Boolean && value.extract<bool>() == expected.boolean;
    }
    return false;
}

// The sign of value - bound for an integer value; nothing for any other type.
std::optional<int> compareInteger(const Var& value, std::int64_t bound) {
    if (jsonTypeOf(value) != JsonType::Integer) return std::nullopt;
    const auto integer = document::asInt64(value);
    // Only unsigned integers above int64's range fail asInt64: larger than any bound.
    if (!integer) return 1;
    return (*integer > bound) - (*integer < bound);
}

// Whether `test` passes for at least one value that parts[index..] selects below `node`.
// Recursion is as deep as the path (kMaxConditionPathParts when read from a file).
template <typename Test>
bool anySelected(const Var& node, const std::vector<std::string>& parts, std::size_t index, const Test& test) {
    if (index == parts.size()) return test(node);
    const std::string& part = parts[index];
    const bool wildcard = part == chains::kConditionWildcard;
    if (jsonTypeOf(node) == JsonType::Object) {
        const Object::Ptr& object = node.extract<Object::Ptr>();
        if (!object) return false;
        if (!wildcard) return object->has(part) && anySelected(object->get(part), parts, index + 1, test);
        return std::any_of(object->begin(), object->end(),
                           [&](const auto& member) { return anySelected(member.second, parts, index + 1, test); });
    }
    if (jsonTypeOf(node) != JsonType::Array) return false;
    const Array::Ptr& array = node.extract<Array::Ptr>();
    if (!array) return false;
    if (!wildcard) {
        const auto position = document::JsonPointer::arrayIndex(part);
        return position && *position < array->size() &&
               anySelected(array->get(static_cast<unsigned>(*position)), parts, index + 1, test);
    }
    for (std::size_t i = 0; i < array->size(); ++i)
        if (anySelected(array->get(static_cast<unsigned>(i)), parts, index + 1, test)) return true;
    return false;
}

bool equalsAny(const Condition& condition, const Var& root) {
    return anySelected(root, condition.pathParts, 0, [&](const Var& value) {
        return std::any_of(condition.values.begin(), condition.values.end(),
                           [&](const ConditionValue& expected) { return sameValue(value, expected); });
    });
}

// greater_than (sign 1) or less_than (sign -1) against the condition's integer bound.
bool compares(const Condition& condition, const Var& root, int sign) {
    if (condition.values.empty() || condition.values.front().type != ConditionValue::Type::Integer) return false;
    const std::int64_t bound = condition.values.front().integer;
    return anySelected(root, condition.pathParts, 0, [&](const Var& value) {
        const std::optional<int> order = compareInteger(value, bound);
        return order && *order == sign;
    });
}

bool exists(const Condition& condition, const Var& root) {
    return anySelected(root, condition.pathParts, 0, [](const Var&) { return true; });
}

bool holds(const Condition& condition, const Var& root) {
    const auto operandHolds = [&](const Condition& operand) { return holds(operand, root); };
    const std::vector<Condition>& operands = condition.operands;
    switch (condition.kind) {
        case ConditionKind::All:
            return std::all_of(operands.begin(), operands.end(), operandHolds);
        case ConditionKind::Any:
            return std::any_of(operands.begin(), operands.end(), operandHolds);
        case ConditionKind::Not:
            return std::none_of(operands.begin(), operands.end(), operandHolds);
        case ConditionKind::Equals:
        case ConditionKind::In:
            return equalsAny(condition, root);
        case ConditionKind::NotEquals:
            return !equalsAny(condition, root);
        case ConditionKind::Exists:
            return exists(condition, root);
        case ConditionKind::Missing:
            return !exists(condition, root);
        case ConditionKind::GreaterThan:
            return compares(condition, root, 1);
        case ConditionKind::LessThan:
            return compares(condition, root, -1);
    }
    return false;
}

void appendValue(std::string& out, const ConditionValue& value) {
    switch (value.type) {
        case ConditionValue::Type::String:
            document::appendJsonString(out, value.string);
            return;
        case ConditionValue::Type::Integer:
            out += std::to_string(value.integer);
            return;
        case ConditionValue::Type::Boolean:
            out += value.boolean ? "true" : "false";
            return;
    }
}

// Stops adding once `out` is past the limit: a condition can be large, its message not.
void appendCondition(std::string& out, const Condition& condition);

void appendList(std::string& out, const char* name, const std::vector<Condition>& operands) {
    out.append(name).push_back('(');
    for (std::size_t i = 0; i < operands.size() && out.size() <= kMaxDescriptionBytes; ++i) {
        if (i > 0) out += ", ";
        appendCondition(out, operands[i]);
    }
    out.push_back(')');
}

void appendTest(std::string& out, const Condition& condition, const char* op) {
    out += condition.path;
    out += op;
    const bool list = condition.kind == ConditionKind::In;
    if (list) out.push_back('[');
    for (std::size_t i = 0; i < condition.values.size() && out.size() <= kMaxDescriptionBytes; ++i) {
        if (i > 0) out += ", ";
        appendValue(out, condition.values[i]);
    }
    if (list) out.push_back(']');
}

void appendCondition(std::string& out, const Condition& condition) {
    if (out.size() > kMaxDescriptionBytes) return;
    switch (condition.kind) {
        case ConditionKind::All:
            return appendList(out, "all", condition.operands);
        case ConditionKind::Any:
            return appendList(out, "any", condition.operands);
        case ConditionKind::Not:
            return appendList(out, "not", condition.operands);
        case ConditionKind::Equals:
            return appendTest(out, condition, " == ");
        case ConditionKind::NotEquals:
            return appendTest(out, condition, " != ");
        case ConditionKind::In:
            return appendTest(out, condition, " in ");
        case ConditionKind::Exists:
            out += "exists(" + condition.path + ")";
            return;
        case ConditionKind::Missing:
            out += "not exists(" + condition.path + ")";
            return;
        case ConditionKind::GreaterThan:
            return appendTest(out, condition, " > ");
        case ConditionKind::LessThan:
            return appendTest(out, condition, " < ");
    }
}

// Cuts at a UTF-8 character boundary: the text goes into logs, JSON and database columns.
void limitLength(std::string& text) {
    if (text.size() <= kMaxDescriptionBytes) return;
    std::size_t end = kMaxDescriptionBytes - 3;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text.resize(end);
    text += "...";
}

}  // namespace

bool conditionHolds(const Condition& condition, const document::JsonDocument& order) {
    return holds(condition, Var(order.root()));
}

std::string describe(const Condition& condition) {
    std::string text;
    appendCondition(text, condition);
    limitLength(text);
    return text;
}

std::string skipReason(const Condition& condition) { return "when " + describe(condition) + " was false"; }

}  // namespace orderhost::engine

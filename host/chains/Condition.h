// A step's condition (the "when" field of a step in a chain file): a small tree of tests on
// the order document, read here and evaluated by host/engine/ConditionEvaluator just before
// the step would run. A step whose condition is false is skipped.
//
//   when:                                   Condition{Any, operands = {
//     any:                                    Condition{Equals, path "/lines/*/kind",
//       - path: /lines/*/kind                           values = {"service"}},
//         equals: service                     Condition{In, path "/attributes/segment",
//       - path: /attributes/segment                     values = {"vip", "partner"}}}}
//         in: [vip, partner]
//
// A condition is a mapping holding exactly one of
//   all: [conditions]   any: [conditions]   not: condition
// or a "path" (a JSON Pointer in which a "*" part matches every element of an array or
// member of an object) together with exactly one of
//   equals: v   not_equals: v   in: [v, ...]   exists: true|false   greater_than: n   less_than: n
// where v is a string, an integer or a boolean and n an integer. The semantics (missing
// paths, wildcards, types) are written down in ConditionEvaluator.h and docs/admin-guide.md.
#pragma once

#include "host/chains/ChainDefinition.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// Only referenced: the rest of the host includes this header without seeing yaml-cpp.
namespace YAML {
class Node;
}

namespace orderhost::chains {

// all/any/not may nest this many levels (a lone test is one level).
inline constexpr int kMaxConditionDepth = 8;
// Conditions (tests and all/any/not) in one step's "when", counted after YAML aliases are
// expanded: this bounds the work of one evaluation, and of reading a file whose aliases
// would otherwise expand exponentially.
inline constexpr std::size_t kMaxConditionSize = 100;
// Values one "in:" may list.
inline constexpr std::size_t kMaxConditionInValues = 100;
// Parts of one path; order documents nest at most 64 levels, conditions need far fewer.
inline constexpr std::size_t kMaxConditionPathParts = 32;

// The part of a path that matches every element of an array or member of an object.
inline constexpr const char* kConditionWildcard = "*";

enum class ConditionKind {
    All,          // every operand holds (YAML all:)
    Any,          // at least one operand holds (any:)
    Not,          // the single operand does not hold (not:)
    Equals,       // equals: v
    NotEquals,    // not_equals: v — exactly not(equals: v)
    In,           // in: [v, ...]
    Exists,       // exists: true
    Missing,      // exists: false — exactly not(exists: true)
    GreaterThan,  // greater_than: n
    LessThan,     // less_than: n
};

// A value written in a condition. Floats and null are refused when the file is read: floats
// cannot be compared exactly (money is integer minor units) and a test for null is almost
// always an "equals:" left empty by mistake; "exists:" tests for presence.
struct ConditionValue {
    enum class Type { String, Integer, Boolean };
    Type type = Type::String;
    std::string string;        // when String
    std::int64_t integer = 0;  // when Integer
    bool boolean = false;      // when Boolean
};

struct Condition {
    ConditionKind kind = ConditionKind::All;
    std::vector<Condition> operands;     // All/Any: 1 or more; Not: exactly 1; tests: none
    std::string path;                    // tests: the JSON Pointer as written
    std::vector<std::string> pathParts;  // tests: its unescaped parts; "*" is the wildcard
    std::vector<ConditionValue> values;  // Equals/NotEquals/GreaterThan/LessThan: 1; In: 1+
    SourceLocation location;             // the condition's mapping in the chain file
};

// Reads the value of a step's "when" field. Returns null after appending every problem to
// `errors` (each at file:line:col). `key` is the "when" key itself: errors about an empty
// value point at it, because yaml-cpp marks an empty value at the next token.
std::shared_ptr<const Condition> readCondition(const YAML::Node& value, const YAML::Node& key, const std::string& file,
                                               std::vector<ChainError>& errors);

}  // namespace orderhost::chains

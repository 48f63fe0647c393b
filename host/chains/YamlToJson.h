// YAML helpers shared by the chain file parser (internal to host/chains: it exposes
// yaml-cpp types, which the rest of the host never sees).
//
// Scalars are typed like the YAML 1.2 core schema: a plain (unquoted) scalar that looks like
// null (~, null, empty), a boolean (true/false), an integer (42, -7, 0x1F, 0o17) or a float
// (1.5, .5, 1e3) is one; anything quoted or tagged !!str stays a string. YAML 1.1 words such
// as yes/no/on/off are strings. Integers must fit int64 exactly; .inf/.nan are refused since
// JSON cannot carry them.
//
// Aliases are followed, so a "billion laughs" file would expand exponentially: conversion
// runs on a budget of values and bytes shared by the whole file, and a depth limit (which
// also stops the cycles yaml-cpp builds for "&a [*a]").
#pragma once

#include "host/chains/ChainDefinition.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orderhost::chains {

// yaml-cpp marks are 0-based and -1 when unknown; SourceLocation is 1-based.
SourceLocation locationOf(const YAML::Mark& mark, const std::string& file);

enum class ScalarKind { Null, Boolean, Integer, Float, String };

struct ResolvedScalar {
    ScalarKind kind = ScalarKind::String;
    std::string text;          // the scalar as written (unquoted)
    std::string json;          // the value as JSON text
    std::int64_t integer = 0;  // when kind is Integer
    std::string error;         // non-empty when the scalar cannot be represented
};

// Types a scalar or null node by the core schema (see above).
ResolvedScalar resolveScalar(const YAML::Node& node);

// "a mapping", "a sequence", "null", "a string", "an integer", ...
std::string describeNode(const YAML::Node& node);

// Converts step configurations to JSON, charging every value to one budget per file.
class YamlToJson {
public:
    struct Limits {
        int maxDepth = 64;
        std::size_t maxValues = 100000;
        std::size_t maxBytes = 1024 * 1024;
    };

    YamlToJson(std::string file, std::vector<ChainError>& errors, Limits limits);
    YamlToJson(std::string file, std::vector<ChainError>& errors) : YamlToJson(std::move(file), errors, Limits()) {}

    // The node (a mapping, a sequence or a scalar) as compact JSON, or nothing after
    // reporting the problems to `errors`.
    std::optional<std::string> convert(const YAML::Node& node);

private:
    bool append(const YAML::Node& node, int depth, std::string& out);
    bool appendMapping(const YAML::Node& node, int depth, std::string& out);
    bool appendSequence(const YAML::Node& node, int depth, std::string& out);
    bool fail(const YAML::Node& node, const std::string& message);
    bool exhausted(const YAML::Node& node, const std::string& message);

    std::string file_;
    std::vector<ChainError>& errors_;
    Limits limits_;
    std::size_t values_ = 0;
    std::size_t bytes_ = 0;
    bool exhausted_ = false;
};

}  // namespace orderhost::chains

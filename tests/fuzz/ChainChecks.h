// What an accepted chain file and an accepted condition must satisfy: the checks the fuzz
// targets for host/chains apply to everything the parser lets through. They restate the
// format (ChainDefinition.h, Condition.h) independently of the parser's own code.
#pragma once

#include "host/chains/ChainDefinition.h"
#include "host/chains/Condition.h"
#include "host/document/JsonDocument.h"
#include "tests/fuzz/FuzzCheck.h"

#include <algorithm>
#include <cstring>
#include <set>

namespace orderhost::fuzz {

inline bool isChainName(const std::string& name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

// Checks the tree's shape and returns its size (conditions counted, as kMaxConditionSize does).
inline std::size_t checkCondition(const chains::Condition& condition, int depth) {
    using chains::ConditionKind;
    FUZZ_CHECK(depth <= chains::kMaxConditionDepth, "accepted condition deeper than kMaxConditionDepth");
    std::size_t size = 1;
    switch (condition.kind) {
        case ConditionKind::All:
        case ConditionKind::Any:
        case ConditionKind::Not:
            FUZZ_CHECK(
                condition.kind == ConditionKind::Not ? condition.operands.size() == 1 : !condition.operands.empty(),
                "accepted all/any/not with a wrong number of operands");
            FUZZ_CHECK(condition.values.empty() && condition.path.empty(), "accepted combinator with a path or values");
            for (const chains::Condition& operand : condition.operands) size += checkCondition(operand, depth + 1);
            break;
        default:
            FUZZ_CHECK(condition.operands.empty(), "accepted test with operands");
            FUZZ_CHECK(!condition.path.empty() && condition.path[0] == '/', "accepted test path not starting with '/'");
            FUZZ_CHECK(!hasControlCharacter(condition.path), "accepted test path with a control character");
            FUZZ_CHECK(condition.pathParts.size() <= chains::kMaxConditionPathParts,
                       "accepted path with too many parts");
            FUZZ_CHECK(
                std::find(condition.pathParts.begin(), condition.pathParts.end(), "-") == condition.pathParts.end(),
                "accepted path with a '-' part");
            const std::size_t values = condition.values.size();
            if (condition.kind == ConditionKind::Exists || condition.kind == ConditionKind::Missing) {
                FUZZ_CHECK(values == 0, "accepted exists with values");
            } else if (condition.kind == ConditionKind::In) {
                FUZZ_CHECK(values >= 1 && values <= chains::kMaxConditionInValues, "accepted in: with a wrong count");
            } else {
                FUZZ_CHECK(values == 1, "accepted comparison without exactly one value");
            }
            if (condition.kind == ConditionKind::GreaterThan || condition.kind == ConditionKind::LessThan) {
                FUZZ_CHECK(condition.values[0].type == chains::ConditionValue::Type::Integer,
                           "accepted greater_than/less_than with a value that is not an integer");
            }
    }
    FUZZ_CHECK(condition.location.line >= 1, "accepted condition without a line");
    return size;
}

inline void checkAcceptedCondition(const chains::Condition& condition) {
    FUZZ_CHECK(checkCondition(condition, 1) <= chains::kMaxConditionSize, "accepted condition larger than the limit");
}

// Everything ChainDefinition.h promises about a chain the parser accepted.
inline void checkAcceptedChain(const chains::ChainDefinition& chain) {
    FUZZ_CHECK(isChainName(chain.name), "accepted chain name: " + chain.name);
    FUZZ_CHECK(chain.version >= 1, "accepted chain version below 1");
    FUZZ_CHECK(std::any_of(std::begin(chains::kChainTriggers), std::end(chains::kChainTriggers),
                           [&](const char* t) { return chain.trigger == t; }),
               "accepted trigger: " + chain.trigger);
    FUZZ_CHECK(!chain.steps.empty() && chain.steps.size() <= 200, "accepted step count");
    std::set<std::string> names;
    for (const chains::StepDefinition& step : chain.steps) {
        FUZZ_CHECK(isChainName(step.name), "accepted step name: " + step.name);
        FUZZ_CHECK(names.insert(step.name).second, "accepted duplicate step name: " + step.name);
        // Both up to 128, as the loader accepts them (ChainFileParser.cpp; step kinds were 64 before 2026-12-05).
        FUZZ_CHECK(
            !step.plugin.empty() && step.plugin.size() <= 128 && !step.stepKind.empty() && step.stepKind.size() <= 128,
            "accepted plugin or step kind of a wrong length");
        FUZZ_CHECK(step.attempts >= 1 && step.attempts <= 100, "accepted attempts out of 1..100");
        FUZZ_CHECK(step.backoffMs >= 0 && step.maxBackoffMs >= 1 && step.timeoutMs >= 1 && step.signalTimeoutMs >= 0,
                   "accepted a negative or zero duration");
        // The engine hands the configuration to plugins as an OH_DOC_CONFIG document.
        const document::JsonDocumentResult config = document::JsonDocument::parse(step.configJson);
        FUZZ_CHECK(config.ok(), "accepted step config is not a JSON object the host parses: " + step.configJson +
                                    (config.error ? " (" + config.error->toString() + ")" : std::string()));
        if (step.when) checkAcceptedCondition(*step.when);
        FUZZ_CHECK(step.location.line >= 1, "accepted step without a line");
    }
}

}  // namespace orderhost::fuzz

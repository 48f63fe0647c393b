// Evaluates a step's condition (chains::Condition, the "when" of a chain file) on the order
// document just before the step would run: a step whose condition does not hold is skipped.
//
//   if (step.when && !conditionHolds(*step.when, order))
//       recordSkipped(step, skipReason(*step.when));  // "when any(/lines/*/kind == \"service\") was false"
//
// Semantics, for every document (also ones that break the order schema):
//   - A path selects the values it reaches. A "*" part continues with every element of an
//     array or every member of an object; any other part selects one member of an object,
//     or one element of an array when it is an index ("0", "12"). A part that finds nothing
//     (no such member, index out of range, a scalar in the way) selects nothing there.
//   - equals, in, greater_than, less_than and exists: true hold when AT LEAST ONE selected
//     value passes; so they are false when the path selects nothing.
//   - not_equals and exists: false are exactly their negations: not_equals: v is
//     not(equals: v) — true when no selected value equals v, also when the path is missing —
//     and exists: false holds when the path selects nothing ("no line has it" with "*").
//   - Values compare by JSON type: the string "5" never equals the integer 5, true never
//     equals "true", and integers never equal floats. greater_than/less_than only look at
//     integer values; any other value does not pass.
//   - exists: true holds for a member whose value is null.
//   - all: every operand holds (all of none: true); any: at least one does; not: none does.
#pragma once

#include "host/chains/Condition.h"
#include "host/document/JsonDocument.h"

#include <cstddef>
#include <string>

namespace orderhost::engine {

// The longest text describe() returns.
inline constexpr std::size_t kMaxDescriptionBytes = 300;

// Whether `condition` holds on `order`. Never throws for any document or condition (a
// condition built by hand with missing values simply fails to match); only
// std::bad_alloc can escape. Work is bounded by the condition's size times the document's.
bool conditionHolds(const chains::Condition& condition, const document::JsonDocument& order);

// The condition on one line, at most kMaxDescriptionBytes (then cut with "..."):
//   any(/lines/*/kind == "service", /attributes/segment in ["vip", "partner"])
//   all(exists(/shipping_address), not exists(/attributes/pickup), /lines/0/quantity > 10)
std::string describe(const chains::Condition& condition);

// The message of a skipped step: "when <describe(condition)> was false".
std::string skipReason(const chains::Condition& condition);

}  // namespace orderhost::engine

// Fuzz target: the condition language (a step's "when", host/chains/Condition) read from YAML
// and evaluated by host/engine/ConditionEvaluator on sample orders.
//
// Invariants: a condition is returned exactly when no error was reported; an accepted tree is
// within the documented limits and well formed (ChainChecks.h); evaluation never throws and
// follows the documented identities on every sample document: not_equals is not(equals),
// exists: false is not(exists: true), not is the negation, all/any of one operand is that
// operand; describe() stays within kMaxDescriptionBytes.
#include "host/chains/Condition.h"
#include "host/engine/ConditionEvaluator.h"
#include "tests/fuzz/ChainChecks.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>

using namespace orderhost;
using chains::Condition;
using chains::ConditionKind;

namespace {

const std::vector<document::JsonDocument>& sampleOrders() {
    static const std::vector<document::JsonDocument> orders = [] {
        std::vector<document::JsonDocument> list;
        for (const char* text : {
                 R"({})",
                 R"({"order_ref":"A-1","currency":"EUR","customer":{"id":"c1","open_balance":500},)"
                 R"("lines":[{"sku":"X","quantity":2,"unit_price":150,"kind":"goods"},)"
                 R"({"sku":"S","quantity":1,"unit_price":0,"kind":"service"}],)"
                 R"("attributes":{"segment":"vip","rush":true,"n":-3,"f":1.5,"z":null,"a/b":{"~":"t"}}})",
                 R"({"lines":[],"attributes":{"segment":5,"list":[[1,2],{"x":"1"}]}})",
             }) {
            list.push_back(std::move(*document::JsonDocument::parse(text).document));
        }
        return list;
    }();
    return orders;
}

void checkIdentities(const Condition& condition, const document::JsonDocument& order) {
    const bool holds = engine::conditionHolds(condition, order);
    Condition twin = condition;
    bool hasTwin = true;
    switch (condition.kind) {
        case ConditionKind::NotEquals:
            twin.kind = ConditionKind::Equals;
            break;
        case ConditionKind::Equals:
            twin.kind = ConditionKind::NotEquals;
            break;
        case ConditionKind::Missing:
            twin.kind = ConditionKind::Exists;
            break;
        case ConditionKind::Exists:
            twin.kind = ConditionKind::Missing;
            break;
        case ConditionKind::Not:
            twin = condition.operands[0];
            break;
        default:
            hasTwin = false;
    }
    if (hasTwin) FUZZ_CHECK(engine::conditionHolds(twin, order) == !holds, "negation identity broken");
    if ((condition.kind == ConditionKind::All || condition.kind == ConditionKind::Any) &&
        condition.operands.size() == 1)
        FUZZ_CHECK(engine::conditionHolds(condition.operands[0], order) == holds, "all/any of one operand");
    if (condition.kind == ConditionKind::All || condition.kind == ConditionKind::Any) {
        bool all = true, any = false;
        for (const Condition& operand : condition.operands) {
            const bool h = engine::conditionHolds(operand, order);
            all = all && h;
            any = any || h;
        }
        FUZZ_CHECK(holds == (condition.kind == ConditionKind::All ? all : any), "all/any is not the fold of operands");
    }
    for (const Condition& operand : condition.operands) checkIdentities(operand, order);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    YAML::Node value;
    try {
        value = YAML::Load(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const YAML::Exception&) {
        return 0;
    }
    const YAML::Node key("when");
    std::vector<chains::ChainError> errors;
    std::shared_ptr<const Condition> condition;
    try {
        condition = chains::readCondition(value, key, "fuzz.yaml", errors);
    } catch (const YAML::Exception& e) {
        FUZZ_CHECK(false, std::string("readCondition let a yaml-cpp exception escape: ") + e.what());
    }
    FUZZ_CHECK((condition != nullptr) == errors.empty(), "a condition and errors, or neither");
    if (!condition) return 0;
    orderhost::fuzz::checkAcceptedCondition(*condition);
    const std::string description = engine::describe(*condition);
    FUZZ_CHECK(description.size() <= engine::kMaxDescriptionBytes, "describe() longer than its cap: " + description);
    // The description is on one line and ends up in step records and events (JSON): when the
    // file was valid UTF-8, a cut at the cap must not split a character.
    if (orderhost::fuzz::isValidUtf8(std::string_view(reinterpret_cast<const char*>(data), size))) {
        FUZZ_CHECK(orderhost::fuzz::isValidUtf8(description), "describe() is not valid UTF-8: " + description);
    }
    FUZZ_CHECK(description.find('\n') == std::string::npos, "describe() spans lines: " + description);
    for (const document::JsonDocument& order : sampleOrders()) checkIdentities(*condition, order);
    return 0;
}

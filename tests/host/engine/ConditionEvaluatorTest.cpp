#include "host/engine/ConditionEvaluator.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace orderhost::engine {
namespace {

using chains::Condition;
using chains::ConditionKind;
using chains::ConditionValue;

// Conditions are built by hand here (reading them is tested in tests/host/chains).
ConditionValue text(const std::string& value) {
    ConditionValue v;
    v.string = value;
    return v;
}

ConditionValue integer(std::int64_t value) {
    ConditionValue v;
    v.type = ConditionValue::Type::Integer;
    v.integer = value;
    return v;
}

ConditionValue boolean(bool value) {
    ConditionValue v;
    v.type = ConditionValue::Type::Boolean;
    v.boolean = value;
    return v;
}

// A test; `path` is split like a JSON Pointer without escapes.
Condition test(ConditionKind kind, const std::string& path, std::vector<ConditionValue> values = {}) {
    Condition c;
    c.kind = kind;
    c.path = path;
    for (std::size_t start = 1; start <= path.size();) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        c.pathParts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    c.values = std::move(values);
    return c;
}

Condition combine(ConditionKind kind, std::initializer_list<Condition> operands) {
    Condition c;
    c.kind = kind;
    c.operands = operands;
    return c;
}

const char* kOrder = R"({
  "order_ref": "A-1", "currency": "EUR",
  "customer": {"id": "C-1", "segment": "vip", "open_balance": 0, "email": null},
  "lines": [
    {"sku": "BOLT-M8", "quantity": 10, "unit_price": 25, "kind": "goods"},
    {"sku": "SUPPORT-1Y", "quantity": 1, "unit_price": 12000, "kind": "service"},
    {"sku": "FRAME", "quantity": 2, "unit_price": 5000}
  ],
  "attributes": {"rush": true, "code": "5", "ratio": 2.0, "huge": 18446744073709551615,
                 "gifts": {"g1": {"wrap": "red"}, "g2": {"wrap": "blue"}}}
})";

class ConditionEvaluator : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(order_.ok()) << order_.error->toString(); }
    bool holds(const Condition& condition) const { return conditionHolds(condition, *order_.document); }
    document::JsonDocumentResult order_ = document::JsonDocument::parse(kOrder);
};

TEST_F(ConditionEvaluator, Equals) {
    EXPECT_TRUE(holds(test(ConditionKind::Equals, "/currency", {text("EUR")})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/currency", {text("USD")})));
    EXPECT_TRUE(holds(test(ConditionKind::Equals, "/lines/0/quantity", {integer(10)})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/lines/0/quantity", {integer(11)})));
    EXPECT_TRUE(holds(test(ConditionKind::Equals, "/attributes/rush", {boolean(true)})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/attributes/rush", {boolean(false)})));
}

TEST_F(ConditionEvaluator, NotEquals) {
    EXPECT_TRUE(holds(test(ConditionKind::NotEquals, "/currency", {text("USD")})));
    EXPECT_FALSE(holds(test(ConditionKind::NotEquals, "/currency", {text("EUR")})));
    EXPECT_TRUE(holds(test(ConditionKind::NotEquals, "/lines/1/quantity", {integer(2)})));
    EXPECT_FALSE(holds(test(ConditionKind::NotEquals, "/lines/1/quantity", {integer(1)})));
}

TEST_F(ConditionEvaluator, In) {
    EXPECT_TRUE(holds(test(ConditionKind::In, "/customer/segment", {text("partner"), text("vip")})));
    EXPECT_FALSE(holds(test(ConditionKind::In, "/customer/segment", {text("partner"), text("staff")})));
    EXPECT_TRUE(holds(test(ConditionKind::In, "/lines/2/quantity", {integer(1), integer(2)})));
    EXPECT_FALSE(holds(test(ConditionKind::In, "/lines/2/quantity", {integer(1), text("2")})));
}

TEST_F(ConditionEvaluator, ExistsAndMissing) {
    EXPECT_TRUE(holds(test(ConditionKind::Exists, "/customer/segment")));
    EXPECT_FALSE(holds(test(ConditionKind::Exists, "/shipping_address")));
    EXPECT_TRUE(holds(test(ConditionKind::Missing, "/shipping_address")));
    EXPECT_FALSE(holds(test(ConditionKind::Missing, "/customer/segment")));
    // A member holding null is there.
    EXPECT_TRUE(holds(test(ConditionKind::Exists, "/customer/email")));
    EXPECT_TRUE(holds(test(ConditionKind::Exists, "/lines/2")));
    EXPECT_FALSE(holds(test(ConditionKind::Exists, "/lines/3")));
}

TEST_F(ConditionEvaluator, GreaterAndLessThan) {
    EXPECT_TRUE(holds(test(ConditionKind::GreaterThan, "/lines/0/quantity", {integer(9)})));
    EXPECT_FALSE(holds(test(ConditionKind::GreaterThan, "/lines/0/quantity", {integer(10)})));
    EXPECT_TRUE(holds(test(ConditionKind::LessThan, "/lines/0/quantity", {integer(11)})));
    EXPECT_FALSE(holds(test(ConditionKind::LessThan, "/lines/0/quantity", {integer(10)})));
    EXPECT_TRUE(holds(test(ConditionKind::GreaterThan, "/customer/open_balance", {integer(-1)})));
    // Beyond int64, an integer is still larger than any bound.
    EXPECT_TRUE(holds(test(ConditionKind::GreaterThan, "/attributes/huge", {integer(INT64_MAX)})));
    EXPECT_FALSE(holds(test(ConditionKind::LessThan, "/attributes/huge", {integer(0)})));
}

TEST_F(ConditionEvaluator, ValuesCompareByJsonType) {
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/attributes/code", {integer(5)})));
    EXPECT_TRUE(holds(test(ConditionKind::Equals, "/attributes/code", {text("5")})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/lines/0/quantity", {text("10")})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/attributes/rush", {text("true")})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/attributes/ratio", {integer(2)})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/customer/email", {text("null")})));
    EXPECT_TRUE(holds(test(ConditionKind::NotEquals, "/attributes/code", {integer(5)})));
    // Only integers are ordered: a string or a float never passes.
    EXPECT_FALSE(holds(test(ConditionKind::GreaterThan, "/attributes/code", {integer(1)})));
    EXPECT_FALSE(holds(test(ConditionKind::LessThan, "/attributes/code", {integer(9)})));
    EXPECT_FALSE(holds(test(ConditionKind::GreaterThan, "/attributes/ratio", {integer(1)})));
}

TEST_F(ConditionEvaluator, MissingPaths) {
    for (const char* path : {"/nothing", "/customer/segment/deeper", "/lines/7/kind", "/lines/x", "/lines/01",
                             "/lines/-", "/currency/0"}) {
        SCOPED_TRACE(path);
        EXPECT_FALSE(holds(test(ConditionKind::Equals, path, {text("x")})));
        EXPECT_FALSE(holds(test(ConditionKind::In, path, {text("x"), integer(1)})));
        EXPECT_FALSE(holds(test(ConditionKind::GreaterThan, path, {integer(-100)})));
        EXPECT_FALSE(holds(test(ConditionKind::LessThan, path, {integer(100)})));
        EXPECT_FALSE(holds(test(ConditionKind::Exists, path)));
        EXPECT_TRUE(holds(test(ConditionKind::NotEquals, path, {text("x")})));
        EXPECT_TRUE(holds(test(ConditionKind::Missing, path)));
    }
}

TEST_F(ConditionEvaluator, WildcardsOverArrays) {
    EXPECT_TRUE(holds(test(ConditionKind::Equals, "/lines/*/kind", {text("service")})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/lines/*/kind", {text("custom")})));
    EXPECT_TRUE(holds(test(ConditionKind::In, "/lines/*/kind", {text("custom"), text("goods")})));
    EXPECT_TRUE(holds(test(ConditionKind::GreaterThan, "/lines/*/unit_price", {integer(10000)})));
    EXPECT_FALSE(holds(test(ConditionKind::GreaterThan, "/lines/*/unit_price", {integer(12000)})));
    EXPECT_TRUE(holds(test(ConditionKind::LessThan, "/lines/*/quantity", {integer(2)})));
    // The negations: "no line is custom", "no line has a description".
    EXPECT_TRUE(holds(test(ConditionKind::NotEquals, "/lines/*/kind", {text("custom")})));
    EXPECT_FALSE(holds(test(ConditionKind::NotEquals, "/lines/*/kind", {text("service")})));
    EXPECT_TRUE(holds(test(ConditionKind::Missing, "/lines/*/description")));
    // The third line has no kind, but the others do.
    EXPECT_TRUE(holds(test(ConditionKind::Exists, "/lines/*/kind")));
    EXPECT_FALSE(holds(test(ConditionKind::Missing, "/lines/*/kind")));
    EXPECT_TRUE(holds(test(ConditionKind::Exists, "/lines/*")));
}

TEST_F(ConditionEvaluator, WildcardsOverObjectsAndScalars) {
    EXPECT_TRUE(holds(test(ConditionKind::Equals, "/attributes/gifts/*/wrap", {text("blue")})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/attributes/gifts/*/wrap", {text("green")})));
    EXPECT_TRUE(holds(test(ConditionKind::Equals, "/customer/*", {text("C-1")})));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/*/*/wrap", {text("red")})));  // gifts is one level deeper
    EXPECT_TRUE(holds(test(ConditionKind::Equals, "/*/gifts/*/wrap", {text("red")})));
    // A scalar has no elements; an empty array neither.
    EXPECT_FALSE(holds(test(ConditionKind::Exists, "/currency/*")));
    auto empty = document::JsonDocument::parse(R"({"lines": [], "tags": {}})");
    ASSERT_TRUE(empty.ok());
    EXPECT_FALSE(conditionHolds(test(ConditionKind::Exists, "/lines/*"), *empty.document));
    EXPECT_TRUE(conditionHolds(test(ConditionKind::Missing, "/tags/*"), *empty.document));
    EXPECT_TRUE(conditionHolds(test(ConditionKind::NotEquals, "/lines/*/kind", {text("service")}), *empty.document));
}

TEST_F(ConditionEvaluator, Combinators) {
    const Condition service = test(ConditionKind::Equals, "/lines/*/kind", {text("service")});
    const Condition custom = test(ConditionKind::Equals, "/lines/*/kind", {text("custom")});
    EXPECT_TRUE(holds(combine(ConditionKind::Any, {custom, service})));
    EXPECT_FALSE(holds(combine(ConditionKind::Any, {custom, custom})));
    EXPECT_TRUE(holds(combine(ConditionKind::All, {service, service})));
    EXPECT_FALSE(holds(combine(ConditionKind::All, {service, custom})));
    EXPECT_TRUE(holds(combine(ConditionKind::Not, {custom})));
    EXPECT_FALSE(holds(combine(ConditionKind::Not, {service})));
    // Deeply nested: not(any(custom, not(all(service, exists /lines/1))))
    const Condition all = combine(ConditionKind::All, {service, test(ConditionKind::Exists, "/lines/1")});
    const Condition any = combine(ConditionKind::Any, {custom, combine(ConditionKind::Not, {all})});
    EXPECT_TRUE(holds(combine(ConditionKind::Not, {any})));
    EXPECT_FALSE(holds(combine(ConditionKind::Not, {combine(ConditionKind::Not, {any})})));
}

TEST_F(ConditionEvaluator, HandBuiltConditionsWithoutValuesDoNotMatch) {
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "/currency")));
    EXPECT_FALSE(holds(test(ConditionKind::GreaterThan, "/lines/0/quantity")));
    EXPECT_FALSE(holds(test(ConditionKind::LessThan, "/lines/0/quantity", {text("100")})));
    EXPECT_TRUE(holds(combine(ConditionKind::All, {})));
    EXPECT_FALSE(holds(combine(ConditionKind::Any, {})));
}

TEST_F(ConditionEvaluator, TheWholeDocumentIsThePathWithoutParts) {
    EXPECT_TRUE(holds(test(ConditionKind::Exists, "")));
    EXPECT_TRUE(holds(test(ConditionKind::Exists, "/*")));
    EXPECT_FALSE(holds(test(ConditionKind::Equals, "", {text("EUR")})));
}

TEST(ConditionDescription, ReadsLikeTheChainFile) {
    const Condition condition = combine(
        ConditionKind::Any, {test(ConditionKind::Equals, "/lines/*/kind", {text("service")}),
                             test(ConditionKind::In, "/customer/segment", {text("vip"), integer(7), boolean(false)}),
                             combine(ConditionKind::Not, {test(ConditionKind::Missing, "/shipping_address")}),
                             combine(ConditionKind::All, {test(ConditionKind::Exists, "/a"),
                                                          test(ConditionKind::NotEquals, "/b", {integer(-1)}),
                                                          test(ConditionKind::GreaterThan, "/c", {integer(5)}),
                                                          test(ConditionKind::LessThan, "/d", {integer(0)})})});
    EXPECT_EQ(describe(condition), R"(any(/lines/*/kind == "service", /customer/segment in ["vip", 7, false], )"
                                   R"(not(not exists(/shipping_address)), all(exists(/a), /b != -1, /c > 5, /d < 0)))");
    EXPECT_EQ(skipReason(test(ConditionKind::Equals, "/lines/*/kind", {text("service")})),
              R"(when /lines/*/kind == "service" was false)");
    EXPECT_EQ(describe(test(ConditionKind::Equals, "/n", {text("a\"b\nc")})), R"(/n == "a\"b\nc")");
}

TEST(ConditionDescription, LongConditionsAreCutOnACharacterBoundary) {
    Condition any;
    any.kind = ConditionKind::Any;
    const std::string ete = "\xC3\xA9t\xC3\xA9";  // "été": two-byte characters, so a blind cut would split one
    for (int i = 0; i < 100; ++i) any.operands.push_back(test(ConditionKind::Equals, "/p", {text(ete)}));
    const std::string text = describe(any);
    EXPECT_LE(text.size(), kMaxDescriptionBytes);
    EXPECT_GE(text.size(), kMaxDescriptionBytes - 4);
    EXPECT_EQ(text.substr(text.size() - 3), "...");
    // Every two-byte lead (0xC3 here) is still followed by its continuation byte.
    for (std::size_t i = 0; i + 3 < text.size(); ++i) {
        if (static_cast<unsigned char>(text[i]) == 0xC3) {
            EXPECT_EQ(static_cast<unsigned char>(text[i + 1]) & 0xC0, 0x80) << "cut inside a character at " << i;
        }
    }
    EXPECT_EQ(text.rfind("any(/p == \"" + ete + "\", ", 0), 0u);
}

}  // namespace
}  // namespace orderhost::engine

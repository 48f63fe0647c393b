#include "host/document/JsonDocument.h"

#include <gtest/gtest.h>

#include <limits>

namespace orderhost::document {
namespace {

JsonDocument parse(std::string_view text) {
    JsonDocumentResult result = JsonDocument::parse(text);
    EXPECT_TRUE(result.ok()) << (result.error ? result.error->toString() : "");
    return result.ok() ? std::move(*result.document) : JsonDocument();
}

const char* kOrder = R"({"order_ref":"A-1","lines":[{"sku":"X","quantity":2,"unit_price":1999}],)"
                     R"("a/b":{"m~n":"slash"},"big":9223372036854775807,"small":-9223372036854775808,)"
                     R"("huge":18446744073709551615,"ratio":2.0,"flag":true,"none":null})";

TEST(JsonDocument, StatusValuesMirrorOhStatus) {
    // oh_status: OK 0, INVALID_ARGUMENT 1, NOT_FOUND 2, TYPE_MISMATCH 3.
    EXPECT_EQ(static_cast<int>(Status::Ok), 0);
    EXPECT_EQ(static_cast<int>(Status::InvalidArgument), 1);
    EXPECT_EQ(static_cast<int>(Status::NotFound), 2);
    EXPECT_EQ(static_cast<int>(Status::TypeMismatch), 3);
}

TEST(JsonDocument, ParseRequiresAnObject) {
    EXPECT_FALSE(JsonDocument::parse("[]").ok());
    EXPECT_FALSE(JsonDocument::parse("5").ok());
    const auto bad = JsonDocument::parse("{\n\"a\" 1}");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error->toString(), "line 2, column 5: unexpected '1': expected ':'");
}

TEST(JsonDocument, HundredThousandNestedBracketsIsAnErrorNotACrash) {
    EXPECT_FALSE(JsonDocument::parse(std::string(100000, '[')).ok());
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
    EXPECT_FALSE(JsonDocument::parse(deep).ok());
}

// Found by tests/fuzz/fuzz_json_edit: a plugin's set_json could create a member whose name is
// not UTF-8 (or holds a NUL), after which toJson() no longer parsed and the order was stored as
// invalid JSON.
TEST(JsonDocument, SetRefusesMemberNamesNoJsonTextCanHold) {
    JsonDocument doc = parse(R"({"attributes":{}})");
    const std::string before = doc.toJson();
    EXPECT_EQ(doc.set("/attributes/\xff\xfe", "1"), Status::InvalidArgument);
    EXPECT_EQ(doc.set("/\xed\xa0\x80/x", "1"), Status::InvalidArgument);  // a UTF-16 surrogate
    EXPECT_EQ(doc.set(std::string_view("/attributes/a\0b", 14), "1"), Status::InvalidArgument);
    EXPECT_EQ(doc.toJson(), before);
    EXPECT_EQ(doc.set("/attributes/\xc3\xa9", "1"), Status::Ok);  // valid UTF-8 stays fine
    EXPECT_TRUE(JsonDocument::parse(doc.toJson()).ok()) << doc.toJson();
}

TEST(JsonDocument, GetJsonAndEscapes) {
    const JsonDocument doc = parse(kOrder);
    std::string out;
    EXPECT_EQ(doc.getJson("/lines/0", out), Status::Ok);
    EXPECT_EQ(out, R"({"sku":"X","quantity":2,"unit_price":1999})");
    EXPECT_EQ(doc.getJson("/a~1b/m~0n", out), Status::Ok);
    EXPECT_EQ(out, "\"slash\"");
    EXPECT_EQ(doc.getJson("", out), Status::Ok);
    EXPECT_EQ(out, kOrder);
    EXPECT_EQ(doc.getJson("/none", out), Status::Ok);
    EXPECT_EQ(out, "null");
}

TEST(JsonDocument, GetStatuses) {
    const JsonDocument doc = parse(kOrder);
    std::string out;
    EXPECT_EQ(doc.getJson("lines", out), Status::InvalidArgument);
    EXPECT_EQ(doc.getJson("/~2", out), Status::InvalidArgument);
    EXPECT_EQ(doc.getJson("/missing", out), Status::NotFound);
    EXPECT_EQ(doc.getJson("/lines/1", out), Status::NotFound);
    EXPECT_EQ(doc.getJson("/lines/-", out), Status::NotFound);
    EXPECT_EQ(doc.getJson("/lines/01", out), Status::InvalidArgument);
    EXPECT_EQ(doc.getJson("/lines/x", out), Status::InvalidArgument);
    EXPECT_EQ(doc.getJson("/order_ref/x", out), Status::TypeMismatch);
    EXPECT_EQ(doc.getString("/lines", out), Status::TypeMismatch);
    EXPECT_EQ(doc.getString("/order_ref", out), Status::Ok);
    EXPECT_EQ(out, "A-1");
}

TEST(JsonDocument, GetIntIsExactAndStrict) {
    const JsonDocument doc = parse(kOrder);
    std::int64_t value = 0;
    EXPECT_EQ(doc.getInt("/big", value), Status::Ok);
    EXPECT_EQ(value, std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(doc.getInt("/small", value), Status::Ok);
    EXPECT_EQ(value, std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(doc.getInt("/lines/0/unit_price", value), Status::Ok);
    EXPECT_EQ(value, 1999);
    EXPECT_EQ(doc.getInt("/huge", value), Status::TypeMismatch);
    EXPECT_EQ(doc.getInt("/ratio", value), Status::TypeMismatch);
    EXPECT_EQ(doc.getInt("/flag", value), Status::TypeMismatch);
    EXPECT_EQ(doc.getInt("/order_ref", value), Status::TypeMismatch);
    EXPECT_EQ(doc.getInt("/none", value), Status::TypeMismatch);
}

TEST(JsonDocument, GetSize) {
    const JsonDocument doc = parse(kOrder);
    std::size_t size = 0;
    EXPECT_EQ(doc.getSize("/lines", size), Status::Ok);
    EXPECT_EQ(size, 1u);
    EXPECT_EQ(doc.getSize("/lines/0", size), Status::Ok);
    EXPECT_EQ(size, 3u);
    EXPECT_EQ(doc.getSize("/order_ref", size), Status::TypeMismatch);
}

TEST(JsonDocument, SetCreatesParentsAndAppends) {
    JsonDocument doc = parse(R"({"a":1})");
    EXPECT_EQ(doc.set("/x/y/z", "\"deep\""), Status::Ok);
    EXPECT_EQ(doc.set("/notes/-", "\"first\""), Status::Ok);
    EXPECT_EQ(doc.set("/notes/-", "{\"n\":2}"), Status::Ok);
    EXPECT_EQ(doc.set("/notes/0", "\"replaced\""), Status::Ok);
    EXPECT_EQ(doc.set("/events/-/at", "17"), Status::Ok);
    EXPECT_EQ(doc.set("/a", "[1,2]"), Status::Ok);
    EXPECT_EQ(doc.toJson(), R"({"a":[1,2],"x":{"y":{"z":"deep"}},"notes":["replaced",{"n":2}],"events":[{"at":17}]})");
}

TEST(JsonDocument, SetErrorsLeaveTheDocumentUnchanged) {
    JsonDocument doc = parse(R"({"s":"text","arr":[1]})");
    const std::string before = doc.toJson();
    EXPECT_EQ(doc.set("/s/x", "1"), Status::TypeMismatch);
    EXPECT_EQ(doc.set("/arr/0/x", "1"), Status::TypeMismatch);
    EXPECT_EQ(doc.set("/arr/5", "1"), Status::NotFound);
    EXPECT_EQ(doc.set("/arr/1", "1"), Status::NotFound);
    EXPECT_EQ(doc.set("/arr/01", "1"), Status::InvalidArgument);
    EXPECT_EQ(doc.set("/arr/x", "1"), Status::InvalidArgument);
    EXPECT_EQ(doc.set("/n", "{bad json"), Status::InvalidArgument);
    EXPECT_EQ(doc.set("/n", "1 2"), Status::InvalidArgument);
    EXPECT_EQ(doc.set("no-slash", "1"), Status::InvalidArgument);
    EXPECT_EQ(doc.set("", "[1]"), Status::TypeMismatch);
    EXPECT_EQ(doc.toJson(), before);
}

TEST(JsonDocument, SetWholeDocument) {
    JsonDocument doc = parse(R"({"a":1})");
    EXPECT_EQ(doc.set("", R"({"b":2})"), Status::Ok);
    EXPECT_EQ(doc.toJson(), R"({"b":2})");
}

TEST(JsonDocument, SetCannotExceedTheDepthLimit) {
    JsonLimits limits;
    limits.maxDepth = 4;
    JsonDocument doc(limits);
    EXPECT_EQ(doc.set("/a/b", "[[1]]"), Status::Ok);  // depth 2 + 2 = 4
    EXPECT_EQ(doc.set("/a/c", "[[[1]]]"), Status::InvalidArgument);
    EXPECT_EQ(doc.set("/a/b/c/d/e", "1"), Status::InvalidArgument);
    EXPECT_TRUE(JsonDocument::parse(doc.toJson(), limits).ok());
}

TEST(JsonDocument, SetCannotGrowTheDocumentBeyondTheSizeLimit) {
    JsonLimits limits;
    limits.maxBytes = 200;
    JsonDocument doc(limits);
    const std::string fifty = '"' + std::string(48, 'x') + '"';
    EXPECT_EQ(doc.set("/a", fifty), Status::Ok);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(doc.set("/a", fifty), Status::Ok);  // replacing does not grow it
    EXPECT_EQ(doc.set("/b", fifty), Status::Ok);
    EXPECT_EQ(doc.set("/c", fifty), Status::Ok);
    ASSERT_EQ(doc.toJson().size(), 166u);  // 34 bytes left: ,"d": + 29
    EXPECT_EQ(doc.set("/d", '"' + std::string(28, 'x') + '"'), Status::InvalidArgument);
    EXPECT_EQ(doc.set("/d", "[ " + std::string(100, ' ') + '"' + std::string(25, 'x') + "\" ]"), Status::Ok);
    EXPECT_EQ(doc.toJson().size(), limits.maxBytes);
    EXPECT_TRUE(JsonDocument::parse(doc.toJson(), limits).ok());
}

TEST(JsonDocument, CloneIsDeep) {
    JsonDocument doc = parse(R"({"lines":[{"sku":"X"}]})");
    JsonDocument copy = doc.clone();
    EXPECT_EQ(copy.set("/lines/0/sku", "\"Y\""), Status::Ok);
    std::string sku;
    EXPECT_EQ(doc.getString("/lines/0/sku", sku), Status::Ok);
    EXPECT_EQ(sku, "X");
}

TEST(JsonDocument, StringsWithNulBytesRoundTrip) {
    JsonDocument doc = parse(R"({"s":"a\u0000b"})");
    std::string value;
    EXPECT_EQ(doc.getString("/s", value), Status::Ok);
    EXPECT_EQ(value, std::string("a\0b", 3));
    EXPECT_EQ(doc.toJson(), R"({"s":"a\u0000b"})");
}

// canonicalJson() is what the order's request hash is computed from: an ERP that sends the
// same order again with its members in another order (or escaped differently) must produce
// the same bytes, while toJson() keeps the order the ERP used.
std::string canonical(std::string_view text) { return parse(text).canonicalJson(); }

TEST(JsonDocumentCanonical, SortsMembersButToJsonKeepsTheirOrder) {
    const JsonDocument first = parse(R"({"order_ref":"A-1","currency":"EUR","lines":[]})");
    const JsonDocument retry = parse(R"({"lines":[],"currency":"EUR","order_ref":"A-1"})");
    EXPECT_NE(first.toJson(), retry.toJson());
    EXPECT_EQ(first.canonicalJson(), retry.canonicalJson());
    EXPECT_EQ(first.canonicalJson(), R"({"currency":"EUR","lines":[],"order_ref":"A-1"})");
    EXPECT_EQ(first.toJson(), R"({"order_ref":"A-1","currency":"EUR","lines":[]})");
}

TEST(JsonDocumentCanonical, SortsNestedObjectsIncludingThoseInsideArrays) {
    EXPECT_EQ(canonical(R"({"z":{"y":{"b":1,"a":2},"x":0},"a":[{"q":1,"p":[{"n":1,"m":2}]}]})"),
              R"({"a":[{"p":[{"m":2,"n":1}],"q":1}],"z":{"x":0,"y":{"a":2,"b":1}}})");
}

TEST(JsonDocumentCanonical, KeepsArrayOrder) {
    EXPECT_EQ(canonical(R"({"lines":[{"sku":"B"},{"sku":"A"}],"n":[3,1,2]})"),
              R"({"lines":[{"sku":"B"},{"sku":"A"}],"n":[3,1,2]})");
    EXPECT_NE(canonical(R"({"n":[1,2]})"), canonical(R"({"n":[2,1]})"));
}

TEST(JsonDocumentCanonical, SortsKeysByUtf8BytesAndIgnoresHowTheyWereEscaped) {
    // Bytewise: "" < "A" < "Z" < "a" < "é" (C3 A9) < "€" (E2 82 AC) < "😀" (F0 9F 98 80).
    EXPECT_EQ(canonical("{\"😀\":6,\"€\":5,\"é\":4,\"a\":3,\"Z\":2,\"A\":1,\"\":0}"),
              "{\"\":0,\"A\":1,\"Z\":2,\"a\":3,\"é\":4,\"€\":5,\"😀\":6}");
    EXPECT_EQ(canonical(R"({"\u00e9":"\u20ac","\/":"\ud83d\ude00"})"), canonical("{\"/\":\"😀\",\"é\":\"€\"}"));
}

TEST(JsonDocumentCanonical, KeepsNumbersAndStringsExactly) {
    const char* text = R"({"u":18446744073709551615,"max":9223372036854775807,)"
                       R"("min":-9223372036854775808,"d":2.0,"e":1e2,"s":"a\u0000\"b","t":true,"n":null})";
    EXPECT_EQ(canonical(text), R"({"d":2.0,"e":100.0,"max":9223372036854775807,"min":-9223372036854775808,)"
                               R"("n":null,"s":"a\u0000\"b","t":true,"u":18446744073709551615})");
    // An integer and the same value as a double are different orders.
    EXPECT_NE(canonical(R"({"q":2})"), canonical(R"({"q":2.0})"));
}

TEST(JsonDocumentCanonical, SeesMembersAddedBySet) {
    JsonDocument doc = parse(R"({"b":1})");
    ASSERT_EQ(doc.set("/a/y", "1"), Status::Ok);
    ASSERT_EQ(doc.set("/a/x", "2"), Status::Ok);
    EXPECT_EQ(doc.toJson(), R"({"b":1,"a":{"y":1,"x":2}})");
    EXPECT_EQ(doc.canonicalJson(), R"({"a":{"x":2,"y":1},"b":1})");
}

// ---- since ABI 1.1: get_bool, get_key, remove_value ----

TEST(JsonDocument, GetBoolReadsOnlyJsonBooleans) {
    JsonDocument doc = parse(kOrder);
    bool value = false;
    EXPECT_EQ(doc.getBool("/flag", value), Status::Ok);
    EXPECT_TRUE(value);
    EXPECT_EQ(doc.getBool("/lines/0/quantity", value), Status::TypeMismatch);
    EXPECT_EQ(doc.getBool("/none", value), Status::TypeMismatch);
    EXPECT_EQ(doc.getBool("/missing", value), Status::NotFound);
}

TEST(JsonDocument, GetKeyWalksMembersInTheOrderTheyWereFirstWritten) {
    JsonDocument doc = parse(R"({"z":1,"a":{"m~n":1,"x/y":2},"list":[1]})");
    ASSERT_EQ(doc.set("/b", "2"), Status::Ok);
    ASSERT_EQ(doc.set("/z", "3"), Status::Ok);  // a rewrite keeps its place
    std::vector<std::string> keys;
    std::string key;
    for (std::size_t i = 0; doc.getKey("", i, key) == Status::Ok; ++i) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"z", "a", "list", "b"}));
    EXPECT_EQ(doc.getKey("/a", 1, key), Status::Ok);
    EXPECT_EQ(key, "x/y") << "keys come back unescaped";
    EXPECT_EQ(doc.getKey("/a", 2, key), Status::NotFound);
    EXPECT_EQ(doc.getKey("/list", 0, key), Status::TypeMismatch);
    EXPECT_EQ(doc.getKey("/nope", 0, key), Status::NotFound);
}

TEST(JsonDocument, RemoveTakesOutMembersAndElements) {
    JsonDocument doc = parse(R"({"a":{"b":1,"c":2},"list":[1,2,3]})");
    EXPECT_EQ(doc.remove("/a/b"), Status::Ok);
    EXPECT_EQ(doc.remove("/list/0"), Status::Ok);
    EXPECT_EQ(doc.toJson(), R"({"a":{"c":2},"list":[2,3]})");
    EXPECT_EQ(doc.remove("/a/b"), Status::NotFound);
    EXPECT_EQ(doc.remove("/list/5"), Status::NotFound);
    EXPECT_EQ(doc.remove("/list/-"), Status::InvalidArgument);
    EXPECT_EQ(doc.remove("/list/x"), Status::InvalidArgument);
    EXPECT_EQ(doc.remove("/a/c/d"), Status::TypeMismatch);
    EXPECT_EQ(doc.remove(""), Status::InvalidArgument) << "the root stays";
    EXPECT_EQ(doc.remove("no-slash"), Status::InvalidArgument);
    std::string key;
    EXPECT_EQ(doc.getKey("/a", 0, key), Status::Ok);
    EXPECT_EQ(key, "c") << "a removed member is gone from the key order too";
}

}  // namespace
}  // namespace orderhost::document

#include "host/document/OrderSchema.h"

#include <gtest/gtest.h>

namespace orderhost::document {
namespace {

const char* kValid = R"({
  "order_ref": "ERP:2024-000.1_x",
  "chain": "place-order",
  "currency": "EUR",
  "customer": {"id": "C-1", "name": "Ada", "email": "ada@example.com"},
  "lines": [
    {"sku": "SKU-1", "quantity": 2, "unit_price": 1999, "kind": "goods", "description": "Widget"},
    {"sku": "SVC", "quantity": 1, "kind": "service"}
  ],
  "shipping_address": {"name": "Ada", "line1": "1 Road", "line2": "", "city": "Town",
                       "postal_code": "123", "region": "North", "country": "DE"},
  "attributes": {"anything": [1, {"goes": true}]}
})";

std::string with(const std::string& replaceThis, const std::string& byThis) {
    std::string text = kValid;
    const auto at = text.find(replaceThis);
    EXPECT_NE(at, std::string::npos) << replaceThis;
    return text.replace(at, replaceThis.size(), byThis);
}

// The single error of `text`, as "path: message".
std::string onlyError(const std::string& text) {
    const auto errors = validateOrderText(text);
    if (errors.size() != 1) {
        std::string all = std::to_string(errors.size()) + " errors:";
        for (const auto& e : errors) all += " [" + e.path + ": " + e.message + "]";
        return all;
    }
    return errors[0].path + ": " + errors[0].message;
}

TEST(OrderSchema, AcceptsAFullOrder) { EXPECT_TRUE(validateOrderText(kValid).empty()); }

TEST(OrderSchema, AcceptsAMinimalOrder) {
    EXPECT_TRUE(validateOrderText(R"({"order_ref":"1","currency":"USD","customer":{"id":"c"},)"
                                  R"("lines":[{"sku":"s","quantity":1}]})")
                    .empty());
}

TEST(OrderSchema, BodyMustBeAnObject) {
    EXPECT_EQ(onlyError("[]"), ": the order must be a JSON object, got an array");
    EXPECT_EQ(onlyError("null"), ": the order must be a JSON object, got null");
    EXPECT_EQ(onlyError("{\"a\":"), ": invalid JSON: line 1, column 6: unexpected end of input: expected a JSON value");
}

TEST(OrderSchema, ReportsEveryMissingRequiredField) {
    const auto errors = validateOrderText("{}");
    ASSERT_EQ(errors.size(), 4u);
    EXPECT_EQ(errors[0].path, "/order_ref");
    EXPECT_EQ(errors[1].path, "/currency");
    EXPECT_EQ(errors[2].path, "/customer");
    EXPECT_EQ(errors[3].path, "/lines");
    EXPECT_EQ(errors[0].message, "required field is missing");
}

TEST(OrderSchema, OrderRef) {
    EXPECT_EQ(onlyError(with("\"ERP:2024-000.1_x\"", "\"\"")), "/order_ref: must be 1 to 64 characters long, got 0");
    EXPECT_EQ(onlyError(with("\"ERP:2024-000.1_x\"", '"' + std::string(65, 'a') + '"')),
              "/order_ref: must be 1 to 64 characters long, got 65");
    EXPECT_EQ(onlyError(with("\"ERP:2024-000.1_x\"", "\"a b\"")),
              "/order_ref: may only contain letters, digits and . _ : -");
    EXPECT_EQ(onlyError(with("\"ERP:2024-000.1_x\"", "42")), "/order_ref: must be a string, got an integer");
    EXPECT_EQ(onlyError(with("\"ERP:2024-000.1_x\"", "null")), "/order_ref: must be a string, got null");
}

TEST(OrderSchema, ChainAndCurrency) {
    EXPECT_EQ(onlyError(with("\"place-order\"", "\"Place_Order\"")),
              "/chain: may only contain lowercase letters, digits and -");
    EXPECT_EQ(onlyError(with("\"EUR\"", "\"eur\"")),
              "/currency: may only contain uppercase letters (ISO 4217, e.g. EUR)");
    EXPECT_EQ(onlyError(with("\"EUR\"", "\"EURO\"")), "/currency: must be exactly 3 characters long");
    EXPECT_EQ(onlyError(with("\"EUR\"", "[\"EUR\"]")), "/currency: must be a string, got an array");
}

TEST(OrderSchema, Customer) {
    EXPECT_EQ(onlyError(with("\"id\": \"C-1\", ", "")), "/customer/id: required field is missing");
    EXPECT_EQ(onlyError(with("\"ada@example.com\"", "\"ada.example.com\"")),
              "/customer/email: must contain exactly one '@'");
    EXPECT_EQ(onlyError(with("\"ada@example.com\"", "\"a@b@c\"")), "/customer/email: must contain exactly one '@'");
    EXPECT_EQ(onlyError(with("\"name\": \"Ada\", \"email\"", "\"name\": \"" + std::string(201, 'x') + "\", \"email\"")),
              "/customer/name: must be 0 to 200 characters long, got 201");
    EXPECT_EQ(onlyError(with("\"email\"", "\"phone\": \"1\", \"email\"")), "/customer/phone: unknown field");
    EXPECT_EQ(onlyError(with("{\"id\": \"C-1\", \"name\": \"Ada\", \"email\": \"ada@example.com\"}", "\"C-1\"")),
              "/customer: must be an object, got a string");
}

// /customer/language (issue 11): the notification plugin writes to the customer in it.
TEST(OrderSchema, CustomerLanguage) {
    const auto language = [](const std::string& value) {
        return with("\"email\": \"ada@example.com\"", "\"email\": \"ada@example.com\", \"language\": " + value);
    };
    for (const char* tag :
         {R"("de")", R"("fil")", R"("de-CH")", R"("pt-BR")", R"("zh-Hant-TW")", R"("EN-gb")", R"("sr-Latn-RS")"})
        EXPECT_TRUE(validateOrderText(language(tag)).empty()) << tag;
    const std::string tagRule =
        "/customer/language: must be a short BCP 47 language tag such as \"de\" or "
        "\"pt-BR\" (2 or 3 letters, then optional -subtags of 2 to 8 letters or digits; "
        "at most 16 characters)";
    for (const char* bad : {R"("")", R"("d")", R"("deut")", R"("de-")", R"("de_CH")", R"("de-C")", R"("1d")",
                            R"("de-CH-x-abcdefghi")", R"("de-verylongsubtag")", R"("de CH")", R"("en-GB-oxendict-x")"})
        EXPECT_EQ(onlyError(language(bad)), tagRule) << bad;
    EXPECT_EQ(onlyError(language("7")), "/customer/language: must be a string, got an integer");
}

// The credit step adds /customer/open_balance (integer minor units) to the order's exposure.
TEST(OrderSchema, CustomerOpenBalance) {
    const auto balance = [](const std::string& value) {
        return with("\"email\": \"ada@example.com\"", "\"email\": \"ada@example.com\", \"open_balance\": " + value);
    };
    EXPECT_TRUE(validateOrderText(balance("125000")).empty());
    EXPECT_TRUE(validateOrderText(balance("0")).empty());
    EXPECT_TRUE(validateOrderText(balance("1000000000000000")).empty());
    const std::string range = "/customer/open_balance: must be between 0 and 1000000000000000";
    EXPECT_EQ(onlyError(balance("-1")), range);
    EXPECT_EQ(onlyError(balance("1000000000000001")), range);
    EXPECT_EQ(onlyError(balance("9223372036854775807")), range);
    EXPECT_EQ(onlyError(balance("18446744073709551615")), range);
    const std::string minorUnits =
        "/customer/open_balance: must be an integer amount in minor units (1999 for 19.99), "
        "never a floating-point number";
    EXPECT_EQ(onlyError(balance("1250.50")), minorUnits);
    EXPECT_EQ(onlyError(balance("1e3")), minorUnits);
    EXPECT_EQ(onlyError(balance("100.0")), minorUnits);
    EXPECT_EQ(onlyError(balance("\"125000\"")), "/customer/open_balance: must be an integer, got a string");
    EXPECT_EQ(onlyError(balance("null")), "/customer/open_balance: must be an integer, got null");
}

// Identifiers end up in SQL columns and C strings (a NUL truncates "BOLT-M8\0EVIL" to
// "BOLT-M8"), so they refuse every control character; other strings refuse NUL only.
const std::string kNul = "must not contain the NUL character (U+0000)";
const std::string kControl = "must not contain control characters (U+0000 to U+001F, U+007F to U+009F)";

TEST(OrderSchema, IdentifiersRefuseControlCharacters) {
    EXPECT_EQ(onlyError(with("\"SKU-1\"", R"("BOLT-M8\u0000EVIL")")), "/lines/0/sku: " + kNul);
    EXPECT_EQ(onlyError(with("\"C-1\"", R"("C-1\u0000")")), "/customer/id: " + kNul);
    for (const char* control :
         {R"(\u0001)", R"(\u001f)", R"(\u007f)", R"(\n)", R"(\t)", R"(\r)", "\x7f", R"(\u0085)", R"(\u009b)"}) {
        EXPECT_EQ(onlyError(with("\"SKU-1\"", std::string("\"A") + control + "B\"")), "/lines/0/sku: " + kControl)
            << control;
        EXPECT_EQ(onlyError(with("\"C-1\"", std::string("\"C") + control + "\"")), "/customer/id: " + kControl)
            << control;
    }
    // Anything printable stays allowed in free-form identifiers.
    EXPECT_TRUE(validateOrderText(with("\"C-1\"", "\"Müller & Söhne / 7 €\"")).empty());
    EXPECT_TRUE(validateOrderText(with("\"SKU-1\"", "\"BOLT M8 x 40 \\\"DIN\\\"\"")).empty());
}

TEST(OrderSchema, RestrictedIdentifiersReportNulFirst) {
    EXPECT_EQ(onlyError(with("\"ERP:2024-000.1_x\"", R"("ERP\u0000")")), "/order_ref: " + kNul);
    EXPECT_EQ(onlyError(with("\"place-order\"", R"("place\u0000order")")), "/chain: " + kNul);
    EXPECT_EQ(onlyError(with("\"EUR\"", R"("EU\u0000")")), "/currency: " + kNul);
    EXPECT_EQ(onlyError(with("\"DE\"", R"("D\u0000")")), "/shipping_address/country: " + kNul);
    // Other control characters were already outside their allowed characters.
    EXPECT_EQ(onlyError(with("\"ERP:2024-000.1_x\"", R"("ERP\u0001")")),
              "/order_ref: may only contain letters, digits and . _ : -");
    EXPECT_EQ(onlyError(with("\"EUR\"", R"("EU\n")")),
              "/currency: may only contain uppercase letters (ISO 4217, e.g. EUR)");
}

TEST(OrderSchema, NoStringAnywhereMayContainNul) {
    EXPECT_EQ(onlyError(with("\"name\": \"Ada\"", R"("name": "Ada\u0000")")), "/customer/name: " + kNul);
    EXPECT_EQ(onlyError(with("\"ada@example.com\"", R"("ada\u0000@example.com")")), "/customer/email: " + kNul);
    EXPECT_EQ(onlyError(with("\"Widget\"", R"("Wid\u0000get")")), "/lines/0/description: " + kNul);
    EXPECT_EQ(onlyError(with("\"1 Road\"", R"("1 Road\u0000")")), "/shipping_address/line1: " + kNul);
    EXPECT_EQ(onlyError(with("\"kind\": \"service\"", R"("kind": "service\u0000")")),
              "/lines/1/kind: must be one of goods, service, custom");
    EXPECT_EQ(onlyError(with("{\"goes\": true}", R"({"goes": ["ok", "x\u0000"]})")),
              "/attributes/anything/1/goes/1: " + kNul);
    // Keys: refused by the syntax check, because Poco would cut them at the NUL.
    EXPECT_EQ(onlyError(with("\"anything\"", R"("a\u0000b")")),
              ": invalid JSON: line 12, column 18: object key must not contain \\u0000 (NUL)");
    EXPECT_EQ(onlyError(with("\"quantity\": 2", R"("quantity": 2, "quantity\u0000": -5)")),
              ": invalid JSON: line 7, column 37: object key must not contain \\u0000 (NUL)");
}

// The customer's e-mail address goes into SMTP's RCPT TO as it is, and its name into mail
// headers, where the notification plugin writes tab and line breaks as spaces (an ERP's
// two-line name stays valid); other control characters are refused (found by a black-box probe).
TEST(OrderSchema, TheCustomersNameAndEmailRefuseControlCharacters) {
    const std::string email = "/customer/email: must not contain spaces, '<', '>' or control characters";
    for (const char* control : {R"(\r\nBcc: eve)", R"(\t)", R"(\u0085)", R"(\u0001)"}) {
        EXPECT_EQ(onlyError(with("\"ada@example.com\"", std::string(R"("ada@example.com)") + control + "\"")), email)
            << control;
    }
    EXPECT_EQ(onlyError(with("\"ada@example.com\"", R"("Ada <ada@example.com>")")), email);
    EXPECT_EQ(onlyError(with("\"ada@example.com\"", R"("ada@example.com ")")), email);
    const std::string name =
        "/customer/name: must not contain control characters other than tab and line breaks (U+0000 to U+001F, "
        "U+007F to U+009F)";
    for (const char* control : {R"(\u0001)", R"(\u001b[31m)", R"(\u007f)", R"(\u0085)", R"(\u009b)"}) {
        EXPECT_EQ(onlyError(with("\"name\": \"Ada\"", std::string(R"("name": "Ada)") + control + "\"")), name)
            << control;
    }
    for (const char* fine : {R"("ACME GmbH\nAbt. Einkauf")", R"("Ada\tLovelace")", R"("Ada \"Lady\" Lovelace-Byron")"})
        EXPECT_TRUE(validateOrderText(with("\"name\": \"Ada\"", std::string(R"("name": )") + fine)).empty()) << fine;
}

TEST(OrderSchema, FreeTextKeepsOtherControlCharacters) {
    EXPECT_TRUE(validateOrderText(with("\"1 Road\"", R"("1 Road\nBack door")")).empty());
    EXPECT_TRUE(validateOrderText(with("{\"goes\": true}", R"({"goes": "\u0001\u001f\u007f"})")).empty());
}

TEST(OrderSchema, LengthsCountCharactersNotBytes) {
    EXPECT_TRUE(validateOrderText(with(
                                      "\"name\": \"Ada\"", "\"name\": \"" +
                                                               [] {
                                                                   std::string s;
                                                                   for (int i = 0; i < 200; ++i) s += "\xc3\xa9";  // é
                                                                   return s;
                                                               }() +
                                                               "\""))
                    .empty());
}

TEST(OrderSchema, Lines) {
    EXPECT_EQ(onlyError(with("\"quantity\": 2", "\"quantity\": 0")),
              "/lines/0/quantity: must be between 1 and 1000000");
    EXPECT_EQ(onlyError(with("\"quantity\": 2", "\"quantity\": 1000001")),
              "/lines/0/quantity: must be between 1 and 1000000");
    EXPECT_EQ(onlyError(with("\"quantity\": 2", "\"quantity\": 2.5")),
              "/lines/0/quantity: must be a whole number of units (an integer)");
    EXPECT_EQ(onlyError(with("\"quantity\": 2", "\"quantity\": \"2\"")),
              "/lines/0/quantity: must be an integer, got a string");
    EXPECT_EQ(onlyError(with("\"quantity\": 2", "\"quantity\": 18446744073709551615")),
              "/lines/0/quantity: must be between 1 and 1000000");
    EXPECT_EQ(onlyError(with("\"quantity\": 2, ", "")), "/lines/0/quantity: required field is missing");
    EXPECT_EQ(onlyError(with("\"unit_price\": 1999", "\"unit_price\": 19.99")),
              "/lines/0/unit_price: must be an integer amount in minor units (1999 for 19.99), never a floating-point "
              "number");
    EXPECT_EQ(onlyError(with("\"unit_price\": 1999", "\"unit_price\": -1")),
              "/lines/0/unit_price: must be between 0 and 9223372036854775807");
    EXPECT_EQ(onlyError(with("\"kind\": \"service\"", "\"kind\": \"gift\"")),
              "/lines/1/kind: must be one of goods, service, custom");
    EXPECT_EQ(onlyError(with("\"kind\": \"service\"", "\"colour\": \"red\"")), "/lines/1/colour: unknown field");
    EXPECT_EQ(onlyError(with("\"Widget\"", '"' + std::string(501, 'w') + '"')),
              "/lines/0/description: must be 0 to 500 characters long, got 501");
}

TEST(OrderSchema, LinesArrayBounds) {
    const std::string line = R"({"sku":"s","quantity":1})";
    std::string many = "[" + line;
    for (int i = 1; i < 1001; ++i) many += "," + line;
    many += "]";
    const std::string base = R"({"order_ref":"1","currency":"USD","customer":{"id":"c"},"lines":)";
    EXPECT_EQ(onlyError(base + "[]}"), "/lines: must contain at least one line");
    EXPECT_EQ(onlyError(base + many + "}"), "/lines: must not contain more than 1000 lines");
    EXPECT_EQ(onlyError(base + "[" + line + ",7]}"), "/lines/1: must be an object, got an integer");
    EXPECT_EQ(onlyError(base + "{}}"), "/lines: must be an array, got an object");
}

TEST(OrderSchema, ShippingAddressAndAttributes) {
    EXPECT_EQ(onlyError(with("\"DE\"", "\"de\"")),
              "/shipping_address/country: may only contain uppercase letters (ISO 3166-1 alpha-2, e.g. DE)");
    EXPECT_EQ(onlyError(with("\"DE\"", "\"DEU\"")), "/shipping_address/country: must be exactly 2 characters long");
    EXPECT_EQ(onlyError(with("\"region\"", "\"state\"")), "/shipping_address/state: unknown field");
    EXPECT_EQ(onlyError(with("\"city\": \"Town\"", "\"city\": 5")),
              "/shipping_address/city: must be a string, got an integer");
    EXPECT_EQ(onlyError(with("{\"anything\": [1, {\"goes\": true}]}", "[]")),
              "/attributes: must be an object, got an array");
}

TEST(OrderSchema, UnknownTopLevelFieldsAreNamedWithEscapedPaths) {
    EXPECT_EQ(onlyError(with("\"attributes\"", "\"a/b\": 1, \"attributes\"")), "/a~1b: unknown field");
}

TEST(OrderSchema, HostileBodies) {
    // A huge string is refused by length, not by crashing or quadratic work.
    EXPECT_EQ(onlyError(with("\"SKU-1\"", '"' + std::string(1000000, 'x') + '"')),
              "/lines/0/sku: must be 1 to 64 characters long, got 1000000");
    // Many unknown fields: the error list is capped.
    std::string body = R"({"order_ref":"1","currency":"USD","customer":{"id":"c"},"lines":[{"sku":"s","quantity":1}])";
    for (int i = 0; i < 500; ++i) body += ",\"x" + std::to_string(i) + "\":null";
    const auto errors = validateOrderText(body + "}");
    ASSERT_EQ(errors.size(), kMaxSchemaErrors + 1);
    EXPECT_EQ(errors.back().message, "too many errors; the rest are not listed");
    // Duplicate keys cannot smuggle a second quantity past validation.
    EXPECT_EQ(onlyError(with("\"quantity\": 2", "\"quantity\": 2, \"quantity\": -5")),
              ": invalid JSON: line 7, column 37: duplicate key \"quantity\"");
    // Too big or too deep before parsing.
    EXPECT_EQ(validateOrderText(std::string(5 * 1024 * 1024, ' ')).size(), 1u);
    EXPECT_EQ(validateOrderText(with("{\"goes\": true}", std::string(100, '[') + std::string(100, ']'))).size(), 1u);
}

}  // namespace
}  // namespace orderhost::document

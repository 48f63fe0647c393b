#include "host/document/OrderSchema.h"

#include "host/document/Utf8.h"

#include "host/document/JsonCodec.h"
#include "host/document/JsonPointer.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <optional>

namespace orderhost::document {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isOrderRefChar(char c) { return isUpper(c) || isLowerOrDigit(c) || c == '.' || c == '_' || c == ':' || c == '-'; }
bool isChainNameChar(char c) { return isLowerOrDigit(c) || c == '-'; }
// U+0000-U+001F and U+007F. In UTF-8 these bytes only ever stand for themselves, so a
// byte test is exact.
bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }
bool isNotControl(char c) { return !isControl(c); }
bool hasNul(const std::string& text) { return text.find('\0') != std::string::npos; }
bool hasC1Control(const std::string& text) { return findC1Control(text) != std::string_view::npos; }
bool isAddressChar(char c) { return !isControl(c) && c != ' ' && c != '<' && c != '>'; }
bool isNameChar(char c) { return !isControl(c) || c == '\t' || c == '\n' || c == '\r'; }

// Texts are valid UTF-8 (the parser checks), so code points are the non-continuation bytes.
std::size_t codePoints(const std::string& text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// NUL is refused in every string of the order: the document itself survives it (JSON
// escapes it), but anything reading a value as a C string does not. Plugins get values over
// a C ABI, and the SQLite ODBC binding truncates at NUL, so "BOLT-M8\0EVIL" would be stored
// and processed as "BOLT-M8" while the order says otherwise.
constexpr char kNoNul[] = "must not contain the NUL character (U+0000)";
constexpr char kMinorUnits[] =
    "must be an integer amount in minor units (1999 for 19.99), never a floating-point number";

// What a string field must look like. NUL is refused before these rules are applied.
struct StringRule {
    std::size_t minLength = 0;
    std::size_t maxLength = 0;
    bool (*allowed)(char) = nullptr;  // every character must pass, when set
    const char* refusal = "";         // the message when one does not
};

// Identifiers are matched, stored in columns and logged: no control characters in them (C1 ones
// neither: the rules with isNotControl refuse them too). Free text (addresses, descriptions) may
// carry tabs or line breaks. The customer's name goes into mail headers: tab and line breaks
// (an ERP's two-line name) are kept, since the notification plugin writes them as spaces, other
// control characters are refused; the e-mail address goes into SMTP's RCPT TO as it is.
constexpr char kNoControls[] = "must not contain control characters (U+0000 to U+001F, U+007F to U+009F)";
constexpr StringRule kId{1, 64, isNotControl, kNoControls};
constexpr StringRule kName200{0, 200, isNameChar,
                              "must not contain control characters other than tab and line breaks (U+0000 to "
                              "U+001F, U+007F to U+009F)"};
constexpr StringRule kEmail{1, 254, isAddressChar, "must not contain spaces, '<', '>' or control characters"};
constexpr StringRule kText200{0, 200, nullptr, ""};
constexpr StringRule kOrderRef{1, 64, isOrderRefChar, "may only contain letters, digits and . _ : -"};
constexpr StringRule kChainName{1, 64, isChainNameChar, "may only contain lowercase letters, digits and -"};
bool isLowerHexOrDash(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'; }
constexpr StringRule kQuoteId{36, 36, isLowerHexOrDash,
                              "must be an id as POST /v1/quotes returned it (36 lowercase hex digits and -)"};
constexpr StringRule kCurrency{3, 3, isUpper, "may only contain uppercase letters (ISO 4217, e.g. EUR)"};
constexpr StringRule kCountry{2, 2, isUpper, "may only contain uppercase letters (ISO 3166-1 alpha-2, e.g. DE)"};
// A short BCP 47-like tag: "de", "de-CH", "pt-BR", "zh-Hant-TW"; at most 16 characters (what
// the notification plugin picks templates by).
bool isLanguageTag(const std::string& tag) {
    if (tag.size() > 16) return false;
    std::size_t start = 0;
    for (bool first = true;; first = false) {
        const std::size_t end = std::min(tag.find('-', start), tag.size());
        const std::size_t length = end - start;
        const auto part = tag.begin() + static_cast<long>(start), stop = tag.begin() + static_cast<long>(end);
        const bool letters = std::all_of(part, stop, [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; });
        const bool alnum = std::all_of(
            part, stop, [](char c) { return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9'); });
        if (first ? !(letters && length >= 2 && length <= 3) : !(alnum && length >= 2 && length <= 8)) return false;
        if (end == tag.size()) return true;
        start = end + 1;
    }
}

// 10^13 in a currency's main unit: more than any real balance, yet far below int64's 9.2e18,
// so a typo'd or hostile value is refused here instead of overflowing the exposure sum.
constexpr std::int64_t kMaxOpenBalance = 1'000'000'000'000'000;  // 10^15

class OrderValidator {
public:
    std::vector<SchemaError> run(const Var& body) {
        if (jsonTypeOf(body) != JsonType::Object) {
            add("", std::string("the order must be a JSON object, got ") + describeJsonType(jsonTypeOf(body)));
            return errors_;
        }
        const Object& order = *body.extract<Object::Ptr>();
        rejectUnknown(
            order, "",
            {"order_ref", "chain", "quote_id", "currency", "customer", "lines", "shipping_address", "attributes"});
        string(order, "", "order_ref", true, kOrderRef);
        string(order, "", "chain", false, kChainName);
        string(order, "", "quote_id", false, kQuoteId);
        string(order, "", "currency", true, kCurrency);
        customer(order);
        lines(order);
        shippingAddress(order);
        if (const std::optional<Var> attributes = member(order, "", "attributes", false)) {
            if (expect(*attributes, "/attributes", JsonType::Object)) rejectNul(*attributes, "/attributes");
        }
        return errors_;
    }

private:
    void add(const std::string& path, const std::string& message) {
        if (errors_.size() < kMaxSchemaErrors)
            errors_.push_back({path, message});
        else if (errors_.size() == kMaxSchemaErrors)
            errors_.push_back({"", "too many errors; the rest are not listed"});
    }

    static std::string join(const std::string& parent, const std::string& name) {
        return parent + "/" + JsonPointer::escapeToken(name);
    }

    void rejectUnknown(const Object& object, const std::string& path, std::initializer_list<const char*> known) {
        for (const std::string& name : object.getNames()) {
            const bool isKnown = std::any_of(known.begin(), known.end(), [&](const char* k) { return name == k; });
            if (!isKnown) add(join(path, name), "unknown field");
        }
    }

    // Free-form values (attributes): no structure to check, but no NUL in any string at any
    // depth. (Member names with NUL never get here: checkJsonSyntax refuses them, since Poco
    // cannot hold them.) The parser's depth limit bounds the recursion.
    void rejectNul(const Var& value, const std::string& path) {
        switch (jsonTypeOf(value)) {
            case JsonType::String:
                if (hasNul(value.extract<std::string>())) add(path, kNoNul);
                return;
            case JsonType::Array: {
                const Array& array = *value.extract<Array::Ptr>();
                for (std::size_t i = 0; i < array.size(); ++i)
                    rejectNul(array.get(static_cast<unsigned>(i)), path + "/" + std::to_string(i));
                return;
            }
            case JsonType::Object: {
                const Object& object = *value.extract<Object::Ptr>();
                for (const std::string& name : object.getNames()) rejectNul(object.get(name), join(path, name));
                return;
            }
            default:
                return;
        }
    }

    // The member, or nothing when absent (reported when required).
    std::optional<Var> member(const Object& object, const std::string& path, const char* name, bool required) {
        if (object.has(name)) return object.get(name);
        if (required) add(join(path, name), "required field is missing");
        return std::nullopt;
    }

    bool expect(const Var& value, const std::string& path, JsonType type) {
        if (jsonTypeOf(value) == type) return true;
        add(path, std::string("must be ") + describeJsonType(type) + ", got " + describeJsonType(jsonTypeOf(value)));
        return false;
    }

    void string(const Object& object, const std::string& parent, const char* name, bool required,
                const StringRule& rule) {
        const std::optional<Var> value = member(object, parent, name, required);
        const std::string path = join(parent, name);
        if (!value || !expect(*value, path, JsonType::String)) return;
        const std::string& text = value->extract<std::string>();
        const std::size_t length = codePoints(text);
        if (hasNul(text)) {
            add(path, kNoNul);
        } else if (length < rule.minLength || length > rule.maxLength) {
            add(path, rule.minLength == rule.maxLength
                          ? "must be exactly " + std::to_string(rule.minLength) + " characters long"
                          : "must be " + std::to_string(rule.minLength) + " to " + std::to_string(rule.maxLength) +
                                " characters long, got " + std::to_string(length));
        } else if (rule.allowed &&
                   (!std::all_of(text.begin(), text.end(), rule.allowed) ||
                    ((rule.allowed == isNotControl || rule.allowed == isAddressChar || rule.allowed == isNameChar) &&
                     hasC1Control(text)))) {
            add(path, rule.refusal);
        }
    }

    void integer(const Object& object, const std::string& parent, const char* name, bool required, std::int64_t minimum,
                 std::int64_t maximum, const char* notFloat) {
        const std::optional<Var> value = member(object, parent, name, required);
        const std::string path = join(parent, name);
        if (!value) return;
        if (jsonTypeOf(*value) == JsonType::Number) return add(path, notFloat);
        if (!expect(*value, path, JsonType::Integer)) return;
        const auto number = asInt64(*value);
        if (!number || *number < minimum || *number > maximum)
            add(path, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum));
    }

    // Returns the object at `name` when present and an object.
    const Object* object(const Object& parent, const std::string& parentPath, const char* name, bool required) {
        const std::optional<Var> value = member(parent, parentPath, name, required);
        if (!value || !expect(*value, join(parentPath, name), JsonType::Object)) return nullptr;
        return value->extract<Object::Ptr>().get();
    }

    void customer(const Object& order) {
        const Object* customer = object(order, "", "customer", true);
        if (!customer) return;
        rejectUnknown(*customer, "/customer", {"id", "name", "email", "open_balance", "language"});
        string(*customer, "/customer", "id", true, kId);
        // What the customer already owes, as the ERP knows it; the credit step adds it to
        // the order's exposure.
        integer(*customer, "/customer", "open_balance", false, 0, kMaxOpenBalance, kMinorUnits);
        string(*customer, "/customer", "name", false, kName200);
        string(*customer, "/customer", "email", false, kEmail);
        const std::optional<Var> email = member(*customer, "/customer", "email", false);
        if (email && jsonTypeOf(*email) == JsonType::String) {
            const std::string& text = email->extract<std::string>();
            if (std::count(text.begin(), text.end(), '@') != 1) add("/customer/email", "must contain exactly one '@'");
        }
        // The language the customer is written to in (notification templates per language).
        const std::optional<Var> language = member(*customer, "/customer", "language", false);
        if (language && expect(*language, "/customer/language", JsonType::String) &&
            !isLanguageTag(language->extract<std::string>()))
            add("/customer/language",
                "must be a short BCP 47 language tag such as \"de\" or \"pt-BR\" (2 or 3 "
                "letters, then optional -subtags of 2 to 8 letters or digits; at most 16 "
                "characters)");
    }

    void lines(const Object& order) {
        const std::optional<Var> value = member(order, "", "lines", true);
        if (!value || !expect(*value, "/lines", JsonType::Array)) return;
        const Array& lines = *value->extract<Array::Ptr>();
        if (lines.size() == 0) return add("/lines", "must contain at least one line");
        if (lines.size() > 1000) return add("/lines", "must not contain more than 1000 lines");
        for (std::size_t i = 0; i < lines.size(); ++i)
            line(lines.get(static_cast<unsigned>(i)), "/lines/" + std::to_string(i));
    }

    void line(const Var& value, const std::string& path) {
        if (!expect(value, path, JsonType::Object)) return;
        const Object& line = *value.extract<Object::Ptr>();
        rejectUnknown(line, path, {"sku", "quantity", "unit_price", "kind", "description"});
        string(line, path, "sku", true, kId);
        integer(line, path, "quantity", true, 1, 1000000, "must be a whole number of units (an integer)");
        integer(line, path, "unit_price", false, 0, std::numeric_limits<std::int64_t>::max(), kMinorUnits);
        string(line, path, "description", false, StringRule{0, 500, nullptr, ""});
        const std::optional<Var> kind = member(line, path, "kind", false);
        if (kind && expect(*kind, path + "/kind", JsonType::String)) {
            const std::string& text = kind->extract<std::string>();
            if (text != "goods" && text != "service" && text != "custom")
                add(path + "/kind", "must be one of goods, service, custom");
        }
    }

    void shippingAddress(const Object& order) {
        const Object* address = object(order, "", "shipping_address", false);
        if (!address) return;
        const std::string path = "/shipping_address";
        rejectUnknown(*address, path, {"name", "line1", "line2", "city", "postal_code", "region", "country"});
        for (const char* name : {"name", "line1", "line2", "city", "postal_code", "region"})
            string(*address, path, name, false, kText200);
        string(*address, path, "country", false, kCountry);
    }

    std::vector<SchemaError> errors_;
};

}  // namespace

std::vector<SchemaError> validateOrder(const Var& body) { return OrderValidator().run(body); }

std::vector<SchemaError> validateOrder(const JsonDocument& body) { return validateOrder(Var(body.root())); }

std::vector<SchemaError> validateOrderText(std::string_view text, const JsonLimits& limits) {
    JsonValueResult parsed = parseJsonValue(text, limits);
    if (!parsed.ok()) return {{"", "invalid JSON: " + parsed.error->toString()}};
    return validateOrder(parsed.value);
}

}  // namespace orderhost::document

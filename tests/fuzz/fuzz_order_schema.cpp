// Fuzz target: an order body through the order schema (host/document/OrderSchema).
//
// Invariants: the error list is bounded and every error names a JSON Pointer and carries a
// UTF-8 message; validating the text and validating the parsed document agree; and an order
// the schema accepts really has what OrderSchema.h promises the host and plugins may rely on.
#include "host/document/JsonCodec.h"
#include "host/document/OrderSchema.h"
#include "tests/fuzz/FuzzCheck.h"

#include <algorithm>
#include <cstdint>

using namespace orderhost::document;
using orderhost::fuzz::hasControlCharacter;
using orderhost::fuzz::isValidUtf8;

namespace {

// A NUL in JSON text: a raw one, or the escape \u0000 — a "u0000" after an odd run of
// backslashes (after an even run the backslashes escape each other and "u0000" is plain text:
// the target's first check, a plain search, took "\\\\u0000" for a NUL in its long run of
// 2026-12-02; that input is in the corpus as finding-even-backslashes-before-u0000.json).
bool holdsNul(const std::string& json) {
    if (json.find('\0') != std::string::npos) return true;
    for (std::size_t at = json.find("u0000"); at != std::string::npos; at = json.find("u0000", at + 1)) {
        std::size_t backslashes = 0;
        while (backslashes < at && json[at - 1 - backslashes] == '\\') ++backslashes;
        if (backslashes % 2 == 1) return true;
    }
    return false;
}

void checkAcceptedOrder(const JsonDocument& order) {
    std::string text;
    FUZZ_CHECK(order.getString("/order_ref", text) == Status::Ok, "accepted order without a string order_ref");
    FUZZ_CHECK(!text.empty() && text.size() <= 64, "accepted order_ref of " + std::to_string(text.size()) + " bytes");
    FUZZ_CHECK(std::all_of(text.begin(), text.end(),
                           [](char c) {
                               return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
                                      c == '-';
                           }),
               "accepted order_ref with a character outside [A-Za-z0-9._:-]");
    FUZZ_CHECK(order.getString("/currency", text) == Status::Ok && text.size() == 3 &&
                   std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
               "accepted currency that is not 3 uppercase letters");
    FUZZ_CHECK(order.getString("/customer/id", text) == Status::Ok && !text.empty() && !hasControlCharacter(text),
               "accepted customer.id that is empty or holds a control character");
    std::size_t lines = 0;
    FUZZ_CHECK(order.getSize("/lines", lines) == Status::Ok && lines >= 1 && lines <= 1000, "accepted lines count");
    for (std::size_t i = 0; i < lines; ++i) {
        const std::string line = "/lines/" + std::to_string(i);
        std::int64_t quantity = 0, price = 0;
        FUZZ_CHECK(order.getInt(line + "/quantity", quantity) == Status::Ok && quantity >= 1 && quantity <= 1000000,
                   "accepted quantity out of 1..1000000 at " + line);
        const Status priceStatus = order.getInt(line + "/unit_price", price);  // optional
        FUZZ_CHECK(priceStatus == Status::NotFound || (priceStatus == Status::Ok && price >= 0),
                   "accepted unit_price that is not an integer >= 0 at " + line);
        FUZZ_CHECK(order.getString(line + "/sku", text) == Status::Ok && !text.empty() && !hasControlCharacter(text),
                   "accepted sku that is empty or holds a control character at " + line);
    }
    // No NUL anywhere: the serialised order carries none, escaped or raw.
    FUZZ_CHECK(!holdsNul(order.toJson()), "accepted order holding a NUL");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::vector<SchemaError> errors = validateOrderText(text);
    FUZZ_CHECK(errors.size() <= kMaxSchemaErrors + 1, "more errors than the cap: " + std::to_string(errors.size()));
    for (const SchemaError& error : errors) {
        FUZZ_CHECK(error.path.empty() || error.path[0] == '/', "error path is not a JSON Pointer: " + error.path);
        FUZZ_CHECK(!error.message.empty() && isValidUtf8(error.message) && isValidUtf8(error.path),
                   "error message empty or not UTF-8 at " + error.path);
    }
    const JsonDocumentResult parsed = JsonDocument::parse(text);
    if (!parsed.ok()) {
        FUZZ_CHECK(!errors.empty(), "validateOrderText accepted a text JsonDocument refuses");
        return 0;
    }
    const std::vector<SchemaError> again = validateOrder(*parsed.document);
    FUZZ_CHECK(again.size() == errors.size(), "validateOrder and validateOrderText disagree");
    if (errors.empty()) checkAcceptedOrder(*parsed.document);
    return 0;
}

// Validation of the order body the ERP posts (schema v1). Strict on purpose: every field
// the host or a plugin may rely on is checked here once, and any field not in the schema is
// refused, so integrator-specific data can only travel in "attributes".
//
// Schema v1 (all lengths in Unicode code points):
//   order_ref         required string 1..64, [A-Za-z0-9._:-]
//   chain             optional string 1..64, [a-z0-9-]
//   quote_id          optional string of 36 [0-9a-f-]: the id POST /v1/quotes returned; the
//                     order gets the quoted prices (OrderIntake checks it against the quote)
//   currency          required, 3 uppercase letters (ISO 4217)
//   customer          required object: id (string 1..64), name (string <=200, no controls but tab/CR/LF),
//                     email (string <=254 with exactly one '@', no spaces, <, > or controls), open_balance (optional
//                     integer 0..10^15, minor units: what the customer owes already),
//                     language (optional short BCP 47 tag: 2-3 letters, then -subtags of 2-8
//                     letters or digits, at most 16 characters, e.g. "de", "pt-BR")
//   lines             required array of 1..1000 objects: sku (string 1..64), quantity
//                     (integer 1..1000000), unit_price (integer >= 0, minor units),
//                     kind (goods|service|custom), description (string <=500)
//   shipping_address  optional object of optional strings <=200: name, line1, line2, city,
//                     postal_code, region, country (2 uppercase letters)
//   attributes        optional object, free-form
//
// No string anywhere in the order (attributes included) may contain NUL (nor may keys: see
// checkJsonSyntax),
// and identifiers (order_ref, chain, currency, customer.id, sku, country) may contain no
// control character (U+0000-U+001F, U+007F): they reach C strings and database columns.
//
//   std::vector<SchemaError> errors = validateOrderText(requestBody);
//   for (const SchemaError& e : errors) std::cout << e.path << ": " << e.message << "\n";
#pragma once

#include "host/document/JsonDocument.h"

#include <Poco/Dynamic/Var.h>

#include <string>
#include <string_view>
#include <vector>

namespace orderhost::document {

// One violation: where (a JSON Pointer into the body, "" for the body itself) and why.
struct SchemaError {
    std::string path;
    std::string message;
};

// At most this many errors are reported; a final error says that more were left out.
constexpr std::size_t kMaxSchemaErrors = 100;

// Validates a parsed body. Empty result = valid.
std::vector<SchemaError> validateOrder(const Poco::Dynamic::Var& body);
std::vector<SchemaError> validateOrder(const JsonDocument& body);

// Parses and validates raw request text. A parse error becomes one error at path "" whose
// message carries the line and column.
std::vector<SchemaError> validateOrderText(std::string_view text, const JsonLimits& limits = {});

}  // namespace orderhost::document

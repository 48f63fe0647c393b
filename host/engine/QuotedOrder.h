// An order that names a quote (issue 15 item 3): the checks before it is stored, and what it
// carries of the quote.
//
// The order must be the draft that was quoted — the same body but for order_ref and quote_id
// (chain by name; a line may add the unit_price it was quoted) — placed by the client that
// asked, unused, before valid_until. It then carries the quote at /quote:
//   {"id": ..., "valid_until": ms, "chain": ..., "chain_version": n, "order": <the answered draft>}
// and the steps that answered the quote honour what they answered there (validation's unit
// prices: docs/plugins.md). The client cannot write /quote itself: the order schema refuses it.
#pragma once

#include "host/document/JsonDocument.h"
#include "host/document/OrderSchema.h"
#include "host/store/QuoteStore.h"

#include <string>
#include <vector>

namespace orderhost::engine {

struct QuoteCheck {
    enum class Kind {
        Honoured,  // the order may use it; /quote is written into the document
        Unknown,   // no such quote for this client (another client's quotes are not revealed)
        Mismatch,  // the order differs from the quoted draft: `errors` say where
        Used,      // another order used it: `usedByOrder`
        Expired,
        TooLarge,  // the order with its quote exceeds the stored document's limit
    };
    Kind kind = Kind::Unknown;
    std::string message;
    std::vector<document::SchemaError> errors;
    std::string usedByOrder;
};

// `doc`: a schema-valid order for chain `chain` whose /quote_id is `quoteId`.
QuoteCheck applyQuote(store::QuoteStore& quotes, document::JsonDocument& doc, const std::string& quoteId,
                      const std::string& client, const std::string& chain, int64_t nowMs);

// Why a quote that passed applyQuote could not be used at insert time (a race): used or expired.
QuoteCheck quoteGoneAtInsert(store::QuoteStore& quotes, const std::string& quoteId, int64_t nowMs);

}  // namespace orderhost::engine

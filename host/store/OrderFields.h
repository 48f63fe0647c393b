// The orders table's column limits and the checks OrderStore's files share (internal to store).
#pragma once

#include <string>

#include <Poco/Nullable.h>

#include "host/store/Database.h"
#include "host/store/OrderStore.h"

namespace orderhost::store::fields {

// Byte limits of the v1 columns (Migrations.cpp). SQLite would store longer values, but reads
// would then truncate them silently, so they are refused on the way in.
struct Field {
    const char* name;
    std::size_t maxBytes;
    bool required;
};
inline constexpr Field kId{"id", 36, true}, kOrderRef{"order_ref", 64, true}, kChain{"chain", 128, true},
    kState{"state", 32, true}, kRequestHash{"request_hash", 64, false}, kDocument{"document", kMaxDocumentBytes, false},
    kStepName{"step_name", 128, false}, kPluginId{"plugin_id", 128, false}, kStepKind{"step_kind", 128, false},
    kOutcome{"outcome", 16, false}, kCode{"code", kMaxStepCodeBytes, false},
    kAwaitingSignal{"awaiting_signal", 128, false}, kLeaseOwner{"lease_owner", 64, false},
    kCompensateTo{"compensate_to", 32, false}, kCustomerId{"customer_id", 256, false};

// For operation names in messages: user data, so bounded.
inline std::string shown(const std::string& value) { return value.size() <= 64 ? value : value.substr(0, 64) + "..."; }

// A nullable text column as read: NULL reads as empty.
inline std::string text(const Poco::Nullable<std::string>& v) { return v.isNull() ? std::string() : v.value(); }

inline void check(const Database& db, const std::string& op, const Field& f, const std::string& value) {
    std::string problem;
    if (f.required && value.empty()) problem = std::string(f.name) + " is empty";
    if (value.size() > f.maxBytes)
        problem = std::string(f.name) + " is " + std::to_string(value.size()) + " bytes; the column holds at most " +
                  std::to_string(f.maxBytes);
    if (!problem.empty()) throw StoreError(db.errorMessage(op, problem));
}

}  // namespace orderhost::store::fields

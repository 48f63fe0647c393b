// Exceptions thrown by the store. Every message names the operation that failed and the
// database it ran against (connection string with the password masked), so a log line is
// enough to act on without leaking credentials.
#pragma once

#include <stdexcept>
#include <string>

namespace orderhost::store {

// Any failure of the store: cannot open, SQL error, invalid field, pool exhausted, ...
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// recordStep() found the order in another state than the caller expected (or not at all):
// someone else advanced it first. Nothing was written; reload and decide again.
class StaleOrderError : public StoreError {
public:
    using StoreError::StoreError;
};

// The database cannot work right now — `reason()` "unreachable" (connection refused, link lost,
// server shutting down) or "full" (no space left) — and the request may succeed later
// unchanged. The HTTP layer answers 503 with Retry-After; the Database has logged the outage
// (OutageLog), so callers need not log it again.
class DatabaseUnavailableError : public StoreError {
public:
    DatabaseUnavailableError(std::string reason, const std::string& message)
        : StoreError(message), reason_(std::move(reason)) {}
    const std::string& reason() const { return reason_; }

private:
    std::string reason_;
};

// The database schema is newer than this build knows: refusing to run old code against it.
class SchemaTooNewError : public StoreError {
public:
    using StoreError::StoreError;
};

}  // namespace orderhost::store

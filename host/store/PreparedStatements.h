// Statements prepared once on one pooled connection and executed again and again with new
// values: the store's hot statements (a step's checkpoint, the order insert, a lease renewal)
// and plugins' statements, each an OdbcStatement (OdbcStatement.h) kept under a key.
//
// Why: a statement prepared per call costs, on psqlODBC, a Parse/Describe round trip for a
// named server-side plan and its DEALLOCATE afterwards, on top of the Bind/Execute round trip
// that does the work (measured in PostgreSQL's statement log: docs/performance.md). Kept, a
// statement costs its Bind/Execute round trip only.
//
//   if (PreparedStatements* kept = PreparedStatements::of(session)) {
//       OdbcStatement& renew = keptOdbcStatement(*kept, session, "renew", sql);
//       runKeptOdbc(*kept, "renew", renew, {untilMs, id}, [](const auto&) {});
//   }
//
// One set per connection, owned by the pool beside it: the statements are freed before their
// connection closes, and never outlive it. A connection is used by one thread at a time, so a
// set needs no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <Poco/Data/Session.h>

namespace orderhost::store {

class PreparedStatements {
public:
    // What a caller keeps under a key (an OdbcStatement, or a handle: SimpleCommand.cpp).
    struct Entry {
        virtual ~Entry() = default;
    };

    // The set of the pooled connection behind `session`; nullptr when it is not a pool's.
    static PreparedStatements* of(Poco::Data::Session& session);
    // How `of` finds it: a pooled session answers this property (ConnectionPool.cpp), so the
    // pool's interface needs nothing more.
    static constexpr const char* kSessionProperty = "orderhost.preparedStatements";

    // The entry kept under `key`, made by `make()` (a std::unique_ptr<T>) on first use.
    template <class T, class Make>
    T& get(const std::string& key, Make&& make) {
        auto it = entries_.find(key);
        if (it == entries_.end()) it = entries_.emplace(key, make()).first;
        return static_cast<T&>(*it->second);
    }

    bool has(const std::string& key) const { return entries_.count(key) != 0; }
    void forget(const std::string& key) { entries_.erase(key); }
    void forgetPrefix(std::string_view prefix);
    std::size_t size() const { return entries_.size(); }

    // A schema changed (a migration, a plugin's DDL): statements prepared before may describe
    // columns that are gone or miss new ones (SQLite re-prepares silently, and the rows a
    // kept SELECT * reads keep the old columns). Any thread may call it.
    static void noteSchemaChange() { schemaGeneration_.fetch_add(1, std::memory_order_relaxed); }
    // Whether a schema changed since forgetAfterSchemaChange last looked.
    bool schemaChangePending() const { return schemaGeneration_.load(std::memory_order_relaxed) != seenGeneration_; }
    // Forgets this connection's entries whose key starts with `prefix` if a schema changed
    // since it last looked; true when it did.
    bool forgetAfterSchemaChange(std::string_view prefix);

private:
    std::unordered_map<std::string, std::unique_ptr<Entry>> entries_;
    std::uint64_t seenGeneration_ = 0;
    static inline std::atomic<std::uint64_t> schemaGeneration_{0};
};

}  // namespace orderhost::store

#include "host/store/Database.h"

#include "host/store/OdbcFailures.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <sstream>

#include <Poco/Data/ODBC/Connector.h>

#include "host/store/Migrations.h"
#include "host/store/NativeSqlGuard.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store {
namespace {

void registerOdbcOnce() {
    static std::once_flag once;
    std::call_once(once, [] { Poco::Data::ODBC::Connector::registerConnector(); });
}

// ODBC diagnostics span many lines framed by "=====" rules; a log line wants one line.
std::string oneLine(const std::string& text) {
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line)) {
        const auto b = line.find_first_not_of(" \t\r");
        if (b == std::string::npos || line.find_first_not_of('=') == std::string::npos) continue;
        const auto e = line.find_last_not_of(" \t\r");
        out += (out.empty() ? "" : " | ") + line.substr(b, e - b + 1);
    }
    return out;
}

}  // namespace

bool Database::restoreAutoCommit(Poco::Data::Session& s) noexcept {
    try {
        s.setFeature("autoCommit", true);
        return true;
    } catch (...) {
        return false;  // a broken connection: the caller discards it
    }
}

bool Database::rollbackQuietly(Poco::Data::Session& s) noexcept {
    try {
        s.rollback();
        return true;
    } catch (...) {
        return false;  // the original error matters more; the caller discards the connection
    }
}

void Database::discardIfUnusable(Poco::Data::Session& s, bool certainlyBroken) noexcept {
    bool broken = certainlyBroken;
    if (!broken && std::current_exception()) {
        try {
            throw;
        } catch (const Poco::Exception& e) {
            broken = leavesConnectionUnusable(e);
        } catch (...) {
            // Not the driver's: the connection is as good as before.
        }
    }
    if (broken) ConnectionPool::discard(s);
}

void Database::abandonTransaction(Poco::Data::Session& s, bool commitFailed) noexcept {
    const bool rolledBack = rollbackQuietly(s);
    const bool autoCommit = restoreAutoCommit(s);
    discardIfUnusable(s, commitFailed || !rolledBack || !autoCommit);
}

Database::Database(const std::string& connectionString, DatabaseOptions options)
    : connection_(connectionString), masked_(connection_.masked()), options_(options), outage_(OutageLog::of(masked_)) {
    registerOdbcOnce();
    if (!connection_.misbracedKey().empty())
        throw StoreError(errorMessage("open database", connection_.misbracedProblem()));
    try {
        dialect_ = Dialect(resolveBackend());
        // Without the guard, every failing statement on SQLite corrupts the heap.
        if (dialect_.backend() == Backend::SQLite && !nativeSqlGuardActive())
            throw StoreError(errorMessage("open database",
                                          "the SQLNativeSql guard is not in use (another library in the process "
                                          "defines SQLNativeSql); the SQLite ODBC driver would corrupt memory"));
        Dialect::applyDefaults(dialect_.backend(), connection_);
        statementUndo_ = Dialect::statementUndo(dialect_.backend(), connection_);
        keepsStatements_ =
            dialect_.backend() == Backend::SQLite || connection_.get("UseServerSidePrepare").value_or("1") != "0";
        masked_ = connection_.masked();
        openPool();
    } catch (...) {
        rethrowAsStoreError("open database");
    }
    if (options_.migrate) migrateSchema(*this);
}

Database::~Database() = default;

Backend Database::resolveBackend() {
    if (const auto driver = connection_.get("Driver")) {
        if (const auto backend = Dialect::fromDriverName(*driver)) return *backend;
        throw StoreError(errorMessage(
            "open database", "unsupported ODBC driver '" + *driver + "'; orderhost supports SQLite3 and PostgreSQL"));
    }
    // "DSN=name": ask the database itself. sqlite_version() exists only in SQLite.
    Poco::Data::Session probe = openOdbcSession(connection_.str());
    try {
        std::string version;
        probe << "SELECT sqlite_version()", into(version), now;
        return Backend::SQLite;
    } catch (const Poco::Exception&) {
        return Backend::PostgreSQL;
    }
}

void Database::openPool() {
    ConnectionPoolSettings settings;
    settings.connection = connection_.str();
    settings.minIdle = static_cast<std::size_t>(std::max(options_.minSessions, 0));
    settings.maxOpen = static_cast<std::size_t>(std::max(options_.maxSessions, 1));
    settings.idleTimeout = std::chrono::seconds(options_.idleSeconds);
    // The +1 is the terminating NUL Poco counts inside maxFieldSize.
    settings.properties["maxFieldSize"] = Poco::Any(std::size_t(kMaxDocumentBytes + 1));
    pool_ = std::make_unique<ConnectionPool>(std::move(settings));
    Poco::Data::Session first = acquire();
    int one = 0;
    first << "SELECT 1", into(one), now;
}

Database::PoolUsage Database::poolUsage() const {
    if (!pool_) return {0, 0, options_.maxSessions};
    const std::size_t open = pool_->openCount(), idle = pool_->idleCount();
    return {static_cast<int>(open > idle ? open - idle : 0), static_cast<int>(idle), options_.maxSessions};
}

Poco::Data::Session Database::acquire() {
    std::optional<Poco::Data::Session> s = pool_->acquire(options_.acquireTimeout);
    if (!s)
        throw StoreError(errorMessage(
            "acquire session", "all " + std::to_string(options_.maxSessions) + " pooled sessions stayed busy for " +
                                   std::to_string(options_.acquireTimeout.count()) +
                                   " ms (raise maxSessions, or a caller holds sessions too long)"));
    try {
        if (!s->getFeature("autoCommit")) s->setFeature("autoCommit", true);
    } catch (...) {
        ConnectionPool::discard(*s);
        throw;
    }
    return *s;
}

Poco::Data::Session Database::session() {
    try {
        return acquire();
    } catch (...) {
        rethrowAsStoreError("acquire session");
    }
}

void Database::withTransaction(const std::function<void(Poco::Data::Session&)>& work) {
    withTransaction("transaction", work);
}

void Database::withTransaction(const std::string& what, const std::function<void(Poco::Data::Session&)>& work) {
    Poco::Data::Session s = session();
    bool committing = false;
    try {
        s.setFeature("autoCommit", false);  // Poco's begin() refuses in autocommit mode
        s.begin();
        work(s);
        committing = true;
        s.commit();
        noteCommitted();
    } catch (...) {
        abandonTransaction(s, committing);
        rethrowAsStoreError(what);
    }
    if (!restoreAutoCommit(s)) ConnectionPool::discard(s);
}

void Database::rethrowAsStoreError(const std::string& what) const {
    try {
        throw;
    } catch (const StoreError&) {
        throw;
    } catch (const Poco::Exception& e) {
        if (const std::string why = unavailability(e); !why.empty()) {
            const std::string message = errorMessage(what, e.displayText());
            outage_.failed(why, message);
            throw DatabaseUnavailableError(why, message);
        }
        throw StoreError(errorMessage(what, e.displayText()));
    }
}

std::string Database::errorMessage(const std::string& what, const std::string& detail) const {
    return connection_.scrub("orderhost store: " + what + " failed on database [" + masked_ + "]: " + oneLine(detail));
}

}  // namespace orderhost::store

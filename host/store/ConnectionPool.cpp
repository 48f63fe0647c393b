#include "host/store/ConnectionPool.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include <Poco/Data/SessionImpl.h>

#include "host/store/PreparedStatements.h"

namespace orderhost::store {

Poco::Data::Session openOdbcSession(const std::string& connection) {
    static std::mutex connecting;
    std::lock_guard<std::mutex> lock(connecting);
    return Poco::Data::Session("ODBC", connection);
}

using SteadyClock = std::chrono::steady_clock;

namespace {

void closeQuietly(Poco::Data::Session& connection) noexcept {
    try {
        connection.close();
    } catch (...) {
        // A connection that cannot even close is gone as far as the pool is concerned.
    }
}

bool isGood(Poco::Data::Session& connection) noexcept {
    try {
        return connection.isGood();
    } catch (...) {
        return false;
    }
}

}  // namespace

struct ConnectionPool::State {
    explicit State(ConnectionPoolSettings s) : settings(std::move(s)) {}

    using Statements = std::shared_ptr<PreparedStatements>;

    // A connection's prepared statements go wherever it goes, and before it when it closes:
    // a statement must not outlive its connection.
    struct Idle {
        Poco::Data::Session connection;
        SteadyClock::time_point since;
        Statements statements;
    };

    static void close(Poco::Data::Session& connection, Statements& statements) noexcept {
        statements.reset();
        closeQuietly(connection);
    }

    // Takes the connection back: idle again, or closed when it must not be reused.
    void giveBack(Poco::Data::Session connection, Statements statements, bool reusable) noexcept {
        bool keep = reusable;
        try {
            keep = keep && connection.isConnected();
        } catch (...) {
            keep = false;
        }
        std::vector<Idle> expired;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (keep && !closed) {
                idle.push_front(Idle{connection, SteadyClock::now(), std::move(statements)});  // most recent first
                takeExpiredLocked(expired);
            } else {
                if (!reusable) ++discarded;
                keep = false;
            }
        }
        // Closed outside the lock: closing talks to the server (PostgreSQL's Terminate), and
        // every lease and give-back would wait for it. They count as open until closed, so the
        // pool never has more than maxOpen at once.
        if (!keep) {
            close(connection, statements);
            {
                std::lock_guard<std::mutex> lock(mutex);
                --open;
            }
            freed.notify_one();
            return;
        }
        freed.notify_one();
        if (expired.empty()) return;
        for (Idle& gone : expired) close(gone.connection, gone.statements);
        {
            std::lock_guard<std::mutex> lock(mutex);
            open -= expired.size();
        }
        freed.notify_all();
    }

    // Takes out the idle connections beyond minIdle that idled longer than idleTimeout; the
    // caller closes them after unlocking.
    void takeExpiredLocked(std::vector<Idle>& expired) {
        const auto cutoff = SteadyClock::now() - settings.idleTimeout;
        while (idle.size() > settings.minIdle && idle.back().since < cutoff) {
            expired.push_back(std::move(idle.back()));
            idle.pop_back();
        }
    }

    Poco::Data::Session connect() const {
        Poco::Data::Session connection = openOdbcSession(settings.connection);
        for (const auto& [name, value] : settings.properties) connection.setProperty(name, value);
        return connection;
    }

    const ConnectionPoolSettings settings;
    mutable std::mutex mutex;
    std::condition_variable freed;
    std::deque<Idle> idle;
    std::size_t open = 0;  // idle + in use (+ being opened)
    std::size_t discarded = 0;
    bool closed = false;
};

// A connection handed out: every call goes to the real ODBC session; when the last Session
// copy goes, the connection goes back to the pool (or is closed, when discarded).
class ConnectionPool::Leased : public Poco::Data::SessionImpl {
public:
    Leased(Poco::Data::Session connection, State::Statements statements, std::shared_ptr<State> pool)
        : SessionImpl(connection.impl()->connectionString()),
          connection_(connection),
          statements_(std::move(statements)),
          pool_(std::move(pool)) {}
    ~Leased() override { pool_->giveBack(connection_, std::move(statements_), !discard_.load()); }

    void discard() noexcept { discard_.store(true); }
    Poco::Data::SessionImpl* driverSession() const { return impl(); }

    Poco::SharedPtr<Poco::Data::StatementImpl> createStatementImpl() override { return impl()->createStatementImpl(); }
    void open(const std::string& connect) override { impl()->open(connect); }
    void close() override {  // given back closed: not reused
        // The kept statements first: with one still allocated, SQLite's driver cannot close the
        // database ("unfinished statements") and the connection would leak.
        if (statements_) statements_->forgetPrefix("");
        impl()->close();
    }
    bool isConnected() const override { return impl()->isConnected(); }
    bool isGood() const override { return impl()->isGood(); }
    void setConnectionTimeout(std::size_t timeout) override { impl()->setConnectionTimeout(timeout); }
    std::size_t getConnectionTimeout() const override { return impl()->getConnectionTimeout(); }
    void reset() override { impl()->reset(); }
    void begin() override { impl()->begin(); }
    void commit() override { impl()->commit(); }
    void rollback() override { impl()->rollback(); }
    bool canTransact() const override { return impl()->canTransact(); }
    bool isTransaction() const override { return impl()->isTransaction(); }
    void setTransactionIsolation(Poco::UInt32 level) override { impl()->setTransactionIsolation(level); }
    Poco::UInt32 getTransactionIsolation() const override { return impl()->getTransactionIsolation(); }
    bool hasTransactionIsolation(Poco::UInt32 level) const override { return impl()->hasTransactionIsolation(level); }
    bool isTransactionIsolation(Poco::UInt32 level) const override { return impl()->isTransactionIsolation(level); }
    const std::string& connectorName() const override { return impl()->connectorName(); }
    void setFeature(const std::string& name, bool state) override { impl()->setFeature(name, state); }
    bool getFeature(const std::string& name) override { return impl()->getFeature(name); }
    void setProperty(const std::string& name, const Poco::Any& value) override { impl()->setProperty(name, value); }
    Poco::Any getProperty(const std::string& name) override {
        if (name == PreparedStatements::kSessionProperty) return Poco::Any(statements_.get());
        return impl()->getProperty(name);
    }

private:
    Poco::Data::SessionImpl* impl() const { return const_cast<Poco::Data::Session&>(connection_).impl(); }

    Poco::Data::Session connection_;
    State::Statements statements_;
    std::shared_ptr<State> pool_;
    std::atomic<bool> discard_{false};
};

ConnectionPool::ConnectionPool(ConnectionPoolSettings settings) : state_(std::make_shared<State>(std::move(settings))) {
    if (state_->settings.maxOpen == 0) throw std::invalid_argument("ConnectionPool: maxOpen must be at least 1");
}

ConnectionPool::~ConnectionPool() {
    std::deque<State::Idle> idle;
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->closed = true;
        idle.swap(state_->idle);
        state_->open -= idle.size();
    }
    for (auto& entry : idle) State::close(entry.connection, entry.statements);
}

std::optional<Poco::Data::Session> ConnectionPool::acquire(std::chrono::milliseconds timeout) {
    State& s = *state_;
    const auto deadline = SteadyClock::now() + timeout;
    std::unique_lock<std::mutex> lock(s.mutex);
    for (;;) {
        if (!s.idle.empty()) {
            Poco::Data::Session connection = s.idle.front().connection;
            State::Statements statements = std::move(s.idle.front().statements);
            s.idle.pop_front();
            lock.unlock();
            // As Poco's pool does: a connection the driver knows is dead is not handed out.
            if (isGood(connection))
                return Poco::Data::Session(
                    Poco::AutoPtr<Poco::Data::SessionImpl>(new Leased(connection, std::move(statements), state_)));
            State::close(connection, statements);
            lock.lock();
            --s.open;
            continue;
        }
        if (s.open < s.settings.maxOpen) break;
        if (s.freed.wait_until(lock, deadline) == std::cv_status::timeout && s.idle.empty() &&
            s.open >= s.settings.maxOpen)
            return std::nullopt;
    }
    ++s.open;  // the slot is taken while connecting, outside the lock (PostgreSQL takes a while)
    lock.unlock();
    try {
        return Poco::Data::Session(Poco::AutoPtr<Poco::Data::SessionImpl>(
            new Leased(s.connect(), std::make_shared<PreparedStatements>(), state_)));
    } catch (...) {
        {
            std::lock_guard<std::mutex> relock(s.mutex);
            --s.open;
        }
        s.freed.notify_one();
        throw;
    }
}

void ConnectionPool::discard(Poco::Data::Session& session) noexcept {
    if (auto* leased = dynamic_cast<Leased*>(session.impl())) leased->discard();
}

Poco::Data::SessionImpl* ConnectionPool::driverSession(Poco::Data::Session& session) {
    if (auto* leased = dynamic_cast<Leased*>(session.impl())) return leased->driverSession();
    return session.impl();
}

std::size_t ConnectionPool::openCount() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->open;
}

std::size_t ConnectionPool::idleCount() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->idle.size();
}

std::size_t ConnectionPool::discardedCount() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->discarded;
}

}  // namespace orderhost::store

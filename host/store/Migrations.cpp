#include "host/store/Migrations.h"

#include "host/store/Clock.h"
#include "host/store/Database.h"

using namespace Poco::Data::Keywords;

namespace orderhost::store {
namespace {

// v1: orders and their step runs. VARCHAR sizes are bytes on SQLite's read path (the driver
// sizes buffers from them), so OrderStore validates byte lengths against the same numbers.
void createOrdersAndStepRuns(Poco::Data::Session& s, const Dialect& d) {
    s << "CREATE TABLE orders ("
         " id VARCHAR(36) PRIMARY KEY,"
         " order_ref VARCHAR(64) NOT NULL UNIQUE,"
         " chain VARCHAR(128) NOT NULL,"
         " chain_version INTEGER NOT NULL,"
         " state VARCHAR(32) NOT NULL,"
         " current_step INTEGER NOT NULL,"
         " document "
      << d.documentType()
      << ","
         " request_hash VARCHAR(64) NOT NULL,"
         " created_at BIGINT NOT NULL,"
         " updated_at BIGINT NOT NULL)",
        now;
    s << "CREATE TABLE step_runs ("
         " order_id VARCHAR(36) NOT NULL REFERENCES orders(id),"
         " seq INTEGER NOT NULL,"
         " step_name VARCHAR(128),"
         " plugin_id VARCHAR(128),"
         " step_kind VARCHAR(128),"
         " attempt INTEGER,"
         " outcome VARCHAR(16),"
         " code VARCHAR(128),"
         " message VARCHAR(65536),"
         " started_at BIGINT,"
         " finished_at BIGINT,"
         " PRIMARY KEY (order_id, seq))",
        now;
    // Recovery after a crash looks for every order still mid-chain by state.
    s << "CREATE INDEX orders_state_idx ON orders (state)", now;
}

// v2: the signal a held (on_hold) order waits for, so that only that signal resumes it.
void addAwaitingSignal(Poco::Data::Session& s, const Dialect&) {
    s << "ALTER TABLE orders ADD COLUMN awaiting_signal VARCHAR(128)", now;
}

// v3: durable retry timers. A step that asked to retry later leaves the order in retry_wait
// with the attempt to make next and the time it is due.
void addRetryTimer(Poco::Data::Session& s, const Dialect&) {
    s << "ALTER TABLE orders ADD COLUMN next_attempt INTEGER NOT NULL DEFAULT 1", now;
    s << "ALTER TABLE orders ADD COLUMN wake_at BIGINT NOT NULL DEFAULT 0", now;
}

// v4: several hosts on one database, compensation, and which chain run a step belongs to.
// lease_owner/lease_until: the host running an order holds it until lease_until (ms); another
// host may claim it only after that. compensate_to: while compensating, the state the order
// ends in. step_runs.chain/step_index: compensation undoes the steps of the current chain
// that completed, read from their step runs.
void addLeasesAndCompensation(Poco::Data::Session& s, const Dialect&) {
    s << "ALTER TABLE orders ADD COLUMN lease_owner VARCHAR(64)", now;
    s << "ALTER TABLE orders ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0", now;
    s << "ALTER TABLE orders ADD COLUMN compensate_to VARCHAR(32)", now;
    s << "ALTER TABLE step_runs ADD COLUMN chain VARCHAR(128)", now;
    s << "ALTER TABLE step_runs ADD COLUMN step_index INTEGER", now;
    // Timers and lease sweeps look for orders by state and time.
    s << "CREATE INDEX orders_state_wake_idx ON orders (state, wake_at)", now;
    s << "CREATE INDEX orders_state_lease_idx ON orders (state, lease_until)", now;
}

// v5: the outbox. Events are written in the transaction of the step that caused them and
// leave only after it committed. txid (PostgreSQL) lets readers skip rows whose transaction
// may still be in flight, so a reader paging by id never misses one.
void createOutbox(Poco::Data::Session& s, const Dialect& d) {
    s << "CREATE TABLE outbox ("
         " id "
      << d.autoIdType()
      << ","
         " order_id VARCHAR(36) NOT NULL,"
         " event_type VARCHAR(64) NOT NULL,"
         " payload "
      << d.documentType()
      << " NOT NULL,"
         " created_at BIGINT NOT NULL"
      << d.transactionIdColumn() << ")",
        now;
    s << "CREATE INDEX outbox_order_idx ON outbox (order_id)", now;
}

// v6: where each webhook subscriber's relay stands, and the index PostgreSQL readers page by.
// One row per subscriber (its URL): the last event it acknowledged with a 2xx, the relay that
// holds it (lease_owner/lease_until, so hosts sharing the database do not deliver the same
// events at once), and its backoff after failures (failures, retry_at), durable so that a
// restarted or other host keeps to it.
void createRelayCursors(Poco::Data::Session& s, const Dialect& d) {
    s << "CREATE TABLE relay_cursors ("
         " subscriber VARCHAR(1000) PRIMARY KEY,"
         " last_event_id BIGINT NOT NULL DEFAULT 0,"
         " lease_owner VARCHAR(64),"
         " lease_until BIGINT NOT NULL DEFAULT 0,"
         " failures INTEGER NOT NULL DEFAULT 0,"
         " retry_at BIGINT NOT NULL DEFAULT 0,"
         " last_error VARCHAR(1000),"
         " updated_at BIGINT NOT NULL DEFAULT 0)",
        now;
    // Outbox readers on PostgreSQL go in (txid, id) order (Outbox.h); SQLite pages by id.
    if (d.backend() == Backend::PostgreSQL) s << "CREATE INDEX outbox_txid_id_idx ON outbox (txid, id)", now;
}

// v7: the fencing token. Every claim of an order (intake, a signal, a command, a lease taken
// over, a host taking back its own) increments lease_epoch, and every checkpoint and lease
// renewal must match the epoch its writer claimed with: a host that lost an order and later
// claimed it back cannot have a stale attempt from its first claim overwrite the new one,
// which the owner string alone (the same on both claims) could not tell apart.
void addLeaseEpoch(Poco::Data::Session& s, const Dialect&) {
    s << "ALTER TABLE orders ADD COLUMN lease_epoch BIGINT NOT NULL DEFAULT 0", now;
}

// v8: the crash breaker. calls_pending counts plugin calls made for the order since its last
// checkpoint that have not returned: a checkpoint that leaves the order running sets it to 1
// (its next call starts right after), a stopped order has 0, and every claim adds 1. So when a
// host takes an order over, calls_pending - 1 calls died with their host (a plugin that crashed
// the process, or a host killed mid-step); ChainRunner holds the order past engine.crash_limit.
void addCallsPending(Poco::Data::Session& s, const Dialect&) {
    s << "ALTER TABLE orders ADD COLUMN calls_pending INTEGER NOT NULL DEFAULT 0", now;
}

// v9: order search (GET /v1/orders). The customer's id lives in the document (/customer/id);
// a column of its own, filled on insert and backfilled here, lets the index find a customer's
// orders without reading documents (256 bytes: the order schema allows 64 characters). Only a
// string id is taken (the schema's rule), never an object's JSON text. Searches page by
// (created_at, id) (keyset), so every filter has an index ending in those two columns.
void addOrderSearch(Poco::Data::Session& s, const Dialect& d) {
    s << "ALTER TABLE orders ADD COLUMN customer_id VARCHAR(256)", now;
    if (d.backend() == Backend::PostgreSQL)
        s << "UPDATE orders SET customer_id = CAST(document AS jsonb) #>> '{customer,id}'"
             " WHERE jsonb_typeof(CAST(document AS jsonb) #> '{customer,id}') = 'string'",
            now;
    else
        s << "UPDATE orders SET customer_id = json_extract(document, '$.customer.id')"
             " WHERE json_valid(document) AND json_type(document, '$.customer.id') = 'text'",
            now;
    s << "CREATE INDEX orders_created_idx ON orders (created_at, id)", now;
    s << "CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at, id)", now;
    s << "CREATE INDEX orders_state_created_idx ON orders (state, created_at, id)", now;
    s << "CREATE INDEX orders_chain_created_idx ON orders (chain, created_at, id)", now;
}

// v10: customer-service inquiries against an order (InquiryStore.h). Their opening and answer
// are written with their outbox event in one transaction.
void createInquiries(Poco::Data::Session& s, const Dialect&) {
    s << "CREATE TABLE inquiries ("
         " id VARCHAR(36) PRIMARY KEY,"
         " order_id VARCHAR(36) NOT NULL REFERENCES orders(id),"
         " channel VARCHAR(16) NOT NULL,"
         " question VARCHAR(4000) NOT NULL,"
         " status VARCHAR(16) NOT NULL,"
         " answer VARCHAR(4000),"
         " answered_by VARCHAR(200),"
         " created_at BIGINT NOT NULL,"
         " answered_at BIGINT NOT NULL DEFAULT 0)",
        now;
    s << "CREATE INDEX inquiries_order_idx ON inquiries (order_id, created_at, id)", now;
}

// v11 ("idempotency keys", issue 13; another branch may also have taken v11 — renumber this
// one on merge, keeping its description): the HTTP API's Idempotency-Key (IdempotencyStore.h).
// One row per (client, route, key): the request's fingerprint, 'pending' while the first
// request runs (until claimed_until, then abandoned), 'done' with the reply it got, kept until
// expires_at. client: the API key's id ("*" for api.token and an open host).
void createIdempotencyKeys(Poco::Data::Session& s, const Dialect& d) {
    s << "CREATE TABLE idempotency_keys ("
         " client VARCHAR(200) NOT NULL,"
         " route VARCHAR(100) NOT NULL,"
         " idem_key VARCHAR(255) NOT NULL,"
         " request_hash VARCHAR(64) NOT NULL,"
         " state VARCHAR(16) NOT NULL,"
         " status INTEGER,"
         " content_type VARCHAR(200),"
         " location VARCHAR(1000),"
         " body "
      << d.documentType()
      << ","
         " created_at BIGINT NOT NULL,"
         " claimed_until BIGINT NOT NULL,"
         " expires_at BIGINT NOT NULL,"
         " PRIMARY KEY (client, route, idem_key))",
        now;
    s << "CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)", now;
}

// v12: events a webhook subscriber refused events.webhook_max_attempts times in a row, set
// aside so the events after them flow (DeadLetters.h). state: dead, replay (an administrator
// asked for one more delivery), replayed (it was acknowledged).
void createDeadLetters(Poco::Data::Session& s, const Dialect& d) {
    s << "CREATE TABLE relay_dead_letters ("
         " id "
      << d.autoIdType()
      << ","
         " subscriber VARCHAR(1000) NOT NULL,"
         " event_id BIGINT NOT NULL,"
         " attempts INTEGER NOT NULL,"
         " last_error VARCHAR(1000),"
         " state VARCHAR(16) NOT NULL,"
         " dead_at BIGINT NOT NULL,"
         " replayed_at BIGINT,"
         " UNIQUE (subscriber, event_id))",
        now;
}

// v13: API keys (ApiKeyStore.h): the secret is stored as a hash only; roles and the chains a
// key is limited to as comma-separated names.
void createApiKeys(Poco::Data::Session& s, const Dialect&) {
    s << "CREATE TABLE api_keys ("
         " id VARCHAR(32) PRIMARY KEY,"
         " name VARCHAR(200) NOT NULL,"
         " secret_hash VARCHAR(128) NOT NULL,"
         " roles VARCHAR(100) NOT NULL,"
         " chains VARCHAR(2000) NOT NULL,"
         " created_at BIGINT NOT NULL,"
         " revoked_at BIGINT)",
        now;
}

// v14: quotes (QuoteStore.h, issue 15): the draft as the client sent it and what POST
// /v1/quotes answered, so an order that names the quote within valid_until gets its prices.
// used_by_order is set in the order's insert transaction: a quote places at most one order.
void createQuotes(Poco::Data::Session& s, const Dialect& d) {
    s << "CREATE TABLE quotes ("
         " id VARCHAR(36) PRIMARY KEY,"
         " client VARCHAR(64) NOT NULL,"
         " chain VARCHAR(128) NOT NULL,"
         " chain_version INTEGER NOT NULL,"
         " draft "
      << d.documentType()
      << ","
         " document "
      << d.documentType()
      << ","
         " created_at BIGINT NOT NULL,"
         " valid_until BIGINT NOT NULL,"
         " used_by_order VARCHAR(36),"
         " used_at BIGINT)",
        now;
    // Purging old quotes looks them up by age.
    s << "CREATE INDEX quotes_valid_until_idx ON quotes (valid_until)", now;
}

void ensureMigrationsTable(Database& db) {
    auto create = [&] {
        db.withSession("create schema_migrations", [](Poco::Data::Session& s) {
            s << "CREATE TABLE IF NOT EXISTS schema_migrations ("
                 " version INTEGER PRIMARY KEY,"
                 " description VARCHAR(200) NOT NULL,"
                 " applied_at BIGINT NOT NULL)",
                now;
        });
    };
    try {
        create();
    } catch (const StoreError&) {
        // PostgreSQL: two processes racing through IF NOT EXISTS can both try to create it and
        // one fails on a catalog unique index. The table exists now; a second try sees it.
        create();
    }
}

// Claims `m` by inserting its row first (which also takes the write lock), then applies it.
// Returns false when another process recorded it in the meantime.
bool applyOne(Database& db, const Migration& m) {
    bool applied = false;
    const std::string what = "schema migration " + std::to_string(m.version) + " (" + m.description + ")";
    db.withTransaction(what, [&](Poco::Data::Session& s) {
        applied = db.dialect().changesOneRow(
            s,
            "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)"
            " ON CONFLICT (version) DO NOTHING",
            [&](Poco::Data::Statement& st) { st, bind(m.version), bind(m.description), bind(nowMs()); });
        if (applied) m.apply(s, db.dialect());
    });
    return applied;
}

// v15: the fingerprint of each chain version a host served (ChainFingerprints.h): a restart
// refuses a version edited in place while orders run on it, as a reload does.
void createChainFingerprints(Poco::Data::Session& s, const Dialect&) {
    s << "CREATE TABLE chain_fingerprints ("
         " chain VARCHAR(128) NOT NULL,"
         " chain_version INTEGER NOT NULL,"
         " fingerprint VARCHAR(64) NOT NULL,"
         " recorded_at BIGINT NOT NULL,"
         " PRIMARY KEY (chain, chain_version))",
        now;
}

}  // namespace

const std::vector<Migration>& schemaMigrations() {
    static const std::vector<Migration> all = {
        {1, "orders and step_runs", createOrdersAndStepRuns},
        {2, "orders.awaiting_signal", addAwaitingSignal},
        {3, "orders.next_attempt and wake_at", addRetryTimer},
        {4, "leases, compensation, step_runs.chain", addLeasesAndCompensation},
        {5, "outbox", createOutbox},
        {6, "relay_cursors, outbox (txid, id) index", createRelayCursors},
        {7, "orders.lease_epoch (fencing token)", addLeaseEpoch},
        {8, "orders.calls_pending (crash breaker)", addCallsPending},
        {9, "orders.customer_id, order search indexes", addOrderSearch},
        {10, "inquiries", createInquiries},
        {11, "idempotency keys", createIdempotencyKeys},
        {12, "relay dead letters", createDeadLetters},
        {13, "api keys", createApiKeys},
        {14, "quotes", createQuotes},
        {15, "chain fingerprints", createChainFingerprints},
    };
    return all;
}

int latestSchemaVersion() { return schemaMigrations().back().version; }

const std::vector<std::string>& hostTableNames() {
    // MigrationsTest compares this with the tables a migrated database actually has.
    static const std::vector<std::string> names = {"orders",
                                                   "step_runs",
                                                   "outbox",
                                                   "relay_cursors",
                                                   "schema_migrations",
                                                   "plugin_migrations",
                                                   "inquiries",
                                                   "idempotency_keys",
                                                   "relay_dead_letters",
                                                   "api_keys",
                                                   "quotes",
                                                   "chain_fingerprints"};
    return names;
}

int currentSchemaVersion(Database& db) {
    ensureMigrationsTable(db);
    return db.withSession("read schema version", [](Poco::Data::Session& s) {
        int version = 0;
        s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", into(version), now;
        return version;
    });
}

std::vector<int> migrateSchema(Database& db) {
    const int current = currentSchemaVersion(db);
    if (current > latestSchemaVersion())
        throw SchemaTooNewError(db.errorMessage(
            "schema check", "the database schema is at version " + std::to_string(current) +
                                " but this build knows versions up to " + std::to_string(latestSchemaVersion()) +
                                "; run a newer orderhost (migrations never go backwards)"));
    std::vector<int> applied;
    for (const Migration& m : schemaMigrations())
        if (m.version > current && applyOne(db, m)) applied.push_back(m.version);
    return applied;
}

}  // namespace orderhost::store

// OrderStore's hot statements, prepared once per pooled connection (PreparedStatements) and
// run with direct ODBC calls (OdbcStatement): a step's checkpoint (the guarded order UPDATE and
// the step-run INSERT), the order INSERT, the lease renewal, the read of an order's step runs
// and the read of one order. Each returns nullopt when `session` keeps no prepared statements
// (a session that is not a pool's): the caller then runs the same SQL prepared per call through
// Poco::Data, as it does whenever Database::keepsStatements() is false (UseServerSidePrepare=0
// on PostgreSQL).
//
// Why: on PostgreSQL each prepare costs a Parse/Describe round trip and a DEALLOCATE
// (docs/performance.md, "The statement path"); on SQLite, Poco's per-call work, a second
// statement (SELECT changes()) per guarded write and BEGIN/COMMIT around single statements
// ("Kept statements on SQLite"; the SQLite driver keeps only SELECTs compiled, it compiles a
// write at each execute). Text is bound with its length, so the CLOB detour Poco needs on
// SQLite for values over 255 bytes (Dialect::bindText) is not needed here.
//
// The SQL is the same on both paths (the kSql constants below). A changed-row check is, on
// PostgreSQL, the statement wrapped in a CTE counting its RETURNING rows (as
// Dialect::changesOneRow does) and, on SQLite, the driver's row count (SQLRowCount).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Poco/Data/Session.h>

#include "host/store/OrderStore.h"

namespace orderhost::store::orderstatements {

// The guarded UPDATE of a checkpoint: 18 parameters, see OrderStore::updateIfState.
extern const std::string kCheckpointUpdateSql;
// The step-run INSERT with the next seq: 13 parameters (CheckpointRows.cpp's path per call).
extern const std::string kStepRunInsertSql;
// The order INSERT that a duplicate order_ref turns into a no-op: 15 parameters.
extern const std::string kOrderInsertSql;
extern const std::string kRenewLeaseSql;

std::optional<bool> updateCheckpoint(Poco::Data::Session&, Backend, const OrderRecord& updated,
                                     const std::string& expectedState, const std::string& expectedOwner,
                                     int64_t expectedEpoch);
std::optional<bool> insertOrder(Poco::Data::Session&, Backend, const OrderRecord&);
// An order's step runs in seq order (OrderStore::stepRuns: the reply and GET read them).
std::optional<std::vector<StepRunRecord>> stepRuns(Poco::Data::Session&, const std::string& orderId);
std::optional<bool> renewLease(Poco::Data::Session&, Backend, const std::string& id, const std::string& owner,
                               int64_t epoch, int64_t untilMs);

// One order by `sql` (OrderStore::findBy's SELECT: its columns, then the document's length in
// bytes; one parameter), kept under `key`. The inner nullopt: no such order. Read in pieces
// (OdbcStatement), not into a buffer of the largest document Poco::Data would allocate for a
// TEXT column at every read (16 MiB: docs/performance.md "A read of an order").
struct FoundOrder {
    OrderRecord order;
    std::int64_t documentBytes = 0;  // what the database says the document holds
};
std::optional<std::optional<FoundOrder>> findOrder(Poco::Data::Session&, const std::string& key, const std::string& sql,
                                                   const std::string& value);

}  // namespace orderhost::store::orderstatements

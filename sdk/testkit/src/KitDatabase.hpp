// KitDatabase.hpp — the test kit's "orderhost.db/1" backend: a SQLite database in a temporary
// file, opened with the SQLite library directly (no ODBC driver and no DSN needed on a
// developer's machine), with the result shape and rules of the host's extension: rows as JSON
// objects (integers as integers, NULL as null), one statement per call, `?` parameters bound
// from a JSON array, the OH_DB_MAX_* bounds, transaction control refused, and the step's
// statements inside one transaction that the kit commits or rolls back like the host.
#ifndef ORDERHOST_TESTKIT_KIT_DATABASE_HPP
#define ORDERHOST_TESTKIT_KIT_DATABASE_HPP

#include <orderhost/ext/db.h>

#include <cstdint>
#include <string>
#include <vector>

struct sqlite3;

namespace orderhost::testkit {

// What one statement gave: status OK with rows/changed, or another status with `error`.
struct StatementResult {
  oh_status status = OH_STATUS_OK;
  std::string rows = "[]";
  std::int64_t changed = -1;
  std::string error;
};

class KitDatabase {
 public:
  // Creates an empty database file in the temporary folder ($TMPDIR or /tmp).
  KitDatabase();
  ~KitDatabase();
  KitDatabase(const KitDatabase&) = delete;
  KitDatabase& operator=(const KitDatabase&) = delete;

  const std::string& path() const { return path_; }

  // Applies `migrations` (of plugin `pluginId`) in version order, each in its own
  // transaction with its plugin_migrations row, like the host. "" or an error message.
  std::string applyMigrations(const std::string& pluginId, const oh_migrations_ext& migrations);

  // Tables a migration created, except the kit's own plugin_migrations.
  std::vector<std::string> tableNames();

  // Several ';'-separated statements outside any step. "" or an error message.
  std::string script(const std::string& sql);

  // One statement with JSON parameters, as orderhost.db/1 execute() runs it.
  StatementResult execute(const std::string& sql, const std::string& paramsJson);

  // The step's transaction: begin before the call, then commit or roll back.
  void begin();
  void finish(bool commit);

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace orderhost::testkit

#endif  // ORDERHOST_TESTKIT_KIT_DATABASE_HPP

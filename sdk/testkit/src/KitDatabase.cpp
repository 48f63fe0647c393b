// KitDatabase.cpp — SQLite through its C library, shaped like the host's orderhost.db/1.
#include "KitDatabase.hpp"

#include "KitDocument.hpp"
#include "KitText.hpp"
#include "PluginLoader.hpp"

#include <sqlite3.h>

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>

namespace orderhost::testkit {
namespace {

// Skips blanks, ';' and SQL comments from `at`; returns where the next token starts.
const char* skipNoise(const char* at, bool semicolons) {
  for (;;) {
    while (*at != '\0' &&
           (std::isspace(static_cast<unsigned char>(*at)) || (semicolons && *at == ';')))
      ++at;
    if (at[0] == '-' && at[1] == '-') {
      while (*at != '\0' && *at != '\n') ++at;
    } else if (at[0] == '/' && at[1] == '*') {
      const char* end = std::strstr(at + 2, "*/");
      at = end ? end + 2 : at + std::strlen(at);
    } else {
      return at;
    }
  }
}

// The statement's first keyword, upper-case ("SELECT", "INSERT", ...).
std::string firstKeyword(const std::string& sql) {
  const char* at = skipNoise(sql.c_str(), false);
  std::string word;
  while (std::isalpha(static_cast<unsigned char>(*at)))
    word.push_back(static_cast<char>(std::toupper(*at++)));
  return word;
}

bool isTransactionControl(const std::string& keyword) {
  static const char* const refused[] = {"BEGIN",     "COMMIT",  "END",    "ROLLBACK",
                                        "SAVEPOINT", "RELEASE", "ATTACH", "DETACH"};
  return std::find(std::begin(refused), std::end(refused), keyword) != std::end(refused);
}

std::string shortened(const std::string& sql) {
  return sql.size() > 120 ? sql.substr(0, 117) + "..." : sql;
}

// Binds the JSON array `params` to the statement's `?`; "" or an error message.
std::string bindParams(sqlite3_stmt* stmt, const std::string& params) {
  std::string error;
  std::optional<Json> parsed = parseJson(params.empty() ? "[]" : params, error);
  if (!parsed || !parsed->is_array())
    return "params_json is not a JSON array" + (error.empty() ? "" : ": " + error);
  const int expected = sqlite3_bind_parameter_count(stmt);
  if (static_cast<int>(parsed->size()) != expected)
    return "the statement has " + std::to_string(expected) + " parameter(s) but params_json has " +
           std::to_string(parsed->size());
  for (int i = 0; i < expected; ++i) {
    const Json& value = (*parsed)[static_cast<std::size_t>(i)];
    int rc = SQLITE_OK;
    if (value.is_string()) {
      const std::string& text = value.get_ref<const std::string&>();
      rc =
          sqlite3_bind_text64(stmt, i + 1, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else if (value.is_number_integer() &&
               (value.is_number_unsigned() ? value.get<std::uint64_t>() <= INT64_MAX : true)) {
      rc = sqlite3_bind_int64(stmt, i + 1, value.get<std::int64_t>());
    } else if (value.is_boolean()) {
      rc = sqlite3_bind_int(stmt, i + 1, value.get<bool>() ? 1 : 0);
    } else if (value.is_null()) {
      rc = sqlite3_bind_null(stmt, i + 1);
    } else {
      return "parameter " + std::to_string(i) + " is " + value.type_name() +
             ": only strings, integers, true/false and null can be bound";
    }
    if (rc != SQLITE_OK) return "cannot bind parameter " + std::to_string(i);
  }
  return "";
}

Json columnValue(sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(stmt, column);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, column);
    case SQLITE_NULL:
      return nullptr;
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
      return std::string(text ? text : "",
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt, column)));
    }
  }
}

}  // namespace

KitDatabase::KitDatabase() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/orderhost-testkit-XXXXXX.db";
  const int fd = mkstemps(pattern.data(), 3);
  if (fd < 0) throw std::runtime_error("cannot create a temporary database file like " + pattern);
  close(fd);
  path_ = pattern;
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open " + path_ + ": " + sqlite3_errmsg(db_));
  sqlite3_busy_timeout(db_, 5000);
  const std::string error = script(
      "CREATE TABLE plugin_migrations (plugin_id VARCHAR(128) NOT NULL, version INTEGER NOT NULL,"
      " description VARCHAR(512) NOT NULL, PRIMARY KEY (plugin_id, version))");
  if (!error.empty()) throw std::runtime_error(error);
}

KitDatabase::~KitDatabase() {
  sqlite3_close_v2(db_);
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
}

std::string KitDatabase::script(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return "";
  std::string error = std::string(message ? message : "unknown error") + " in: " + shortened(sql);
  sqlite3_free(message);
  return error;
}

std::string KitDatabase::applyMigrations(const std::string& pluginId,
                                         const oh_migrations_ext& ext) {
  if (!OH_HAS_FIELD(&ext, oh_migrations_ext, migrations))
    return "its orderhost.migrations/1 table is too small";
  if (!isReadable(ext.datasource))
    return "its orderhost.migrations/1 " + unreadableText("datasource", ext.datasource);
  const std::string datasource = text(ext.datasource);
  if (!datasource.empty() && datasource != OH_DB_HOST_DATASOURCE)
    return "its migrations are for datasource '" + datasource +
           "': the test kit has only the host database";
  std::vector<const oh_migration*> ordered;
  for (std::uint32_t i = 0; i < ext.migration_count; ++i) {
    const oh_migration* m = ext.migrations ? ext.migrations[i] : nullptr;
    if (m == nullptr || !OH_HAS_FIELD(m, oh_migration, sql_postgresql))
      return "migration " + std::to_string(i) + " is NULL or too small to read";
    for (const oh_str& part : {m->description, m->sql, m->sql_sqlite, m->sql_postgresql})
      if (!isReadable(part))
        return "migration " + std::to_string(i) + ": " + unreadableText("a text", part);
    ordered.push_back(m);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](auto* a, auto* b) { return a->version < b->version; });
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    const oh_migration& m = *ordered[i];
    if (m.version == 0 || (i > 0 && ordered[i - 1]->version == m.version))
      return "migration version " + std::to_string(m.version) + " is 0 or used twice";
    const oh_str& text = m.sql_sqlite.len > 0 ? m.sql_sqlite : m.sql;
    const std::string description = testkit::text(m.description);  // `text` is the SQL here
    std::string error = script("BEGIN");
    if (error.empty() && text.len > 0) error = script(std::string(text.ptr, text.len));
    if (error.empty())
      error =
          execute(
              "INSERT INTO plugin_migrations (plugin_id, version, description) VALUES (?, ?, ?)",
              Json::array({pluginId, m.version, description}).dump())
              .error;
    if (!error.empty()) {
      script("ROLLBACK");
      return "migration " + std::to_string(m.version) + " (" + description + ") failed: " + error;
    }
    error = script("COMMIT");
    if (!error.empty()) return error;
  }
  return "";
}

std::vector<std::string> KitDatabase::tableNames() {
  std::vector<std::string> names;
  const StatementResult result = execute(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'plugin_migrations'"
      " AND name NOT LIKE 'sqlite%' ORDER BY name",
      "");
  std::string ignored;
  for (const Json& row : parseJson(result.rows, ignored).value_or(Json::array()))
    names.push_back(row["name"].get<std::string>());
  return names;
}

StatementResult KitDatabase::execute(const std::string& sql, const std::string& paramsJson) {
  StatementResult result;
  auto fail = [&](oh_status status, std::string why) {
    result.status = status;
    result.error = "orderhost.db/1 (test kit SQLite): " + why + " in: " + shortened(sql);
    return result;
  };
  const std::string keyword = firstKeyword(sql);
  if (isTransactionControl(keyword))
    return fail(OH_STATUS_INVALID_ARGUMENT,
                keyword + " refused: the host owns the step's transaction");
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, &stmt, &tail) !=
      SQLITE_OK)
    return fail(OH_STATUS_INTERNAL_ERROR, sqlite3_errmsg(db_));
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
  if (stmt == nullptr) return fail(OH_STATUS_INVALID_ARGUMENT, "no statement");
  if (tail != nullptr && *skipNoise(tail, true) != '\0')
    return fail(OH_STATUS_INVALID_ARGUMENT, "more than one statement (one per call)");
  const std::string bindError = bindParams(stmt, paramsJson);
  if (!bindError.empty()) return fail(OH_STATUS_INVALID_ARGUMENT, bindError);
  Json rows = Json::array();
  std::size_t bytes = 2;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Json row = Json::object();
    for (int c = 0; c < sqlite3_column_count(stmt); ++c)
      row[sqlite3_column_name(stmt, c)] = columnValue(stmt, c);
    bytes += dumpJson(row).size() + 1;
    if (rows.size() >= OH_DB_MAX_ROWS)
      return fail(OH_STATUS_INVALID_ARGUMENT, "more than OH_DB_MAX_ROWS rows");
    if (bytes > OH_DB_MAX_RESULT_BYTES)
      return fail(OH_STATUS_INVALID_ARGUMENT, "result above OH_DB_MAX_RESULT_BYTES");
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) {
    const int primary = rc & 0xff;
    return fail(primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? OH_STATUS_RETRYABLE
                                                                   : OH_STATUS_INTERNAL_ERROR,
                sqlite3_errmsg(db_));
  }
  result.rows = dumpJson(rows);
  const bool changes =
      keyword == "INSERT" || keyword == "UPDATE" || keyword == "DELETE" || keyword == "REPLACE";
  result.changed = changes ? sqlite3_changes64(db_) : -1;
  return result;
}

void KitDatabase::begin() { script("BEGIN IMMEDIATE"); }

void KitDatabase::finish(bool commit) {
  if (sqlite3_get_autocommit(db_) != 0) return;  // SQLite already ended it (after an error)
  if (!script(commit ? "COMMIT" : "ROLLBACK").empty()) script("ROLLBACK");
}

}  // namespace orderhost::testkit

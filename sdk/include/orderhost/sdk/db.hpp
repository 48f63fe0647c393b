// orderhost/sdk/db.hpp — SQL from a step, through the host's "orderhost.db/1" extension.
//
// Database runs one statement at a time on the host's own database (the default) or on a
// datasource the administrator configured by name. On the host's database every statement is
// part of the step's transaction: it commits when the host keeps the step's outcome
// (CONTINUE, REJECT, SUSPEND) and rolls back on RETRY, FAIL or a crash. A named datasource runs
// in autocommit: those writes stay even when the step is retried, so key them on
// call.idempotencyKey(). See plugin-api/include/orderhost/ext/db.h for the full contract.
//
// Thread contract: a Database is bound to one run()/compensate() call, like StepCall; never
// keep it in the step. Rows are copies and may be kept.
//
// Example:
//   sdk::Database db(call);
//   for (const sdk::Row& row : db.query("SELECT sku, on_hand FROM stock WHERE on_hand < ?", {5}))
//     call.log().info(row.string("sku"), " is low: ", row.integer("on_hand"));
//   std::int64_t changed = db.execute("UPDATE stock SET on_hand = on_hand - ? WHERE sku = ?",
//                                     {2, "A-1"});
#ifndef ORDERHOST_SDK_DB_HPP
#define ORDERHOST_SDK_DB_HPP

#include <orderhost/ext/db.h>
#include <orderhost/plugin_api.h>
#include <orderhost/sdk/document.hpp>
#include <orderhost/sdk/error.hpp>
#include <orderhost/sdk/json.hpp>
#include <orderhost/sdk/json_keys.hpp>
#include <orderhost/sdk/step.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace orderhost::sdk {

// DatabaseError
//
// A statement the host refused or the database failed: what() is the host's one-line message
// naming the datasource and the driver's words; status() is the host's oh_status
// (OH_STATUS_NOT_FOUND for an unknown datasource, OH_STATUS_INTERNAL_ERROR for SQL errors).
// Thrown out of run(), the step ends as FAIL with that message.
class DatabaseError : public Error {
 public:
  DatabaseError(oh_status status, const std::string& message)
      : Error(status, std::string(), message) {}
};

// Param
//
// One value bound to a `?`: an integer, a string (any length), a bool or null.
//
// Example:  db.execute("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", {42, "text",
// sdk::Param::null()});
class Param {
 public:
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Param(T value) : json_(std::to_string(value)) {}  // NOLINT: implicit on purpose
  Param(bool value) : json_(value ? "true" : "false") {}
  Param(std::string_view value) : json_(jsonQuote(value)) {}
  Param(const char* value) : json_(jsonQuote(value)) {}
  Param(const std::string& value) : json_(jsonQuote(value)) {}
  Param(std::nullptr_t) : json_("null") {}
  static Param null() { return Param(nullptr); }

  const std::string& json() const noexcept { return json_; }

 private:
  std::string json_;
};

// Value
//
// One column of a row as the host sent it: null, a boolean, an integer, another number or a
// string. integer() also accepts a string holding a whole number: a 1.0 host returned SQLite's
// computed columns (COUNT(*), a - b) as text (hosts since 1.1 return numbers).
class Value {
 public:
  enum class Kind { null, boolean, integer, number, string };

  Value(Kind kind, std::string text) : kind_(kind), text_(std::move(text)) {}

  Kind kind() const noexcept { return kind_; }
  bool isNull() const noexcept { return kind_ == Kind::null; }

  std::int64_t integer(std::string_view column) const {
    std::optional<std::int64_t> parsed =
        kind_ == Kind::integer || kind_ == Kind::string ? parse() : std::nullopt;
    if (!parsed)
      throw Error(OH_STATUS_TYPE_MISMATCH, std::string(column), "expected an integer column");
    return *parsed;
  }
  // The text of a string column; numbers and booleans as their JSON text.
  const std::string& string(std::string_view column) const {
    if (kind_ == Kind::null) throw Error(OH_STATUS_TYPE_MISMATCH, std::string(column), "is NULL");
    return text_;
  }
  bool boolean(std::string_view column) const {
    if (kind_ == Kind::boolean) return text_ == "true";
    return integer(column) != 0;  // SQLite and PostgreSQL smallint flags
  }

 private:
  std::optional<std::int64_t> parse() const {
    std::size_t i = text_.size() > 1 && text_[0] == '-' ? 1 : 0;
    if (i == text_.size() || text_.size() > 20) return std::nullopt;
    for (std::size_t j = i; j < text_.size(); ++j)
      if (text_[j] < '0' || text_[j] > '9') return std::nullopt;
    try {
      return std::stoll(text_);
    } catch (const std::exception&) {
      return std::nullopt;  // out of range
    }
  }

  Kind kind_;
  std::string text_;  // decoded string, or the JSON text of a number/boolean
};

// Row
//
// One result row: columns by name (as the statement names them; alias computed columns).
// Getters throw sdk::Error naming the column when it is missing or of another type;
// optional* return std::nullopt for NULL.
class Row {
 public:
  const Value& operator[](std::string_view column) const {
    for (const auto& entry : columns_)
      if (entry.first == column) return entry.second;
    throw Error(OH_STATUS_NOT_FOUND, std::string(column), "no such column in the result");
  }
  bool has(std::string_view column) const {
    for (const auto& entry : columns_)
      if (entry.first == column) return true;
    return false;
  }
  bool isNull(std::string_view column) const { return (*this)[column].isNull(); }
  std::int64_t integer(std::string_view column) const { return (*this)[column].integer(column); }
  std::string string(std::string_view column) const { return (*this)[column].string(column); }
  bool boolean(std::string_view column) const { return (*this)[column].boolean(column); }
  std::optional<std::int64_t> optionalInteger(std::string_view column) const {
    return isNull(column) ? std::nullopt : std::optional<std::int64_t>(integer(column));
  }
  std::optional<std::string> optionalString(std::string_view column) const {
    return isNull(column) ? std::nullopt : std::optional<std::string>(string(column));
  }

  void add(std::string column, Value value) {
    columns_.emplace_back(std::move(column), std::move(value));
  }
  const std::vector<std::pair<std::string, Value>>& columns() const noexcept { return columns_; }

 private:
  std::vector<std::pair<std::string, Value>> columns_;
};

namespace detail {

inline Value readValue(JsonScanner& scan) {
  if (scan.peek() == '"') return Value(Value::Kind::string, scan.string());
  std::string text(scan.literal());
  if (text == "null") return Value(Value::Kind::null, text);
  if (text == "true" || text == "false") return Value(Value::Kind::boolean, text);
  bool whole = text.find_first_of(".eE") == std::string::npos;
  return Value(whole ? Value::Kind::integer : Value::Kind::number, text);
}

// Parses the host's rows: [{"col": value, ...}, ...].
inline std::vector<Row> parseRows(std::string_view json) {
  std::vector<Row> rows;
  JsonScanner scan(json);
  scan.expect('[');
  if (scan.eat(']')) return rows;
  do {
    Row row;
    scan.expect('{');
    if (!scan.eat('}')) {
      do {
        std::string column = scan.string();
        scan.expect(':');
        row.add(std::move(column), readValue(scan));
      } while (scan.eat(','));
      scan.expect('}');
    }
    rows.push_back(std::move(row));
  } while (scan.eat(','));
  scan.expect(']');
  return rows;
}

}  // namespace detail

// Database
//
// Statements on one datasource during one step call. Throws DatabaseError when the host
// refuses or the database fails, and sdk::Error(OH_STATUS_UNAVAILABLE) at construction
// when the host offers no database extension.
class Database {
 public:
  // `datasource`: "" (the host's own database, in the step's transaction) or a configured name.
  explicit Database(const StepCall& call, std::string datasource = std::string())
      : ctx_(call.rawContext()), datasource_(std::move(datasource)) {
    ext_ = static_cast<const oh_db_ext*>(call.services().get_extension(OH_EXT_DB));
    if (ext_ == nullptr || !OH_HAS_FIELD(ext_, oh_db_ext, execute))
      throw Error(OH_STATUS_UNAVAILABLE, std::string(),
                  "the host offers no database (" OH_EXT_DB ")");
  }

  // Runs a statement that returns rows (SELECT) and returns them.
  std::vector<Row> query(std::string_view sql, std::initializer_list<Param> params = {}) const {
    return detail::parseRows(run(sql, params).first);
  }

  // Runs INSERT/UPDATE/DELETE (or DDL) and returns the rows it changed (-1 for DDL).
  std::int64_t execute(std::string_view sql, std::initializer_list<Param> params = {}) const {
    return run(sql, params).second;
  }

  // The same with parameters built at run time.
  std::vector<Row> query(std::string_view sql, const std::vector<Param>& params) const {
    return detail::parseRows(run(sql, params).first);
  }
  std::int64_t execute(std::string_view sql, const std::vector<Param>& params) const {
    return run(sql, params).second;
  }

 private:
  template <class Params>
  std::pair<std::string, std::int64_t> run(std::string_view sql, const Params& params) const {
    std::string json = "[";
    for (const Param& p : params) json.append(json.size() > 1 ? "," : "").append(p.json());
    json.push_back(']');
    oh_str rows{nullptr, 0};
    oh_str error{nullptr, 0};
    std::int64_t changed = -1;
    oh_status st = ext_->execute(ctx_, toOhStr(datasource_), toOhStr(sql), toOhStr(json), &rows,
                                 &changed, &error);
    if (st != OH_STATUS_OK) {
      std::string message(toView(error));
      throw DatabaseError(
          st, message.empty() ? std::string("statement failed: ") + statusName(st) : message);
    }
    return {std::string(toView(rows)), changed};
  }

  oh_context* ctx_;
  std::string datasource_;
  const oh_db_ext* ext_ = nullptr;
};

}  // namespace orderhost::sdk

#endif  // ORDERHOST_SDK_DB_HPP

// bare_odbc_writer — the baseline of scripts/bench.sh --http (docs/performance.md, "Orders per
// second over HTTP"): writes the rows one order needs, with nothing of the host around it.
//
// Each client thread opens its own ODBC connection (unixODBC directly, the driver and connection
// string the host uses), turns autocommit off once, prepares one INSERT per table once, and then
// loops until the time is up: one transaction per order = for every table its rows (bound
// parameters, SQLExecute), then SQLEndTran(COMMIT). No savepoints of its own, no re-prepare, no
// reads. What it does not do that the host does: the updates of hot rows (stock, invoice
// counter, credit lock), the reads, the JSON, HTTP and plugin calls — that difference is what
// the benchmark measures.
//
// usage: bare_odbc_writer --connection STR --rows SPEC [--clients N] [--seconds S] [--setup]
//   SPEC: table:rows:bytes[,table:rows:bytes...] — e.g. orders:1:1400,step_runs:10:180
//         ("rows" rows of "bytes" payload per order into table bare_<table>)
//   --setup  (re)creates the bare_<table> tables first, then measures
// prints: result measure=bare_writer clients=N orders=X per_s=Y p50_us=… p99_us=… errors=E
#include <sql.h>
#include <sqlext.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct TableSpec {
    std::string name;
    int rows = 0;
    int bytes = 0;
};

struct Options {
    std::string connection;
    std::vector<TableSpec> tables;
    int clients = 1;
    double seconds = 10;
    bool setup = false;
};

std::vector<TableSpec> parseRows(const std::string& spec) {
    std::vector<TableSpec> tables;
    std::size_t start = 0;
    while (start < spec.size()) {
        std::size_t end = spec.find(',', start);
        if (end == std::string::npos) end = spec.size();
        const std::string item = spec.substr(start, end - start);
        const std::size_t a = item.find(':'), b = item.rfind(':');
        if (a == std::string::npos || a == b)
            throw std::invalid_argument("--rows: \"" + item + "\" is not table:rows:bytes");
        TableSpec t{item.substr(0, a), std::atoi(item.substr(a + 1, b - a - 1).c_str()),
                    std::atoi(item.substr(b + 1).c_str())};
        if (t.name.empty() || t.rows < 1 || t.bytes < 0)
            throw std::invalid_argument("--rows: \"" + item + "\" needs a name, rows >= 1, bytes >= 0");
        tables.push_back(t);
        start = end + 1;
    }
    if (tables.empty()) throw std::invalid_argument("--rows: no table given");
    return tables;
}

Options parseOptions(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--connection")
            o.connection = value();
        else if (arg == "--rows")
            o.tables = parseRows(value());
        else if (arg == "--clients")
            o.clients = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--seconds")
            o.seconds = std::atof(value().c_str());
        else if (arg == "--setup")
            o.setup = true;
        else
            throw std::invalid_argument("unknown argument " + arg);
    }
    if (o.connection.empty() || o.tables.empty()) throw std::invalid_argument("--connection and --rows are required");
    return o;
}

// The driver's own words for a failed call, so that an error says what the database refused.
std::string diagnostics(SQLSMALLINT type, SQLHANDLE handle) {
    SQLCHAR state[6] = {0}, text[512] = {0};
    SQLINTEGER native = 0;
    SQLSMALLINT length = 0;
    if (SQL_SUCCEEDED(SQLGetDiagRec(type, handle, 1, state, &native, text, sizeof text, &length)))
        return std::string(reinterpret_cast<char*>(state)) + " " + reinterpret_cast<char*>(text);
    return "no diagnostics";
}

void check(SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle, const char* what) {
    if (!SQL_SUCCEEDED(rc)) throw std::runtime_error(std::string(what) + ": " + diagnostics(type, handle));
}

// One connection with autocommit off and one INSERT per table prepared on it.
class Writer {
public:
    Writer(SQLHENV env, const Options& options) : tables_(options.tables) {
        check(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc_), SQL_HANDLE_ENV, env, "SQLAllocHandle(DBC)");
        auto* text = reinterpret_cast<SQLCHAR*>(const_cast<char*>(options.connection.c_str()));
        check(SQLDriverConnect(dbc_, nullptr, text, SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT), SQL_HANDLE_DBC,
              dbc_, "connect");
        connected_ = true;
        check(SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT, reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_OFF), 0),
              SQL_HANDLE_DBC, dbc_, "autocommit off");
    }
    ~Writer() {
        for (SQLHSTMT s : statements_) SQLFreeHandle(SQL_HANDLE_STMT, s);
        if (connected_) {
            SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK);
            SQLDisconnect(dbc_);
        }
        SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    void execute(const std::string& sql) {
        SQLHSTMT s = nullptr;
        check(SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &s), SQL_HANDLE_DBC, dbc_, "SQLAllocHandle(STMT)");
        const SQLRETURN rc = SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
        const std::string error = SQL_SUCCEEDED(rc) ? "" : diagnostics(SQL_HANDLE_STMT, s);
        SQLFreeHandle(SQL_HANDLE_STMT, s);
        if (!error.empty()) throw std::runtime_error(sql + ": " + error);
    }
    void commit() { check(SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_COMMIT), SQL_HANDLE_DBC, dbc_, "commit"); }
    void rollback() { SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK); }

    // Prepared once; the bound buffers are members, so each order only fills them and executes.
    void prepare() {
        std::size_t longest = 0;
        for (const TableSpec& t : tables_) longest = std::max<std::size_t>(longest, t.bytes);
        payload_.assign(longest + 1, 'x');
        for (const TableSpec& t : tables_) {
            SQLHSTMT s = nullptr;
            check(SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &s), SQL_HANDLE_DBC, dbc_, "SQLAllocHandle(STMT)");
            statements_.push_back(s);
            const std::string sql = "INSERT INTO bare_" + t.name + " (order_key, seq, payload) VALUES (?, ?, ?)";
            check(SQLPrepare(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS), SQL_HANDLE_STMT,
                  s, "prepare");
            check(SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, sizeof key_ - 1, 0, key_,
                                   sizeof key_, &keyLength_),
                  SQL_HANDLE_STMT, s, "bind order_key");
            check(SQLBindParameter(s, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &seq_, 0, nullptr),
                  SQL_HANDLE_STMT, s, "bind seq");
            payloadLengths_.push_back(t.bytes);
        }
        // The payload parameter points into one buffer; its length is set per table before executing.
        for (std::size_t i = 0; i < statements_.size(); ++i)
            check(SQLBindParameter(statements_[i], 3, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_LONGVARCHAR, payload_.size(), 0,
                                   payload_.data(), payload_.size(), &payloadLength_),
                  SQL_HANDLE_STMT, statements_[i], "bind payload");
    }

    // One order: every table's rows, one commit.
    void writeOrder(const std::string& key) {
        std::snprintf(key_, sizeof key_, "%s", key.c_str());
        keyLength_ = SQL_NTS;
        for (std::size_t i = 0; i < statements_.size(); ++i) {
            payloadLength_ = payloadLengths_[i];
            for (seq_ = 0; seq_ < tables_[i].rows; ++seq_)
                check(SQLExecute(statements_[i]), SQL_HANDLE_STMT, statements_[i], tables_[i].name.c_str());
        }
        commit();
    }

private:
    std::vector<TableSpec> tables_;
    SQLHDBC dbc_ = nullptr;
    bool connected_ = false;
    std::vector<SQLHSTMT> statements_;
    std::vector<SQLLEN> payloadLengths_;
    std::string payload_;
    char key_[64] = {0};
    SQLLEN keyLength_ = SQL_NTS;
    SQLLEN payloadLength_ = 0;
    SQLINTEGER seq_ = 0;
};

void createTables(SQLHENV env, const Options& options) {
    Writer w(env, options);
    for (const TableSpec& t : options.tables) {
        w.execute("DROP TABLE IF EXISTS bare_" + t.name);
        w.execute("CREATE TABLE bare_" + t.name +
                  " (order_key VARCHAR(63) NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL,"
                  " PRIMARY KEY (order_key, seq))");
    }
    w.commit();
}

struct Totals {
    std::mutex mutex;
    std::vector<double> latenciesUs;
    long errors = 0;
    std::string firstError;
};

void client(SQLHENV env, const Options& options, int number, std::chrono::steady_clock::time_point deadline,
            Totals& totals) {
    std::vector<double> latencies;
    long errors = 0;
    std::string firstError;
    try {
        Writer w(env, options);
        w.prepare();
        const std::string prefix = std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + "-" +
                                   std::to_string(number) + "-";
        for (long i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
            const auto start = std::chrono::steady_clock::now();
            try {
                w.writeOrder(prefix + std::to_string(i));
                latencies.push_back(
                    std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
            } catch (const std::exception& e) {  // e.g. SQLite busy past its timeout: counted, not fatal
                w.rollback();
                if (errors++ == 0) firstError = e.what();
            }
        }
    } catch (const std::exception& e) {
        ++errors;
        firstError = e.what();
    }
    std::lock_guard<std::mutex> lock(totals.mutex);
    totals.latenciesUs.insert(totals.latenciesUs.end(), latencies.begin(), latencies.end());
    totals.errors += errors;
    if (totals.firstError.empty()) totals.firstError = firstError;
}

double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * sorted.size()))];
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options options = parseOptions(argc, argv);
        SQLHENV env = nullptr;
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env)))
            throw std::runtime_error("no ODBC environment");
        SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
        if (options.setup) createTables(env, options);

        Totals totals;
        const auto start = std::chrono::steady_clock::now();
        const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                          std::chrono::duration<double>(options.seconds));
        std::vector<std::thread> threads;
        for (int c = 0; c < options.clients; ++c)
            threads.emplace_back(client, env, std::cref(options), c, deadline, std::ref(totals));
        for (std::thread& t : threads) t.join();
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        SQLFreeHandle(SQL_HANDLE_ENV, env);

        std::sort(totals.latenciesUs.begin(), totals.latenciesUs.end());
        int rows = 0;
        for (const TableSpec& t : options.tables) rows += t.rows;
        std::printf(
            "result measure=bare_writer clients=%d orders=%zu per_s=%.1f p50_us=%.0f p99_us=%.0f "
            "rows_per_order=%d errors=%ld\n",
            options.clients, totals.latenciesUs.size(), totals.latenciesUs.size() / elapsed,
            percentile(totals.latenciesUs, 0.50), percentile(totals.latenciesUs, 0.99), rows, totals.errors);
        if (!totals.firstError.empty())
            std::fprintf(stderr, "bare_odbc_writer: first error: %s\n", totals.firstError.c_str());
        return totals.latenciesUs.empty() ? 1 : 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bare_odbc_writer: %s\n", e.what());
        return 2;
    }
}

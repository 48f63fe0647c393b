#include "host/services/StatementPolicy.h"

#include "host/services/SqlText.h"
#include "host/services/TextMemo.h"
#include "host/store/Migrations.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <vector>

namespace orderhost::services {
namespace {

using Kind = SqlToken::Kind;

// What tableAt returns for a table named by a string literal: SQLite takes DELETE FROM 'orders'
// as the table orders, and the tokenizer keeps no literal's text, so it cannot be told apart.
const std::string kLiteralTable = "'...'";

class Tokens {
public:
    explicit Tokens(std::vector<SqlToken> tokens) : tokens_(std::move(tokens)) {}
    std::size_t size() const { return tokens_.size(); }
    // The upper-cased word at `i`, or "" (past the end, or not a word).
    const std::string& word(std::size_t i) const {
        static const std::string none;
        return i < tokens_.size() && tokens_[i].kind == Kind::Word ? tokens_[i].text : none;
    }
    bool isSymbol(std::size_t i, char c) const {
        return i < tokens_.size() && tokens_[i].kind == Kind::Symbol && tokens_[i].text[0] == c;
    }
    bool isName(std::size_t i) const {
        return i < tokens_.size() && (tokens_[i].kind == Kind::Word || tokens_[i].kind == Kind::Identifier);
    }
    bool isLiteral(std::size_t i) const { return i < tokens_.size() && tokens_[i].kind == Kind::Literal; }
    // Skips the words of `optional` at `i` in order, each only if present.
    std::size_t skip(std::size_t i, std::initializer_list<const char*> optional) const {
        for (const char* w : optional) {
            if (word(i) == w) ++i;
        }
        return i;
    }
    // The table a (possibly schema-qualified) name at `i` refers to, lower-cased; "" if none.
    std::string tableAt(std::size_t i) const {
        if (!isName(i) && !isLiteral(i)) return {};
        while (isSymbol(i + 1, '.') && (isName(i + 2) || isLiteral(i + 2))) i += 2;
        if (isLiteral(i)) return kLiteralTable;
        std::string name = tokens_[i].text;
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return name;
    }

private:
    std::vector<SqlToken> tokens_;
};

std::string transactionControl(const Tokens& t) {
    static const std::set<std::string> alone = {"BEGIN", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"};
    const std::string &first = t.word(0), &second = t.word(1);
    if (alone.count(first)) return first;
    if (first == "START" && second == "TRANSACTION") return "START TRANSACTION";
    if (first == "SET" && second == "TRANSACTION") return "SET TRANSACTION";
    if (first == "SET" && second == "SESSION" && t.word(2) == "CHARACTERISTICS") return "SET SESSION CHARACTERISTICS";
    if (first == "PREPARE" && second == "TRANSACTION") return "PREPARE TRANSACTION";
    // Anywhere else ROLLBACK is a conflict clause (INSERT OR ROLLBACK, ON CONFLICT ROLLBACK) or
    // a trigger's RAISE(ROLLBACK, ...): either ends the step's transaction behind the host's back.
    for (std::size_t i = 1; i < t.size(); ++i) {
        if (t.word(i) == "ROLLBACK") return "ROLLBACK inside the statement";
    }
    return {};
}

struct WriteTarget {
    std::string kind;   // INSERT, UPDATE, DROP TABLE, ...
    std::string table;  // lower-cased
};

// The tables the statement writes or redefines, wherever the verb appears.
std::vector<WriteTarget> writeTargets(const Tokens& t) {
    std::vector<WriteTarget> targets;
    auto add = [&](const std::string& kind, std::size_t at) {
        if (std::string table = t.tableAt(at); !table.empty()) targets.push_back({kind, table});
    };
    auto addList = [&](const std::string& kind, std::size_t at) {  // DROP TABLE a, b / TRUNCATE a, b
        for (;;) {
            add(kind, at);
            while (t.isName(at) || t.isSymbol(at, '.')) ++at;
            if (!t.isSymbol(at, ',')) return;
            at = t.skip(at + 1, {"ONLY"});
        }
    };
    for (std::size_t i = 0; i < t.size(); ++i) {
        const std::string& w = t.word(i);
        const std::string& before = i > 0 ? t.word(i - 1) : t.word(t.size());
        if (w == "INSERT" || (w == "REPLACE" && t.word(i + 1) == "INTO")) {
            std::size_t at = i + 1;
            if (t.word(at) == "OR") at += 2;  // INSERT OR REPLACE / OR IGNORE ...
            if (t.word(at) == "INTO") add(w, at + 1);
        } else if (w == "UPDATE" && before != "FOR" && before != "DO" && before != "ON" && before != "KEY") {
            std::size_t at = i + 1;
            if (t.word(at) == "OR") at += 2;
            add(w, t.skip(at, {"ONLY"}));
        } else if (w == "DELETE" && before != "ON" && t.word(i + 1) == "FROM") {
            add(w, t.skip(i + 2, {"ONLY"}));
        } else if (w == "MERGE" && t.word(i + 1) == "INTO") {
            add(w, t.skip(i + 2, {"ONLY"}));
        } else if (w == "TRUNCATE") {
            addList(w, t.skip(i + 1, {"TABLE", "ONLY"}));
        } else if (w == "LOCK" && before != "FOR") {
            add(w, t.skip(i + 1, {"TABLE", "ONLY"}));
        } else if ((w == "DROP" || w == "ALTER") && t.word(i + 1) == "TABLE") {
            addList(w + " TABLE", t.skip(i + 2, {"IF", "EXISTS", "ONLY"}));
        } else if (w == "RENAME" && t.word(i + 1) == "TO") {
            add("RENAME TO", i + 2);  // ALTER TABLE|VIEW mine RENAME TO <a host table's name>
        } else if (w == "CREATE") {
            // CREATE [TEMP] TABLE|VIEW name (a temporary one would hide the host's table from
            // the host's own unqualified queries on that pooled connection), or
            // CREATE INDEX / TRIGGER / RULE ... ON table.
            for (std::size_t k = i + 1; k < t.size() && !t.isSymbol(k, '('); ++k) {
                if (t.word(k) == "TABLE") {
                    add("CREATE TABLE", t.skip(k + 1, {"IF", "NOT", "EXISTS"}));
                    break;
                }
                if (t.word(k) == "VIEW") {
                    add("CREATE VIEW", t.skip(k + 1, {"IF", "NOT", "EXISTS"}));
                    break;
                }
                if (t.word(k) == "ON") {
                    add("CREATE ... ON", t.skip(k + 1, {"ONLY"}));
                    break;
                }
                if (t.word(k) == "AS") break;
            }
        }
    }
    return targets;
}

// SQLite's own tables (sqlite_sequence numbers the host's AUTOINCREMENT ids) count as the host's.
bool isHostTable(const std::string& table) {
    if (table.rfind("sqlite_", 0) == 0) return true;
    const auto& names = store::hostTableNames();
    return std::find(names.begin(), names.end(), table) != names.end();
}

bool hasSecondStatement(const Tokens& t) {
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t.isSymbol(i, ';') && i + 1 < t.size()) return true;
    }
    return false;
}

std::string refusalOf(std::string_view sql, bool hostDatabase) {
    const Tokens t(tokenize(sql));
    if (const std::string kind = transactionControl(t); !kind.empty()) {
        return "transaction control (" + kind +
               ") is refused: on the host's database every statement runs inside "
               "the step's transaction, which the host commits or rolls back with the step's checkpoint; on a "
               "datasource every statement commits by itself";
    }
    const std::string& first = t.word(0);
    if (first == "PRAGMA" || first == "ATTACH" || first == "DETACH" || first == "VACUUM") {
        return first +
               " is refused: it changes the connection or the database file that the host shares with "
               "every step";
    }
    // PostgreSQL session state outlives the step on the pooled connection: the host's prepared
    // statements (DEALLOCATE ALL, DISCARD ALL would drop them), its search_path and timeouts.
    // SET LOCAL ends with the step's transaction and stays allowed.
    if (first == "DEALLOCATE" || first == "DISCARD" || first == "PREPARE" || first == "RESET" ||
        (first == "SET" && t.word(1) != "LOCAL")) {
        return first +
               " is refused: it changes the session the host shares with every step (use SET LOCAL for "
               "a setting of this step's transaction)";
    }
    if (hasSecondStatement(t)) return "one statement per call: the text holds more than one (';' followed by more)";
    if (!hostDatabase) return {};
    for (const WriteTarget& target : writeTargets(t)) {
        if (target.table == kLiteralTable) {
            return target.kind +
                   " on a table named by a string literal is refused on the host's database (it "
                   "could name one of the host's tables): write the name unquoted or in double quotes";
        }
        if (!isHostTable(target.table)) continue;
        return target.kind + " on the host's own table '" + target.table +
               "' is refused: the host's tables belong "
               "to the host (a plugin keeps its data in its own tables, created by its migrations)";
    }
    return {};
}

}  // namespace

std::string statementRefusal(std::string_view sql, bool hostDatabase) {
    static thread_local TextMemo<std::string> onHost, onDatasource;
    return (hostDatabase ? onHost : onDatasource).get(sql, [&] { return refusalOf(sql, hostDatabase); });
}

}  // namespace orderhost::services

#include "host/services/SqlText.h"

#include <gtest/gtest.h>

namespace orderhost::services {
namespace {

using Offsets = std::vector<std::size_t>;
using Statements = std::vector<std::string>;

TEST(SqlTextTest, PlaceholdersInsideQuotesAndCommentsDoNotCount) {
    EXPECT_EQ(placeholderOffsets("SELECT '?', \"a?\", ? -- ?\n FROM t WHERE x = ? /* ? */"), (Offsets{18, 43}));
    EXPECT_EQ(placeholderOffsets("SELECT 'it''s ?' , ?"), (Offsets{19}));
}

TEST(SqlTextTest, FirstKeywordSkipsCommentsAndIgnoresCase) {
    EXPECT_EQ(firstKeyword("  /* why */ -- note\n update t set a = 1"), "UPDATE");
    EXPECT_EQ(firstKeyword("(SELECT 1)"), "");
    EXPECT_EQ(firstKeyword(""), "");
}

TEST(SqlTextTest, SplitsAScriptOnSemicolonsOutsideQuotes) {
    EXPECT_EQ(splitStatements("CREATE TABLE a (x VARCHAR(3) DEFAULT ';');\n"
                              "-- second\nINSERT INTO a VALUES ('x;y'); -- trailing"),
              (Statements{"CREATE TABLE a (x VARCHAR(3) DEFAULT ';')", "-- second\nINSERT INTO a VALUES ('x;y')"}));
    EXPECT_TRUE(splitStatements(" ; ;\n").empty());
}

// readsOnly decides whether a failure after the statement may roll back to the savepoint set
// before it: a "true" for a statement that writes or locks would lose that write or lock.
TEST(SqlTextTest, OnlyPlainSelectsOfBuiltInFunctionsReadOnly) {
    EXPECT_TRUE(readsOnly("select a, COUNT(*) FROM t WHERE x IN (?, ?) AND y = (SELECT MAX(z) FROM u)"));
    EXPECT_TRUE(readsOnly("SELECT COALESCE(SUM(q), 0) FROM t JOIN u ON (t.id = u.id) -- for update"));
    EXPECT_TRUE(readsOnly("SELECT 'nextval(x)' AS text_not_a_call"));
    EXPECT_TRUE(readsOnly("SELECT a FROM t WHERE b <= ? AND c <> 'x+++y' AND d != -1 /* a +++ b */"));
    EXPECT_FALSE(readsOnly("SELECT q FROM t WHERE id = ? FOR UPDATE"));
    EXPECT_FALSE(readsOnly("SELECT q FROM t FOR SHARE"));
    EXPECT_FALSE(readsOnly("SELECT nextval('s')"));
    EXPECT_FALSE(readsOnly("SELECT my_function(?)"));
    EXPECT_FALSE(readsOnly("SELECT \"MyFunction\"(1)"));
    EXPECT_FALSE(readsOnly("SELECT * FROM reserve_stock(?)"));
    EXPECT_FALSE(readsOnly("SELECT pg_advisory_xact_lock(1)"));
    EXPECT_FALSE(readsOnly("SELECT a INTO new_table FROM t"));
    EXPECT_FALSE(readsOnly("SELECT ARRAY[pg_advisory_xact_lock(7)]"));
    EXPECT_FALSE(readsOnly("SELECT a[writer()] FROM t"));
    EXPECT_FALSE(readsOnly("SELECT myschema.lower(x) FROM t"));
    EXPECT_FALSE(readsOnly("SELECT 1 +++ 2"));
    EXPECT_FALSE(readsOnly("SELECT x::regclass FROM t"));
    EXPECT_FALSE(readsOnly("SELECT q FROM t FOR NO KEY UPDATE"));
    EXPECT_FALSE(readsOnly("SELECT q FROM t FOR KEY SHARE"));
    EXPECT_FALSE(readsOnly("WITH x AS (DELETE FROM t RETURNING a) SELECT a FROM x"));
    EXPECT_FALSE(readsOnly("UPDATE t SET a = 1"));
    EXPECT_FALSE(readsOnly(""));
}

// "W:" a word, "I:" a quoted identifier, "L" a literal, "S:" a symbol.
std::string kinds(std::string_view sql) {
    std::string out;
    for (const SqlToken& t : tokenize(sql)) {
        if (!out.empty()) out += ' ';
        switch (t.kind) {
            case SqlToken::Kind::Word:
                out += "W:" + t.text;
                break;
            case SqlToken::Kind::Identifier:
                out += "I:" + t.text;
                break;
            case SqlToken::Kind::Literal:
                out += "L";
                break;
            case SqlToken::Kind::Symbol:
                out += "S:" + t.text;
                break;
        }
    }
    return out;
}

TEST(SqlTextTest, TokenizeUpperCasesWordsAndKeepsQuotedIdentifiers) {
    EXPECT_EQ(kinds("insert into \"Or\"\"ders\" (a) values (?, 1.5e3)"),
              "W:INSERT W:INTO I:Or\"ders S:( W:A S:) W:VALUES S:( S:? S:, L S:)");
    EXPECT_EQ(kinds("DELETE FROM `orders`; DELETE FROM [step runs]"),
              "W:DELETE W:FROM I:orders S:; W:DELETE W:FROM I:step runs");
    EXPECT_EQ(kinds("SELECT main.orders.id"), "W:SELECT W:MAIN S:. W:ORDERS S:. W:ID");
}

// What a wrapper may add text after: no final ';', comment or blank (a "-- x" would swallow it).
TEST(SqlTextTest, AStatementsBodyEndsAtItsLastTokenBeforeAFinalSemicolon) {
    EXPECT_EQ(statementBody("UPDATE t SET n = 1 ; -- done\n"), "UPDATE t SET n = 1");
    EXPECT_EQ(statementBody("DELETE FROM t RETURNING * -- all; of them"), "DELETE FROM t RETURNING *");
    EXPECT_EQ(statementBody("UPDATE t SET s = ';' /* ; */"), "UPDATE t SET s = ';'");
    EXPECT_EQ(statementBody("UPDATE \"a;b\" SET x = $$;$$"), "UPDATE \"a;b\" SET x = $$;$$");
    EXPECT_EQ(statementBody("  -- nothing\n"), "");
}

TEST(SqlTextTest, TokenizeSkipsCommentsAndLiteralsOfBothBackends) {
    EXPECT_EQ(kinds("SELECT 'it''s; COMMIT' -- COMMIT\n, x /* a /* nested */ COMMIT */"), "W:SELECT L S:, W:X");
    EXPECT_EQ(kinds("SELECT E'a\\' COMMIT', $$ COMMIT $$, $f$ x $$ y $f$ FROM t"), "W:SELECT L S:, L S:, L W:FROM W:T");
    EXPECT_EQ(kinds("SELECT $1, a$b"), "W:SELECT S:$ L S:, W:A$B");
    EXPECT_EQ(kinds("SELECT 'unterminated COMMIT"), "W:SELECT L");
    EXPECT_EQ(kinds("SELECT \"open"), "W:SELECT I:open");
}

}  // namespace
}  // namespace orderhost::services

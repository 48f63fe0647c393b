// Dialect's connection defaults and what they mean for a statement that fails in a transaction.
#include "host/store/Dialect.h"

#include <gtest/gtest.h>

namespace orderhost::store {
namespace {

TEST(DialectTest, PostgreSQLGetsTheRollbackLevelThatLeavesFailedStatementsToTheHost) {
    ConnectionString cs("Driver={PostgreSQL Unicode};Server=db;");
    Dialect::applyDefaults(Backend::PostgreSQL, cs);
    EXPECT_EQ(cs.get("Protocol"), "7.4-0");
    EXPECT_EQ(Dialect::statementUndo(Backend::PostgreSQL, cs), StatementUndo::Host);
}

TEST(DialectTest, TheAdministratorsRollbackLevelIsKeptAndRead) {
    for (const auto& [protocol, undo] : {std::pair<std::string, StatementUndo>{"7.4-2", StatementUndo::Driver},
                                         {"7.4", StatementUndo::Driver},
                                         {"7.4-1", StatementUndo::Nothing},
                                         {"7.4-0", StatementUndo::Host},
                                         {"7.4-9", StatementUndo::Nothing}}) {
        ConnectionString cs("Driver={PostgreSQL Unicode};protocol=" + protocol + ";");
        Dialect::applyDefaults(Backend::PostgreSQL, cs);
        EXPECT_EQ(cs.get("Protocol"), protocol);
        EXPECT_EQ(cs.str().find("7.4"), cs.str().rfind("7.4")) << "a second Protocol was added: " << cs.str();
        EXPECT_EQ(Dialect::statementUndo(Backend::PostgreSQL, cs), undo) << protocol;
    }
}

TEST(DialectTest, SqliteUndoesAFailedStatementItselfAndGetsNoPsqlodbcOption) {
    ConnectionString cs("Driver=SQLite3;Database=x.db;");
    Dialect::applyDefaults(Backend::SQLite, cs);
    EXPECT_FALSE(cs.get("Protocol").has_value());
    EXPECT_EQ(Dialect::statementUndo(Backend::SQLite, cs), StatementUndo::Database);
}

}  // namespace
}  // namespace orderhost::store

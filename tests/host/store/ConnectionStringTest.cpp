#include "host/store/ConnectionString.h"

#include <gtest/gtest.h>

namespace orderhost::store {
namespace {

TEST(ConnectionStringTest, ParsesKeysCaseInsensitivelyAndUnbraces) {
    ConnectionString cs("Driver={PostgreSQL Unicode}; Server=db;pwd={a;b=c};");
    EXPECT_EQ(cs.get("driver"), "PostgreSQL Unicode");
    EXPECT_EQ(cs.get("SERVER"), "db");
    EXPECT_EQ(cs.get("Pwd"), "a;b=c");
    EXPECT_FALSE(cs.get("Database"));
    // An empty segment, as "…;" + ";Key=Value" makes, names nothing and hides nothing.
    ConnectionString doubled("Driver=SQLite3;;UseServerSidePrepare=0; ;Database=x");
    EXPECT_EQ(doubled.get("UseServerSidePrepare"), "0");
    EXPECT_EQ(doubled.get("Database"), "x");
}

TEST(ConnectionStringTest, MasksPasswordsWhateverTheirSpelling) {
    ConnectionString cs("Driver=X;Uid=u;Pwd={se;cret};PASSWORD=other;");
    const std::string masked = cs.masked();
    EXPECT_EQ(masked.find("se;cret"), std::string::npos);
    EXPECT_EQ(masked.find("other"), std::string::npos);
    EXPECT_NE(masked.find("Uid=u;"), std::string::npos);
    EXPECT_EQ(cs.str(), "Driver=X;Uid=u;Pwd={se;cret};PASSWORD=other;");
}

// "}}" inside braces is a literal '}' (ODBC), so "{a}}" never closes; found by
// tests/fuzz/fuzz_connection_string once the parser learnt the escape.
TEST(ConnectionStringTest, ABraceThatNeverClosesIsNamedAndWhatItSwallowedIsMasked) {
    const ConnectionString closed("Database={a}}b};Pwd=p;");
    EXPECT_EQ(closed.misbracedKey(), "");
    EXPECT_EQ(closed.get("Database"), "a}}b");
    const ConnectionString open("Driver=X;Database={a}};Pwd=secret;");
    EXPECT_EQ(open.misbracedKey(), "Database");
    EXPECT_FALSE(open.get("Pwd"));
    EXPECT_EQ(open.masked(), "Driver=X;Database=***;");
    EXPECT_EQ(ConnectionString("Database={x;Pwd=secret").masked(), "Database=***;");
}

// A '}' missing before "Pwd=" and found further on: the brace closes, but the value swallowed
// the password entry, which masked() showed as part of the driver's name (found by review).
TEST(ConnectionStringTest, ABracedValueThatSwallowedAPasswordIsMisbracedAndMasked) {
    const ConnectionString late("Driver={PostgreSQL Unicode;Server=db;Uid=u;Pwd=hunter2;Database={orders};");
    EXPECT_EQ(late.misbracedKey(), "Driver");
    EXPECT_EQ(late.masked().find("hunter2"), std::string::npos) << late.masked();
    EXPECT_NE(late.misbracedProblem().find("'Driver'"), std::string::npos);
    const ConnectionString spaced("Database={orders; password = x ;Driver={PostgreSQL Unicode};");
    EXPECT_EQ(spaced.misbracedKey(), "Database");
    // Every misbraced value is masked, not only the first (found by fuzz_connection_string).
    const ConnectionString twice("A={x;Pwd=1};B={y;Pwd=secret");
    EXPECT_EQ(twice.masked(), "A=***;B=***;");
    // A password may hold ";pwd=" itself, and a braced value a ';' without one.
    EXPECT_EQ(ConnectionString("Pwd={a;pwd=b};Database={/data/a;b.db};").misbracedKey(), "");
}

TEST(ConnectionStringTest, ScrubRemovesSecretsEchoedInText) {
    ConnectionString cs("Driver=X;Pwd=hunter2;");
    EXPECT_EQ(cs.scrub("login with hunter2 failed (hunter2)"), "login with *** failed (***)");
}

// Found by tests/fuzz/fuzz_connection_string: every secret was searched again in the text the
// previous ones had already masked, so each "Pwd=*" tripled the stars (twenty entries hung).
TEST(ConnectionStringTest, ScrubMasksEachEchoOnceWhateverThePassword) {
    const ConnectionString stars("Pwd=*;PWD=*;password={*};");
    EXPECT_EQ(stars.scrub("bad password a*b"), "bad password a***b");
    const ConnectionString overlapping("Pwd={se;cr}et};Password=se;");
    EXPECT_EQ(overlapping.scrub("x {se;cr}et} y se;cr z"), "x *** y ***;cr z");
}

TEST(ConnectionStringTest, DefaultsNeverOverrideTheOperator) {
    ConnectionString cs("Driver=SQLite3;syncpragma=NORMAL;");
    cs.setDefault("SyncPragma", "FULL");
    cs.setDefault("Timeout", "10000");
    EXPECT_EQ(cs.get("SyncPragma"), "NORMAL");
    EXPECT_EQ(cs.get("Timeout"), "10000");
}

}  // namespace
}  // namespace orderhost::store

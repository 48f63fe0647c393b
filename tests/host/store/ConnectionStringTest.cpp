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
}

TEST(ConnectionStringTest, MasksPasswordsWhateverTheirSpelling) {
    ConnectionString cs("Driver=X;Uid=u;Pwd={se;cret};PASSWORD=other;");
    const std::string masked = cs.masked();
    EXPECT_EQ(masked.find("se;cret"), std::string::npos);
    EXPECT_EQ(masked.find("other"), std::string::npos);
    EXPECT_NE(masked.find("Uid=u;"), std::string::npos);
    EXPECT_EQ(cs.str(), "Driver=X;Uid=u;Pwd={se;cret};PASSWORD=other;");
}

TEST(ConnectionStringTest, ScrubRemovesSecretsEchoedInText) {
    ConnectionString cs("Driver=X;Pwd=hunter2;");
    EXPECT_EQ(cs.scrub("login with hunter2 failed (hunter2)"), "login with *** failed (***)");
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

#include "host/services/SqlText.h"

#include <gtest/gtest.h>

namespace orderhost::services {
namespace {

using Offsets = std::vector<std::size_t>;
using Statements = std::vector<std::string>;

TEST(SqlTextTest, PlaceholdersInsideQuotesAndCommentsDoNotCount) {
    EXPECT_EQ(placeholderOffsets("SELECT '?', \"a?\", ? -- ?\n FROM t WHERE x = ? /* ? */"),
              (Offsets{18, 43}));
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

}  // namespace
}  // namespace orderhost::services

#include "host/chains/ChainDefinition.h"

#include <gtest/gtest.h>

namespace orderhost::chains {
namespace {

TEST(ChainDefinition, LocationsPrintFileLineColumn) {
    EXPECT_EQ((SourceLocation{"chains/a.yaml", 12, 5}).toString(), "chains/a.yaml:12:5");
    EXPECT_EQ((SourceLocation{"chains/a.yaml", 0, 0}).toString(), "chains/a.yaml");
    EXPECT_EQ((ChainError{{"a.yaml", 3, 1}, "bad"}).toString(), "a.yaml:3:1: bad");
}

TEST(ChainDefinition, Defaults) {
    const StepDefinition step;
    EXPECT_EQ(step.attempts, 1);
    EXPECT_EQ(ChainDefinition().version, 0);
}

}  // namespace
}  // namespace orderhost::chains

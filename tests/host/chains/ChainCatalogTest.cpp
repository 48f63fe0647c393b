#include "host/chains/ChainCatalog.h"

#include <gtest/gtest.h>

namespace orderhost::chains {
namespace {

ChainDefinition chain(const std::string& name, int version, const std::string& file = "f.yaml") {
    ChainDefinition definition;
    definition.name = name;
    definition.version = version;
    definition.location = {file, 1, 1};
    return definition;
}

TEST(ChainCatalog, LatestAndPinnedVersions) {
    ChainCatalog catalog;
    EXPECT_FALSE(catalog.add(chain("place-order", 2)));
    EXPECT_FALSE(catalog.add(chain("place-order", 10)));
    EXPECT_FALSE(catalog.add(chain("place-order", 1)));
    EXPECT_FALSE(catalog.add(chain("cancel-order", 1)));
    EXPECT_EQ(catalog.latest("place-order")->version, 10);  // numeric, not text, order
    EXPECT_EQ(catalog.find("place-order", 2)->version, 2);
    EXPECT_EQ(catalog.find("place-order", 3), nullptr);
    EXPECT_EQ(catalog.latest("unknown"), nullptr);
    EXPECT_EQ(catalog.find("unknown", 1), nullptr);
    EXPECT_EQ(catalog.names(), (std::vector<std::string>{"cancel-order", "place-order"}));
    EXPECT_EQ(catalog.versions("place-order"), (std::vector<int>{1, 2, 10}));
    EXPECT_EQ(catalog.size(), 4u);
}

TEST(ChainCatalog, DuplicateVersionIsRefusedAndNamesBothFiles) {
    ChainCatalog catalog;
    EXPECT_FALSE(catalog.add(chain("c", 1, "a.yaml")));
    const auto error = catalog.add(chain("c", 1, "b.yaml"));
    ASSERT_TRUE(error);
    EXPECT_EQ(error->toString(), "b.yaml:1:1: chain \"c\" version 1 is already defined in a.yaml:1:1");
    EXPECT_EQ(catalog.latest("c")->location.file, "a.yaml");
}

}  // namespace
}  // namespace orderhost::chains

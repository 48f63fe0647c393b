#include "host/chains/ChainDirectoryLoader.h"

#include <gtest/gtest.h>

namespace orderhost::chains {
namespace {

const std::string kChainDirs = ORDERHOST_CHAINS_TEST_DATA;

TEST(ChainDirectoryLoader, LoadsYamlAndYmlFilesInNameOrder) {
    const ChainDirectoryResult loaded = loadChainDirectory(kChainDirs + "/valid");
    EXPECT_TRUE(loaded.ok()) << loaded.errors.at(0).toString();
    ASSERT_EQ(loaded.chains.size(), 3u);  // README.txt is ignored
    EXPECT_EQ(loaded.chains[0].name, "cancel-order");
    EXPECT_EQ(loaded.chains[1].name, "place-order");
    EXPECT_EQ(loaded.chains[1].version, 2);  // place-order-v2.yml sorts before place-order.yaml
    EXPECT_EQ(loaded.chains[2].version, 1);
}

TEST(ChainDirectoryLoader, AggregatesErrorsOfAllFiles) {
    const std::string dir = kChainDirs + "/mixed";
    const ChainDirectoryResult loaded = loadChainDirectory(dir);
    ASSERT_EQ(loaded.chains.size(), 1u);
    EXPECT_EQ(loaded.chains[0].location.file, dir + "/a-cancel.yaml");
    std::vector<std::string> errors;
    for (const ChainError& e : loaded.errors) errors.push_back(e.toString());
    EXPECT_EQ(errors, (std::vector<std::string>{
                          dir + "/b-cancel-again.yaml:1:1: chain \"cancel-order\" version 1 is already defined in " +
                              dir + "/a-cancel.yaml:1:1",
                          dir + "/c-broken.yaml:1:7: \"name\" must be 1 to 64 of lowercase letters, digits and '-', "
                                "got \"Broken_Name\"",
                          dir + "/c-broken.yaml:2:10: \"version\" must be between 1 and 2147483647, got 0",
                          dir + "/c-broken.yaml:4:8: \"steps\" is empty: a chain needs at least one step",
                          dir + "/d-syntax.yml:3:1: YAML syntax error: end of sequence flow not found",
                      }));
}

TEST(ChainDirectoryLoader, MissingFolderIsOneError) {
    const ChainDirectoryResult loaded = loadChainDirectory(kChainDirs + "/nope");
    ASSERT_EQ(loaded.errors.size(), 1u);
    EXPECT_NE(loaded.errors[0].message.find("cannot list the chain folder"), std::string::npos);
}

}  // namespace
}  // namespace orderhost::chains

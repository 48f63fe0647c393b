// `orderhost plugin new`: the names a plugin id becomes, the refusals, and the project written
// from the source templates (the end-to-end build of a scaffold against the installed SDK is
// the ctest sdk.scaffold.*).
#include "host/app/PluginScaffold.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace orderhost::app {
namespace {
namespace fs = std::filesystem;

std::string readFile(const fs::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(PluginScaffold, DerivesEveryNameFromAPluginId) {
    std::string error;
    const auto names = pluginNamesFor("com.acme.fraud-check2", error);
    ASSERT_TRUE(names) << error;
    EXPECT_EQ(names->id, "com.acme.fraud-check2");
    EXPECT_EQ(names->shortName, "fraud-check2");
    EXPECT_EQ(names->snakeName, "fraud_check2");
    EXPECT_EQ(names->camelName, "FraudCheck2");
    EXPECT_EQ(names->tablePrefix, "acme_fraud_check2_");
}

TEST(PluginScaffold, GivesAShortNameTheExampleVendor) {
    std::string error;
    const auto names = pluginNamesFor("minimum-order", error);
    ASSERT_TRUE(names) << error;
    EXPECT_EQ(names->id, "com.example.minimum-order");
    EXPECT_EQ(names->tablePrefix, "example_minimum_order_");
}

TEST(PluginScaffold, RefusesBadNamesSayingWhy) {
    for (const char* bad : {"", "Fraud", "fraud_check", "fraud--check", "-fraud", "fraud-", "2fast", "com..x",
                            "com.acme.", "acme.fraud", "com.acme.Fraud", "a b"}) {
        std::string error;
        EXPECT_FALSE(pluginNamesFor(bad, error)) << bad;
        EXPECT_NE(error.find(std::string("'") + bad + "'"), std::string::npos) << error;
    }
}

TEST(PluginScaffold, FindsTheSourceTemplatesInABuildTree) {
    EXPECT_EQ(fs::path(findPluginTemplate("cxx")).filename(), "template");
    EXPECT_EQ(fs::path(findPluginTemplate("c")).filename(), "template-c");
}

TEST(PluginScaffold, WritesTheTemplateWithEveryNameReplaced) {
    const fs::path dir = fs::temp_directory_path() / ("orderhost-scaffold-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    std::string error;
    writePluginProject(findPluginTemplate("c"), dir.string(), *pluginNamesFor("com.acme.fraud-check", error));
    const std::string source = readFile(dir / "src/fraud_check_step.c");
    EXPECT_NE(source.find("OH_STR(\"com.acme.fraud-check\")"), std::string::npos);
    EXPECT_NE(source.find("OH_STR(\"fraud-check\")"), std::string::npos);
    EXPECT_NE(source.find("fraud_check_run"), std::string::npos);
    EXPECT_NE(source.find("acme_fraud_check_"), std::string::npos);
    EXPECT_EQ(source.find("tagging"), std::string::npos);
    const std::string cmake = readFile(dir / "CMakeLists.txt");
    EXPECT_NE(cmake.find("orderhost_add_plugin(fraud-check LANGUAGE C SOURCES src/fraud_check_step.c)"),
              std::string::npos)
        << cmake;
    EXPECT_TRUE(fs::exists(dir / "tests/fraud_check_step_test.c"));
    fs::remove_all(dir);
}

}  // namespace
}  // namespace orderhost::app

// Reading a plugin's exported symbols from its ELF file, against real built libraries: GNU
// unique symbols refuse the library (in the loader, the probe and inspect alike), extra
// exports are reported, and a malformed file is an error rather than a crash.
#include "host/plugins/PluginLibrary.h"
#include "host/plugins/PluginRegistry.h"
#include "host/plugins/PluginSymbols.h"
#include "host/services/HostServices.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace orderhost::plugins {
namespace {
namespace fs = std::filesystem;

fs::path fixturePath(const std::string& name) { return fs::path(ORDERHOST_TEST_PLUGIN_DIR) / (name + ".so"); }

constexpr const char* kUniqueName = "fixture_header_state::entry_calls (_ZN20fixture_header_state11entry_callsE)";

TEST(PluginSymbolsTest, FindsTheGnuUniqueSymbolOfAnInlineVariable) {
    const ExportedSymbols symbols = readExportedSymbols(fixturePath("gnu_unique"));
    EXPECT_EQ(symbols.error, "");
    EXPECT_EQ(symbols.gnuUnique, std::vector<std::string>{kUniqueName});
    EXPECT_NE(uniqueSymbolProblem(symbols).find(std::string("exports GNU unique symbol(s) ") + kUniqueName),
              std::string::npos);
}

TEST(PluginSymbolsTest, ReportsAnExtraExportedFunctionButNotTheEntryOrLinkerNoise) {
    const ExportedSymbols symbols = readExportedSymbols(fixturePath("extra_export"));
    EXPECT_EQ(symbols.error, "");
    EXPECT_TRUE(symbols.gnuUnique.empty());
    EXPECT_EQ(symbols.extra, std::vector<std::string>{"fixture_extra_export"});
    EXPECT_EQ(extraSymbolsWarning(symbols),
              "exports 1 symbol(s) besides orderhost_plugin_entry: fixture_extra_export; they can bind to the "
              "host's or another plugin's symbols of the same name (build it with orderhost_add_plugin: hidden "
              "visibility and a version script)");
}

TEST(PluginSymbolsTest, AHiddenVisibilityPluginExportsNothingElse) {
    const ExportedSymbols symbols = readExportedSymbols(fixturePath("good"));
    EXPECT_EQ(symbols.error, "");
    EXPECT_TRUE(symbols.gnuUnique.empty());
    EXPECT_TRUE(symbols.extra.empty()) << symbols.extra.front();
    EXPECT_EQ(extraSymbolsWarning(symbols), "");
}

TEST(PluginSymbolsTest, APlainBuiltSdkPluginHasNoGnuUniqueSymbol) {
    for (const char* name : {"plain_sdk_alpha", "plain_sdk_beta"}) {
        const ExportedSymbols symbols = readExportedSymbols(fixturePath(name));
        EXPECT_EQ(symbols.error, "") << name;
        EXPECT_TRUE(symbols.gnuUnique.empty()) << name << ": " << symbols.gnuUnique.front();
        EXPECT_FALSE(symbols.extra.empty()) << name << ": a plain build exports the SDK's inline functions";
    }
}

TEST(PluginSymbolsTest, ATruncatedLibraryIsAnErrorNotACrash) {
    std::ifstream in(fixturePath("good"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const fs::path cut = fs::temp_directory_path() / ("orderhost-cut-" + std::to_string(::getpid()) + ".so");
    for (const std::size_t size : {std::size_t(20), std::size_t(64), bytes.size() / 2}) {
        std::ofstream(cut, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(size));
        const ExportedSymbols symbols = readExportedSymbols(cut);
        EXPECT_NE(symbols.error, "") << size << " bytes";
        EXPECT_TRUE(symbols.gnuUnique.empty());
    }
    fs::remove(cut);
}

TEST(PluginSymbolsTest, TheLoaderRefusesAGnuUniqueLibraryBeforeOpeningIt) {
    try {
        loadPluginInProcess(fixturePath("gnu_unique"), services::hostInfo());
        FAIL() << "loaded a library exporting a GNU unique symbol";
    } catch (const PluginRefused& refused) {
        EXPECT_EQ(refused.file(), fixturePath("gnu_unique").string());
        EXPECT_NE(refused.reason().find(std::string("exports GNU unique symbol(s) ") + kUniqueName), std::string::npos)
            << refused.reason();
    }
}

TEST(PluginSymbolsTest, TheRegistryRefusesAGnuUniqueLibraryWithAndWithoutTheProbe) {
    for (const bool probe : {true, false}) {
        RegistryOptions options;
        options.probeFirst = probe;
        PluginRegistry registry(services::hostInfo(), options);
        EXPECT_EQ(registry.loadFile(fixturePath("gnu_unique")), nullptr);
        ASSERT_EQ(registry.refusals().size(), 1u);
        EXPECT_EQ(registry.refusals()[0].file, fixturePath("gnu_unique").string());
        EXPECT_NE(registry.refusals()[0].reason.find("GNU unique"), std::string::npos) << registry.refusals()[0].reason;
    }
}

TEST(PluginSymbolsTest, AnExtraExportIsLoadedAnyway) {
    PluginRegistry registry(services::hostInfo(), {});
    const LoadedPlugin* plugin = registry.loadFile(fixturePath("extra_export"));
    ASSERT_NE(plugin, nullptr) << registry.refusals().front().reason;
    EXPECT_EQ(plugin->manifest.id, "test.extra");
}

}  // namespace
}  // namespace orderhost::plugins

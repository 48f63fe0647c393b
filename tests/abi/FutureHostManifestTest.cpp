// The manifest reader as a LATER host will compile it: host/plugins/PluginManifest.cpp built
// against the "future minor" header (tests/abi/future: oh_plugin_info and oh_step_kind larger
// than in 1.0). A 1.0 plugin's structs are then smaller than sizeof() of the host's: they must
// still be read (DESIGN.md, ABI rule 10), and only a struct below its 1.0 size refused.
#include "host/plugins/PluginManifest.h"

#include <gtest/gtest.h>

namespace orderhost::plugins {
namespace {

oh_status create(const oh_create_args*, void**) { return OH_STATUS_OK; }
oh_status run(void*, const oh_step_call*) { return OH_STATUS_OK; }
void destroy(void*) {}

struct OldPlugin {
    oh_step_kind kind{};
    const oh_step_kind* kinds[1] = {&kind};
    oh_plugin_info info{};

    OldPlugin() {
        kind.struct_size = OH_SIZE_1_0_STEP_KIND;
        kind.name = OH_STR("old");
        kind.create = create;
        kind.run = run;
        kind.destroy = destroy;
        info.struct_size = OH_SIZE_1_0_PLUGIN_INFO;
        info.abi_major = 1;
        info.abi_minor = 0;
        info.id = OH_STR("test.old");
        info.step_kind_count = 1;
        info.step_kinds = kinds;
    }
};

TEST(FutureHostManifest, TheHeaderReallyIsLargerThan10) {
    static_assert(OH_ABI_MINOR == 3, "built against tests/abi/future");
    EXPECT_GT(sizeof(oh_plugin_info), OH_SIZE_1_0_PLUGIN_INFO);
    EXPECT_GT(sizeof(oh_step_kind), OH_SIZE_1_0_STEP_KIND);
}

TEST(FutureHostManifest, A10PluginsSmallerStructsAreRead) {
    OldPlugin old;
    PluginManifest manifest;
    EXPECT_EQ(readManifest(&old.info, manifest), "");
    EXPECT_EQ(manifest.id, "test.old");
    ASSERT_EQ(manifest.stepKinds.size(), 1u);
    EXPECT_EQ(manifest.stepKinds[0].name, "old");
}

TEST(FutureHostManifest, StructsBelowTheir10SizeAreRefusedNamingTheField) {
    OldPlugin old;
    old.kind.struct_size = OH_SIZE_1_0_STEP_KIND - 8;
    PluginManifest manifest;
    EXPECT_EQ(readManifest(&old.info, manifest),
              "step_kinds[0].struct_size is 96 bytes; ABI 1.0 requires at least 104");
    old.info.struct_size = 16;
    EXPECT_EQ(readManifest(&old.info, manifest),
              "oh_plugin_info.struct_size is 16 bytes; ABI 1.0 requires at least 96");
}

}  // namespace
}  // namespace orderhost::plugins

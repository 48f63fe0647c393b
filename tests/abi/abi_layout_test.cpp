// The same ABI v1 table as abi_layout_test.c, checked by the C++ compiler at compile time
// (a C++ plugin must see exactly what a C host sees), plus C++-side use of the macros.
#include "abi_layout.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <type_traits>

#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
#define STATIC_CHECK_OFFSET(type, field, offset) \
    static_assert(offsetof(type, field) == (offset), "offset of " #type "." #field " changed");
#define STATIC_CHECK_SIZE(type, size) static_assert(sizeof(type) == (size), "size of " #type " changed");
OH_ABI_OFFSETS(STATIC_CHECK_OFFSET)
OH_ABI_SIZES(STATIC_CHECK_SIZE)
#define STATIC_CHECK_SIZE_1_0(macro, size) static_assert((macro) == (size), #macro " changed");
OH_ABI_SIZES_1_0(STATIC_CHECK_SIZE_1_0)
#endif
#define STATIC_CHECK_CONSTANT(name, value) static_assert((name) == (value), #name " was renumbered");
OH_ABI_CONSTANTS(STATIC_CHECK_CONSTANT)

namespace {

// Structs crossing the boundary must be plain C data in C++ too (memcpy-able, no vtables).
template <class T>
constexpr bool isPlainC = std::is_standard_layout_v<T>&& std::is_trivially_copyable_v<T>;
static_assert(isPlainC<oh_str> && isPlainC<oh_outcome> && isPlainC<oh_host_services> && isPlainC<oh_host_info> &&
              isPlainC<oh_step_call> && isPlainC<oh_create_args> && isPlainC<oh_step_kind> && isPlainC<oh_plugin_info>);

TEST(AbiCxx, HasFieldFollowsStructSize) {
    oh_host_info info{};
    info.struct_size = static_cast<uint32_t>(offsetof(oh_host_info, services));
    EXPECT_FALSE(OH_HAS_FIELD(&info, oh_host_info, services));
    EXPECT_TRUE(OH_HAS_FIELD(&info, oh_host_info, host_version));
    info.struct_size = sizeof info;
    EXPECT_TRUE(OH_HAS_FIELD(&info, oh_host_info, services));
}

TEST(AbiCxx, StrMacroWorksInCxxInitialisers) {
    oh_str s = OH_STR("credit");
    EXPECT_EQ(s.len, 6u);
    EXPECT_EQ(std::memcmp(s.ptr, "credit", 6), 0);
}

TEST(AbiCxx, EntryHasCLinkageType) {
    oh_plugin_entry_fn fn = &orderhost_plugin_entry;  // declared by the header, defined below
    EXPECT_EQ(fn(nullptr), nullptr);
}

}  // namespace

// A C++ definition through the header's macro must get the C name the host looks up.
OH_PLUGIN_ENTRY { return host == nullptr ? nullptr : nullptr; }

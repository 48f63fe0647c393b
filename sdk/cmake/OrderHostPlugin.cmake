# OrderHostPlugin.cmake — orderhost_add_plugin(), the one way to build an orderhost plugin, and
# orderhost_add_plugin_test(), its unit test on the SDK test kit.
#
# Used in-tree by plugins/ and installed with the SDK (find_package(OrderHostSDK) includes it),
# so reference plugins and integrators' plugins are built exactly the same way.
#
#   orderhost_add_plugin(<target> [LANGUAGE C|CXX] SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
#
# Makes a MODULE library <target>.so (no "lib" prefix) that exports only
# orderhost_plugin_entry: hidden visibility by default plus a linker version script. CXX
# plugins (the default) link OrderHost::sdk; C plugins link OrderHost::plugin_api only. The
# output directory defaults to ${ORDERHOST_PLUGIN_OUTPUT_DIR} when that variable is set.
include_guard(GLOBAL)

# Resolved now (inside the function CMAKE_CURRENT_LIST_DIR names the caller's directory), and
# global because this file may be included in a directory scope other than the callers'.
set_property(GLOBAL PROPERTY ORDERHOST_PLUGIN_VERSION_SCRIPT
             "${CMAKE_CURRENT_LIST_DIR}/orderhost_plugin.map")

function(orderhost_add_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "LANGUAGE;OUTPUT_DIRECTORY" "SOURCES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "orderhost_add_plugin(${target}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "orderhost_add_plugin(${target}): SOURCES is required")
  endif()
  if(NOT ARG_LANGUAGE)
    set(ARG_LANGUAGE CXX)
  endif()
  if(NOT ARG_LANGUAGE MATCHES "^(C|CXX)$")
    message(FATAL_ERROR "orderhost_add_plugin(${target}): LANGUAGE must be C or CXX, not ${ARG_LANGUAGE}")
  endif()
  get_property(_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT ARG_LANGUAGE IN_LIST _languages)
    message(FATAL_ERROR "orderhost_add_plugin(${target}): enable ${ARG_LANGUAGE} in project()")
  endif()

  get_property(_version_script GLOBAL PROPERTY ORDERHOST_PLUGIN_VERSION_SCRIPT)
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINKER_LANGUAGE ${ARG_LANGUAGE}
    LINK_DEPENDS "${_version_script}")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${_version_script}")
  if(ARG_LANGUAGE STREQUAL "C")
    target_link_libraries(${target} PRIVATE OrderHost::plugin_api)
  else()
    target_link_libraries(${target} PRIVATE OrderHost::sdk)
  endif()

  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED ORDERHOST_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ORDERHOST_PLUGIN_OUTPUT_DIR}")
  endif()
endfunction()

#   orderhost_add_plugin_test(<target> PLUGIN <plugin-target> SOURCES <src>... [LIBRARIES <lib>...])
#
# Builds a test executable for a plugin: linked with OrderHost::testkit (the fake host of
# orderhost/testkit.h and testkit.hpp) and LIBRARIES (e.g. GTest::gtest_main), compiled with
# ORDERHOST_PLUGIN_PATH defined as the plugin's built .so (a string literal), built after the
# plugin, and registered with ctest as <target>. Call enable_testing() first.
function(orderhost_add_plugin_test target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "PLUGIN" "SOURCES;LIBRARIES")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_PLUGIN OR NOT ARG_SOURCES)
    message(FATAL_ERROR "usage: orderhost_add_plugin_test(${target} PLUGIN <plugin-target> SOURCES <src>... [LIBRARIES <lib>...])")
  endif()
  if(NOT TARGET ${ARG_PLUGIN})
    message(FATAL_ERROR "orderhost_add_plugin_test(${target}): ${ARG_PLUGIN} is not a target (call orderhost_add_plugin first)")
  endif()
  add_executable(${target} ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE OrderHost::testkit ${ARG_LIBRARIES})
  target_compile_definitions(${target} PRIVATE ORDERHOST_PLUGIN_PATH="$<TARGET_FILE:${ARG_PLUGIN}>")
  add_dependencies(${target} ${ARG_PLUGIN})
  add_test(NAME ${target} COMMAND ${target})
endfunction()

# orderhost_discover_tests(target [TEST_PREFIX p] [DISCOVERY_TIMEOUT s] [PROPERTIES k v ...]):
# gtest_discover_tests, but one ctest entry per test suite (and per backend of a parameterized
# suite) instead of one per case.
#
# Why: every ctest entry is a process of its own, and a process's start is most of a small
# case's cost — loading the binary (a sanitized one has 1.7 million relocations), the
# reference plugins a fixture loads, a host a suite starts in SetUpTestSuite. Measured in the
# ASan tree: document_tests' 74 cases take 0.36 s in one process and 6.7 s as 74; the plugin
# steps' 54 SQLite cases 18.6 s and 32.4 s (docs/performance.md "Build time").
#
# A suite's cases still run one by one in gtest's order, and a failure names its case in the
# output. Entries are named <prefix><Suite> or, for a case name ending in a parameter's name
# (Case/SQLite, Case/PostgreSQL), <prefix><Suite>/<parameter>, so the backends of one suite run
# in parallel and `ctest -R PostgreSQL` still selects them. A suite with any case not ending in
# a named parameter (Case/0, Case/1, a plain Case) stays in one entry, so that no case is in two
# entries or in none. Disabled cases are left out, as gtest leaves them out of a run. A case
# that skips (GTEST_SKIP) shows as skipped in the entry's output only: ctest's
# SKIP_REGULAR_EXPRESSION would also mark an entry skipped whose other cases failed. An
# entry's COST is its number of cases, so a clean clone (no timings yet) starts big ones first.
#
# Like CMake's POST_BUILD discovery, the listing is taken when the binary is linked:
# ORDERHOST_TEST_PG must be set then for the PostgreSQL cases to be listed.

if(CMAKE_SCRIPT_MODE_FILE)
  # ---- script mode: list the binary's cases and write the ctest file ---------------------
  execute_process(COMMAND "${TEST_EXECUTABLE}" --gtest_list_tests
    WORKING_DIRECTORY "${TEST_WORKING_DIR}" TIMEOUT ${DISCOVERY_TIMEOUT}
    OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "listing the cases of ${TEST_EXECUTABLE} failed (${result}):\n${listing}\n${errors}")
  endif()
  file(READ "${PROPERTIES_FILE}" properties)
  # Parameter printouts ("  # GetParam() = ...") may hold anything, brackets, ';' and '\'
  # included: drop them before the text becomes a CMake list (an unbalanced '[' would swallow
  # the rest of the list), and accept only lines shaped like gtest's names. Not handled: a
  # printout with a raw line break whose next line looks like "Name." (gtest escapes line
  # breaks in strings, and this project's PrintTo's write one line; --gtest_output=json would
  # be the cure).
  string(REGEX REPLACE "  # [^\n]*" "" listing "${listing}")
  string(REPLACE "\\" "" listing "${listing}")  # a line ending in '\' would escape the ';' below
  string(REPLACE ";" "" listing "${listing}")
  string(REPLACE "[" "" listing "${listing}")
  string(REPLACE "]" "" listing "${listing}")
  string(REPLACE "\n" ";" lines "${listing}")
  # Pass 1: every case, and each suite's cases, in gtest's order.
  set(suites "")
  set(suite "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^([A-Za-z_][A-Za-z0-9_/]*)\\.$")
      set(suite "${CMAKE_MATCH_1}")
      list(FIND suites "${suite}" at)
      if(at EQUAL -1)
        list(APPEND suites "${suite}")
        list(LENGTH suites at)
        math(EXPR at "${at} - 1")
        set(cases_${at} "")
      endif()
      set(current ${at})
    elseif(line MATCHES "^  ([A-Za-z_][A-Za-z0-9_/]*)$" AND NOT suite STREQUAL "")
      set(case "${CMAKE_MATCH_1}")  # before the next MATCHES resets it
      if(NOT suite MATCHES "(^|/)DISABLED_" AND NOT case MATCHES "^DISABLED_")
        list(APPEND cases_${current} "${case}")
      endif()
    endif()
  endforeach()
  # Pass 2: a suite whose every case ends in a named parameter (Case/SQLite) gets an entry per
  # parameter; any other suite one entry (so no case is in two entries, or in none).
  set(groups "")
  set(index 0)
  foreach(suite IN LISTS suites)
    set(named TRUE)
    foreach(case IN LISTS cases_${index})
      if(NOT case MATCHES "/[A-Za-z_][A-Za-z0-9_]*$")
        set(named FALSE)
      endif()
    endforeach()
    foreach(case IN LISTS cases_${index})
      set(key "${suite}")
      set(filter "${suite}.*")
      if(named AND case MATCHES "/([A-Za-z_][A-Za-z0-9_]*)$")
        set(key "${suite}/${CMAKE_MATCH_1}")
        set(filter "${suite}.*/${CMAKE_MATCH_1}")
      endif()
      list(FIND groups "${key}" id)
      if(id EQUAL -1)
        list(APPEND groups "${key}")
        list(LENGTH groups id)
        math(EXPR id "${id} - 1")
        set(count_${id} 0)
        set(filter_${id} "${filter}")
      endif()
      math(EXPR count_${id} "${count_${id}} + 1")
    endforeach()
    math(EXPR index "${index} + 1")
  endforeach()
  set(out "")
  set(id 0)
  foreach(key IN LISTS groups)
    set(name "${TEST_PREFIX}${key}")
    string(APPEND out "add_test([==[${name}]==] [==[${TEST_EXECUTABLE}]==] [==[--gtest_filter=${filter_${id}}]==])\n"
      "set_tests_properties([==[${name}]==] PROPERTIES WORKING_DIRECTORY [==[${TEST_WORKING_DIR}]==]"
      " COST ${count_${id}} ${properties})\n")
    math(EXPR id "${id} + 1")
  endforeach()
  file(WRITE "${CTEST_FILE}" "${out}")
  return()
endif()

# ---- configure mode ----------------------------------------------------------------------
set(_ORDERHOST_GTEST_SUITES_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")

function(orderhost_discover_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TEST_PREFIX;DISCOVERY_TIMEOUT" "PROPERTIES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "orderhost_discover_tests(${target}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_DISCOVERY_TIMEOUT)
    set(arg_DISCOVERY_TIMEOUT 30)
  endif()
  # The properties as set_tests_properties text, each value bracket-quoted (an ENVIRONMENT
  # value may hold ';' or spaces), written once here and pasted after each entry's own.
  set(properties "")
  list(LENGTH arg_PROPERTIES n)
  math(EXPR odd "${n} % 2")
  if(odd)
    message(FATAL_ERROR "orderhost_discover_tests(${target}): PROPERTIES needs name/value pairs")
  endif()
  set(i 0)
  while(i LESS n)
    math(EXPR j "${i} + 1")
    list(GET arg_PROPERTIES ${i} key)
    list(GET arg_PROPERTIES ${j} value)
    string(APPEND properties " ${key} [==[${value}]==]")
    math(EXPR i "${i} + 2")
  endwhile()
  set(base "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  file(WRITE "${base}_suite_properties.txt" "${properties}")
  # In the command, so that a change of the properties or of this script relinks the binary
  # and lists again (a POST_BUILD step runs only with the link).
  file(MD5 "${_ORDERHOST_GTEST_SUITES_SCRIPT}" script_hash)
  string(MD5 properties_hash "${properties}")
  add_custom_command(TARGET ${target} POST_BUILD
    BYPRODUCTS "${base}_suites_tests.cmake"
    COMMAND "${CMAKE_COMMAND}" -D "TEST_EXECUTABLE=$<TARGET_FILE:${target}>"
            -D "TEST_WORKING_DIR=${CMAKE_CURRENT_BINARY_DIR}" -D "TEST_PREFIX=${arg_TEST_PREFIX}"
            -D "DISCOVERY_TIMEOUT=${arg_DISCOVERY_TIMEOUT}" -D "PROPERTIES_FILE=${base}_suite_properties.txt"
            -D "CTEST_FILE=${base}_suites_tests.cmake" -D "INPUTS_HASH=${script_hash}${properties_hash}"
            -P "${_ORDERHOST_GTEST_SUITES_SCRIPT}"
    VERBATIM)
  file(WRITE "${base}_suites.cmake"
    "if(EXISTS \"${base}_suites_tests.cmake\")\n"
    "  include(\"${base}_suites_tests.cmake\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${base}_suites.cmake")
endfunction()

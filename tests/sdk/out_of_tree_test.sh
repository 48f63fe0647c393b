#!/bin/sh
# out_of_tree_test.sh — builds the installed SDK's projects the way an integrator would.
#
#   out_of_tree_test.sh install <build-dir> <cmake> <work-dir>
#       installs everything the build makes (host, SDK, reference plugins) into
#       <work-dir>/prefix, as `cmake --install` does for a user, and the SDK component alone
#       into <work-dir>/sdk-prefix.
#   out_of_tree_test.sh project <work-dir> <cmake> <ctest> <share-subdir> <name> [sanitize]
#       copies <sdk-prefix>/share/orderhost-sdk/<share-subdir> (a template or an example) to
#       <work-dir>/<name>, configures it with find_package(OrderHostSDK) from the SDK-only
#       prefix (so the SDK component is proven self-contained), builds it, checks that
#       the plugin exports only orderhost_plugin_entry and runs its test-kit test with ctest.
#   out_of_tree_test.sh scaffold <work-dir> <cmake> <ctest> <lang> [sanitize]
#       runs the INSTALLED `orderhost plugin new com.acme.fraud-check --lang <lang>`, then
#       builds the new folder and runs its test.
#   out_of_tree_test.sh pkgconfig <work-dir> [sanitize]
#       builds the installed examples without CMake, with pkg-config's flags from the SDK-only
#       prefix (relocated: PKG_CONFIG_PATH only): the C example and its test-kit test, which
#       it runs, and the C++ example's plugin; checks that each exports only the entry point.
#   out_of_tree_test.sh inspect <work-dir> <orderhost-binary>
#       runs `orderhost plugins inspect` on the C++ template's plugin (exit 77: host not built).
#
# "sanitize" (the ASan build) builds the projects with -fsanitize=address,undefined through
# CFLAGS/CXXFLAGS/LDFLAGS, because the installed test kit is instrumented too.
set -eu
here=$(cd "$(dirname "$0")" && pwd)

use_sanitizer_flags() {
  if [ "${1:-}" = "sanitize" ] || [ "${1:-}" = "ON" ]; then
    export CFLAGS="-fsanitize=address,undefined" CXXFLAGS="-fsanitize=address,undefined"
    export LDFLAGS="-fsanitize=address,undefined"
  fi
}

# Configures, builds and tests the project in $1 against the installed prefix $2.
build_and_test() {
  dir=$1 prefix=$2 cmake=$3 ctest=$4
  generator=""
  if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
  "$cmake" -S "$dir" -B "$dir/build" $generator -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix"
  "$cmake" --build "$dir/build" -j2
  plugin=$(find "$dir/build" -maxdepth 1 -name '*.so' -type f)
  [ -n "$plugin" ] || { echo "FAIL: $dir built no .so" >&2; exit 1; }
  sh "$here/check_exports.sh" $plugin
  "$ctest" --test-dir "$dir/build" --output-on-failure
  echo "$plugin" > "$dir/plugin-path"
}

install_all() {
  build_dir=$1 cmake=$2 work=$3
  rm -rf "$work"
  mkdir -p "$work"
  "$cmake" --install "$build_dir" --prefix "$work/prefix"
  "$cmake" --install "$build_dir" --prefix "$work/sdk-prefix" --component sdk
}

project() {
  work=$1 cmake=$2 ctest=$3 subdir=$4 name=$5
  use_sanitizer_flags "${6:-}"
  rm -rf "${work:?}/$name"
  cp -R "$work/sdk-prefix/share/orderhost-sdk/$subdir" "$work/$name"
  build_and_test "$work/$name" "$work/sdk-prefix" "$cmake" "$ctest"
}

scaffold() {
  work=$1 cmake=$2 ctest=$3 lang=$4
  use_sanitizer_flags "${5:-}"
  dir="$work/scaffold-$lang"
  rm -rf "$dir"
  # No source tree on the way: the installed binary must find the installed templates.
  env -u ORDERHOST_SDK_TEMPLATES "$work/prefix/bin/orderhost" plugin new com.acme.fraud-check --lang "$lang" --dir "$dir"
  grep -q '"com.acme.fraud-check"\|OH_STR("com.acme.fraud-check")' "$dir"/src/fraud_check_step.* ||
    { echo "FAIL: the plugin id was not renamed in $dir/src" >&2; exit 1; }
  build_and_test "$dir" "$work/prefix" "$cmake" "$ctest"
  case "$(cat "$dir/plugin-path")" in
    */fraud-check.so) echo "ok: built fraud-check.so" ;;
    *) echo "FAIL: expected fraud-check.so" >&2; exit 1 ;;
  esac
}

pkgconfig_build() {
  work=$1
  use_sanitizer_flags "${2:-}"
  dir="$work/pkgconfig"
  rm -rf "$dir"
  mkdir -p "$dir"
  sdk=$work/sdk-prefix
  PKG_CONFIG_PATH="$sdk/share/pkgconfig:$(find "$sdk/lib" -type d -name pkgconfig | tr '\n' :)"
  export PKG_CONFIG_PATH
  examples="$work/sdk-prefix/share/orderhost-sdk/examples"
  map=$(pkg-config --variable=plugin_map orderhost-plugin-api)
  [ -f "$map" ] || { echo "FAIL: plugin_map '$map' is not a file" >&2; exit 1; }
  # The C plugin, as a Makefile would build it.
  cc -std=c99 -Wall -Wextra -pedantic -Werror -fPIC -fvisibility=hidden ${CFLAGS:-} \
    $(pkg-config --cflags orderhost-plugin-api) -shared -Wl,--version-script="$map" ${LDFLAGS:-} \
    -o "$dir/minimum-order.so" "$examples/minimum-order-c/src/minimum_order_step.c"
  sh "$here/check_exports.sh" "$dir/minimum-order.so"
  # Its test, linked with the test kit and run against the plugin.
  cc -std=c99 -Wall -Wextra -Werror ${CFLAGS:-} $(pkg-config --cflags orderhost-testkit) \
    -DORDERHOST_PLUGIN_PATH="\"$dir/minimum-order.so\"" -o "$dir/minimum-order-test" \
    "$examples/minimum-order-c/tests/minimum_order_step_test.c" ${LDFLAGS:-} $(pkg-config --libs orderhost-testkit)
  LD_LIBRARY_PATH="$work/sdk-prefix/lib" "$dir/minimum-order-test"
  # The C++ plugin: the header-only SDK.
  c++ -std=c++17 -Wall -Wextra -Werror -fPIC -fvisibility=hidden -fvisibility-inlines-hidden ${CXXFLAGS:-} \
    $(pkg-config --cflags orderhost-sdk) -shared -Wl,--version-script="$(pkg-config --variable=plugin_map orderhost-sdk)" \
    ${LDFLAGS:-} -o "$dir/minimum-order-cxx.so" "$examples/minimum-order-cxx/src/minimum_order_step.cpp"
  sh "$here/check_exports.sh" "$dir/minimum-order-cxx.so"
  [ "$(pkg-config --modversion orderhost-sdk)" = "$(pkg-config --modversion orderhost-testkit)" ] ||
    { echo "FAIL: orderhost-sdk and orderhost-testkit disagree on the version" >&2; exit 1; }
  echo "ok: built and tested the examples with pkg-config $(pkg-config --modversion orderhost-sdk)"
}

inspect() {
  work=$1 host=$2
  if [ ! -x "$host" ]; then
    echo "skipped: $host is not built"
    exit 77
  fi
  plugin=$(cat "$work/template-cxx/plugin-path")
  output=$("$host" plugins inspect "$plugin")
  echo "$output"
  case "$output" in
    *"com.example.order-tagging"*) echo "ok: inspect shows com.example.order-tagging" ;;
    *) echo "FAIL: inspect output lacks com.example.order-tagging" >&2; exit 1 ;;
  esac
}

mode=$1
shift
case "$mode" in
  install) install_all "$@" ;;
  project) project "$@" ;;
  scaffold) scaffold "$@" ;;
  inspect) inspect "$@" ;;
  pkgconfig) pkgconfig_build "$@" ;;
  *) echo "usage: $0 install|project|scaffold|inspect|pkgconfig ..." >&2; exit 2 ;;
esac

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
  *) echo "usage: $0 install|project|scaffold|inspect ..." >&2; exit 2 ;;
esac

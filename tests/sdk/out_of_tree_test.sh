#!/bin/sh
# out_of_tree_test.sh — builds the SDK template the way an integrator would.
#
#   out_of_tree_test.sh build   <build-dir> <cmake> <work-dir>
#       installs the SDK from <build-dir> into <work-dir>/prefix, copies the installed
#       template, configures it with find_package(OrderHostSDK), builds it, and checks that
#       the plugin exports only orderhost_plugin_entry.
#   out_of_tree_test.sh inspect <work-dir> <orderhost-binary>
#       runs `orderhost plugins inspect` on that plugin (exit 77 = skipped: host not built).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
template_id="com.example.tagging"

build() {
  build_dir=$1 cmake=$2 work=$3
  rm -rf "$work"
  mkdir -p "$work"
  "$cmake" --install "$build_dir" --prefix "$work/prefix" --component sdk
  cp -R "$work/prefix/share/orderhost/sdk-template" "$work/plugin"
  generator=""
  if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
  "$cmake" -S "$work/plugin" -B "$work/build" $generator \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix"
  "$cmake" --build "$work/build" -j2
  plugin=$(find "$work/build" -name '*.so' -type f)
  [ -n "$plugin" ] || { echo "FAIL: the template built no .so" >&2; exit 1; }
  sh "$here/check_exports.sh" $plugin
  echo "$plugin" > "$work/plugin-path"
}

inspect() {
  work=$1 host=$2
  if [ ! -x "$host" ]; then
    echo "skipped: $host is not built"
    exit 77
  fi
  plugin=$(cat "$work/plugin-path")
  output=$("$host" plugins inspect "$plugin")
  echo "$output"
  case "$output" in
    *"$template_id"*) echo "ok: inspect shows $template_id" ;;
    *) echo "FAIL: inspect output lacks $template_id" >&2; exit 1 ;;
  esac
}

mode=$1
shift
case "$mode" in
  build) build "$@" ;;
  inspect) inspect "$@" ;;
  *) echo "usage: $0 build|inspect ..." >&2; exit 2 ;;
esac

#!/bin/sh
# tutorial_test.sh — runs docs/tutorial.md as written, so the tutorial cannot rot.
#
#   tutorial_test.sh <source-dir> <build-dir> <work-dir> [ON|OFF: sanitizer build]
#
# Extracts every ```sh tutorial block of docs/tutorial.md, in order, into one `sh -e` script
# and runs it in <work-dir> (emptied first), which holds a link `build` -> <build-dir>, the
# build whose `cmake --install` the tutorial starts with. The only changes: HOME is
# <work-dir>, and the line `export ORDERHOST_PORT=8080` gets a free loopback port (see the
# tutorial's "How this page is tested"). Then checks what the tutorial printed and that the
# files it wrote are the installed examples.
set -eu
src=$1 build=$2 work=$3 sanitize=${4:-OFF}

rm -rf "$work"
mkdir -p "$work"
ln -s "$build" "$work/build"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

awk '/^```sh tutorial$/ { on = 1; next } /^```/ { if (on) print ""; on = 0; next } on { print }' \
  "$src/docs/tutorial.md" > "$work/tutorial.sh"
grep -q '^export ORDERHOST_PORT=8080$' "$work/tutorial.sh" ||
  { echo "FAIL: the tutorial no longer has the line 'export ORDERHOST_PORT=8080'" >&2; exit 1; }
sed -i "s/^export ORDERHOST_PORT=8080\$/export ORDERHOST_PORT=$port/" "$work/tutorial.sh"

if [ "$sanitize" = ON ]; then
  # The installed test kit and host are instrumented: build the tutorial's projects alike.
  export CFLAGS="-fsanitize=address,undefined" CXXFLAGS="-fsanitize=address,undefined"
  export LDFLAGS="-fsanitize=address,undefined"
fi

stop_hosts() {
  pid_file="$work/acme-plugins/host/orderhost.pid"
  if [ -f "$pid_file" ]; then kill "$(cat "$pid_file")" 2>/dev/null || true; fi
}
trap stop_hosts EXIT

started=$(date +%s)
status=0
(cd "$work" && HOME="$work" timeout 280 sh -e "$work/tutorial.sh") > "$work/output.log" 2>&1 || status=$?
echo "tutorial ran in $(( $(date +%s) - started )) s (exit $status)"
if [ "$status" -ne 0 ]; then
  tail -n 60 "$work/output.log"
  echo "--- host log:"; tail -n 20 "$work/acme-plugins/host/orderhost.log" 2>/dev/null || true
  echo "FAIL: the tutorial's commands failed (full output: $work/output.log)" >&2
  exit 1
fi

expect() {
  grep -qF -- "$1" "$work/output.log" || { cat "$work/output.log"; echo "FAIL: the tutorial did not print $1" >&2; exit 1; }
}
expect '"state":"completed"'
expect '"minimum_order":{"minimum_minor":5000,"passed":true}'
expect '"state":"rejected"'
expect '"code":"below_minimum"'
expect '250|0'
expect '8999|1'
[ "$(grep -c '"code":"below_minimum"' "$work/output.log")" -ge 2 ] ||
  { echo "FAIL: the C version did not reject the small order" >&2; exit 1; }

examples="$work/orderhost/share/orderhost-sdk/examples"
diff -r -x build "$examples/minimum-order-cxx" "$work/acme-plugins/minimum-order"
diff -r -x build "$examples/minimum-order-c" "$work/acme-plugins/minimum-order-c"
echo "ok: the tutorial works as written, and its projects are the installed examples"

# shellcheck shell=bash
# Sourced by the package tests (deb_package_test.sh, deb_install_test.sh): their check helpers
# and the wait for a started host's /v1/health.

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# A TCP port nothing listens on now (the shipped config's 8080 may be taken on a shared machine).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_health PORT PID: the body of /v1/health once the host answers (up to 20 s), or "" when
# it does not or process PID ended first.
wait_health() {
  local body="" _
  for _ in $(seq 1 100); do
    body=$(curl -s --max-time 1 "http://127.0.0.1:$1/v1/health" || true)
    [ -n "$body" ] && break
    kill -0 "$2" 2>/dev/null || break
    sleep 0.2
  done
  echo "$body"
}

# healthy BODY PLUGINS: /v1/health says ok with the 6 shipped chains and PLUGINS plugins loaded.
healthy() {
  grep -q '"status":"ok"' <<<"$1" && grep -q '"chains":6' <<<"$1" && grep -q "\"plugins\":$2," <<<"$1"
}

# finish NAME: the test's verdict from the failures counted.
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  echo "$1: all checks passed"
}

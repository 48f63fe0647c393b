#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on loopback for the test suite (and benchmarks).
#
#   pg_env=$(scripts/pg-test-cluster.sh start) && eval "$pg_env"   # exports ORDERHOST_TEST_PG and ODBCSYSINI
#   scripts/pg-test-cluster.sh stop
#
# The cluster lives in $ORDERHOST_PG_DIR (default /tmp/orderhost-pg), listens on 127.0.0.1 at
# $ORDERHOST_PG_PORT (default 55432) and is owned by the `postgres` system user that Debian's
# package creates. fsync is off: tests need correctness, not durability of the test database
# (ORDERHOST_PG_FSYNC=on starts a new cluster with durable commits: scripts/bench.sh --http).
# ODBCSYSINI points at a copy of odbcinst.ini with CommLog=0, because Debian's default makes
# psqlODBC write a log file per process into /tmp.
set -euo pipefail

PG_DIR="${ORDERHOST_PG_DIR:-/tmp/orderhost-pg}"
PG_PORT="${ORDERHOST_PG_PORT:-55432}"
PG_FSYNC="${ORDERHOST_PG_FSYNC:-off}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
DB=orderhost_test

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}

# True while something listens on 127.0.0.1:$PG_PORT (a server that is still going away, or
# another run's cluster on the same port).
port_taken() {
  [ -n "$(ss -Hltn "sport = :$PG_PORT" 2>/dev/null)" ]
}

# Waits up to $1 seconds for the port to be free; false if it never was.
wait_for_port() {
  local tenths=$(( $1 * 10 ))
  while port_taken; do
    [ "$tenths" -gt 0 ] || return 1
    sleep 0.1
    tenths=$(( tenths - 1 ))
  done
}

# Starting right after a stop can fail with "could not bind 127.0.0.1:PORT: Address already in
# use" (the previous server, or another run, still holds the port): wait for the port, and try
# again a few times before giving up with the server's log.
run_server() {
  local attempt
  for attempt in 1 2 3 4 5; do
    wait_for_port "${ORDERHOST_PG_PORT_WAIT_S:-30}" || true
    if as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o \
      "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=$PG_FSYNC -c max_connections=200" start >/dev/null; then
      return 0
    fi
    echo "pg-test-cluster.sh: the server did not start on port $PG_PORT (attempt $attempt of 5)" >&2
    sleep 1
  done
  echo "pg-test-cluster.sh: giving up; the end of $PG_DIR/server.log:" >&2
  tail -n 5 "$PG_DIR/server.log" >&2 || true
  return 1
}

start() {
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    rm -rf "$PG_DIR"
    install -d -o postgres -g postgres "$PG_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
    run_server
    as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$DB"
  fi
  mkdir -p "$PG_DIR/odbc"
  sed 's/^CommLog=1/CommLog=0/' /etc/odbcinst.ini > "$PG_DIR/odbc/odbcinst.ini"
  chmod -R a+rX "$PG_DIR/odbc"
  echo "export ODBCSYSINI='$PG_DIR/odbc'"
  echo "export ORDERHOST_TEST_PG='Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$PG_PORT;Database=$DB;Uid=postgres;Pwd=;'"
}

stop() {
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  # An outage (scripts/chaos.py --outage-s): the server stops, its data stays; resume starts it again.
  pause) as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null ;;
  resume) run_server ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop|pause|resume" >&2; exit 64 ;;
esac

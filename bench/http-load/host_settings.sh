# Sourced by the HTTP benchmarks: the host's settings for them, as config/orderhost.properties
# ships them (HTTP threads, pool), with the placement chain and the plugins of BUILD.
#
#   host_settings PORT CONNECTION BUILD [EXTRA_LINES] > orderhost.properties
host_settings() {
  cat <<P
http.address = 127.0.0.1
http.port = $1
http.max_threads = 64
http.keep_alive_s = 5
database.connection = $2
database.pool_size = 16
plugins.folders = $3/plugins
chains.folder = $(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/placement
chains.default = place-order
log.level = warning
${4:-}
P
}

# A new empty database for one benchmark point; its connection string on stdout.
#   fresh_connection pg|sqlite NAME FOLDER   (pg: a database NAME on the test cluster, which
#   scripts/pg-test-cluster.sh started; sqlite: FOLDER/host.db)
fresh_connection() {
  if [ "$1" = pg ]; then
    local pg_bin
    pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    "$pg_bin/psql" -q -h 127.0.0.1 -p "${ORDERHOST_PG_PORT:-55432}" -U postgres -d postgres \
      -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >/dev/null 2>&1
    echo "${ORDERHOST_TEST_PG/Database=orderhost_test/Database=$2}"
  else
    rm -f "$3"/host.db*
    echo "Driver=SQLite3;Database=$3/host.db;JournalMode=WAL;SyncPragma=FULL;Timeout=10000;"
  fi
}

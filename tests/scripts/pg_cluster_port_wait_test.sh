#!/usr/bin/env bash
# scripts/pg-test-cluster.sh starting its server while the port is still held (a server that is
# going away, another run's cluster): it waits for the port and then starts, instead of
# failing with "could not bind 127.0.0.1:PORT: Address already in use". Needs root (the
# cluster runs as the postgres user). Usage: pg_cluster_port_wait_test.sh SOURCE_DIR
set -euo pipefail
source_dir="$1"
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root"; exit 77; fi

folder="$(mktemp -d /tmp/orderhost-pg-port-XXXXXX)"
chmod 755 "$folder"  # the postgres user creates the cluster inside
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export ORDERHOST_PG_DIR="$folder/pg" ORDERHOST_PG_PORT="$port"
cluster() { "$source_dir/scripts/pg-test-cluster.sh" "$@"; }
holder=""
cleanup() {
  if [ -n "$holder" ]; then kill "$holder" 2>/dev/null || true; fi
  cluster stop || true
  rm -rf "$folder"
}
trap cleanup EXIT

answers() {
  runuser -u postgres -- psql -h 127.0.0.1 -p "$port" -U postgres -d orderhost_test -tAc 'SELECT 1' 2>/dev/null | grep -qx 1
}

cluster start >/dev/null
answers || { echo "FAIL: the cluster did not start on port $port"; exit 1; }
cluster pause

# Something else listens on the port for 3 seconds, as a server still going away would.
# Under a parallel test run another process can take the freed port for a moment (an outgoing
# connection's local port is drawn from the same range): the holder tries for up to 3 s.
python3 -c "
import socket, sys, time
for _ in range(30):
    try:
        s = socket.socket()
        s.bind(('127.0.0.1', $port))
        break
    except OSError:
        s.close()
        time.sleep(0.1)
else:
    sys.exit(3)
s.listen()
time.sleep(3)
" &
holder=$!
for _ in $(seq 50); do [ -n "$(ss -Hltn "sport = :$port")" ] && break; sleep 0.1; done
if [ -z "$(ss -Hltn "sport = :$port")" ]; then
  if ! kill -0 "$holder" 2>/dev/null && ! wait "$holder"; then
    echo "skipped: another process held port $port for 3 s, so the scenario could not be set up"; exit 77
  fi
  echo "FAIL: the port holder did not start"; exit 1
fi

if ! cluster resume; then
  echo "FAIL: the server did not start while port $port was held for 3 s"
  exit 1
fi
answers || { echo "FAIL: the cluster does not answer on port $port after resume"; exit 1; }
echo "PASS: the server waited for port $port and started"

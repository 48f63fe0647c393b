#!/usr/bin/env bash
# Installs the Debian 12 packages orderhost needs to build, run and test. Idempotent: when
# every package is already installed it touches nothing (and needs no network).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl jq
  libpoco-dev libboost-dev unixodbc unixodbc-dev odbc-postgresql libsqliteodbc
  libspdlog-dev libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  postgresql abigail-tools python3
  # bench/http-load/spread_skus.py (scripts/bench.sh --http with BENCH_SKUS) edits a chain file
  python3-yaml
  # scripts/pg-test-cluster.sh waits for its port with ss
  iproute2
  # The SDK's plugin test kit: SQLite's C library and nlohmann/json (header-only); the
  # tutorial reads the host's SQLite database with the sqlite3 shell.
  libsqlite3-dev nlohmann-json3-dev sqlite3
  # orderhost.provisioning: random credentials and their Argon2id hashes (crypto_pwhash_str)
  libsodium-dev
  # OpenSSL headers (libpoco-dev pulls them in too): the webhook signature test checks the
  # host's HMAC (libsodium) against OpenSSL's.
  libssl-dev
  # libFuzzer targets (tests/fuzz, scripts/fuzz.sh)
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  # The one code style (.clang-format), checked by scripts/test.sh (scripts/format-check.sh)
  clang-format-14
  # Notification: mustache templates (header-only) for the plugin, and the SMTP listener the
  # tests and the Quick start run (scripts/simulators/smtp_sink.py); openssl makes the SMTP
  # sink's self-signed certificate in the STARTTLS tests (tests/support/SmtpSink.cpp).
  libkainjow-mustache-dev python3-aiosmtpd openssl
  # promtool validates GET /metrics in the tests (tests/e2e/OperationsEndpointsTest.cpp). Debian
  # ships it only inside the whole Prometheus server (~96 MB installed, a service that is not
  # started in containers); the tests run nothing but promtool from it.
  prometheus
  # AMQP publishing of outbox events (host/events/AmqpPublisher) with librabbitmq; the tests
  # start a private RabbitMQ node of their own (tests/host/events/RabbitMqBroker.cpp).
  librabbitmq-dev rabbitmq-server
  # The Debian package (scripts/package.sh, ctest -L package): cpack's DEB generator computes
  # Depends with dpkg-shlibdeps (dpkg-dev); the package test runs lintian on the .deb.
  dpkg-dev lintian
  # The web console's test (tests/console) drives Debian's headless Chromium with puppeteer-core
  # (tests/tools/package.json): a real browser, with its CSP and module loading.
  chromium
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

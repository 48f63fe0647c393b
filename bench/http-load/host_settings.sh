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

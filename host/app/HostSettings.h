// The host's configuration file (Poco properties format: `key = value`, `#` comments).
//
// Every key is known in advance; a misspelt key is an error naming file:line, because a
// silently ignored `http.prot = 9000` is worse than a refusal. Relative paths in the file are
// relative to the file's own folder, so a config folder can be moved as a whole.
#pragma once

#include "host/api/TlsContext.h"
#include "host/plugins/PluginPins.h"

#include <Poco/Util/AbstractConfiguration.h>

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace orderhost::app {

class SettingsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A named datasource plugins may query through the orderhost.db extension
// (`datasource.<name>.connection = ...`). "orderhost" names the host's own database.
struct DatasourceSettings {
    std::string connection;
    int poolSize = 4;
};

struct HostSettings {
    std::string httpAddress = "127.0.0.1";
    unsigned short httpPort = 8080;
    int httpMaxThreads = 64;
    int httpMaxQueued = 256;
    int httpKeepAliveSeconds = 5;
    int httpReadTimeoutSeconds = 10;      // longest wait for any one read
    int httpRequestTimeoutMs = 10000;     // whole request, head and body
    int httpMaxConnections = 1000;        // open client connections in all
    int httpMaxConnectionsPerClient = 0;  // per client address; 0: no cap
    int httpRetryAfterSeconds = 1;        // Retry-After of 503 and 429 refusals
    std::size_t httpMaxBodyBytes = 1024 * 1024;
    int httpIdempotencyTtlSeconds = 86400;  // how long an Idempotency-Key's reply is kept
    std::string apiToken;                   // api.token: one shared key with every role (prefer API keys)
    // api.require_keys: a key is needed even before the first one exists. Always so when the
    // host listens beyond loopback (and it refuses to start there without a key).
    bool apiRequireKeys = false;
    // api.tls.certificate / .private_key / .client_ca / .client_crl (paths relative to the config folder):
    // loaded and checked at start (api/TlsContext.h); null: the listener speaks plain HTTP.
    api::TlsFiles apiTlsFiles;
    std::shared_ptr<const api::TlsContext> apiTls;

    std::string databaseConnection;
    int databasePoolSize = 16;
    // At start, how long to wait for a database that cannot be reached yet (0: fail at once).
    int databaseConnectWaitSeconds = 60;

    std::vector<std::string> pluginFolders;
    std::set<std::string> pluginAllow;
    bool pluginProbe = true;
    // plugins.pins: the pin file (relative to the config folder), read at start; when set,
    // only files whose SHA-256 it lists load (host/plugins/PluginPins.h).
    std::string pluginPinsFile;
    std::shared_ptr<const plugins::PluginPins> pluginPins;
    // plugins.check_permissions: refuse files others than the host's user and root could change.
    bool pluginCheckPermissions = true;
    // plugins.isolate: ids of plugins run in worker processes; "*" isolates every plugin.
    std::set<std::string> pluginIsolate;
    bool pluginIsolateAll = false;
    int pluginIsolateWorkers = 1;  // worker processes per isolated plugin
    // A worker that fails to start is not started again before this, doubling per failure
    // in a row up to the max (plugins.isolate_restart_backoff_ms / _max_ms).
    int pluginRestartBackoffMs = 250;
    int pluginRestartBackoffMaxMs = 30000;

    std::string chainsFolder;
    std::string defaultChain = "place-order";
    int quoteValidForSeconds = 86400;  // how long an order may use a quote (quotes.valid_for_s)

    int retryPollMs = 250;
    // Who holds an order's lease while running it. Empty: "<hostname>:<http port>", which
    // stays the same across restarts, so a restarted host resumes its own orders at once.
    std::string hostId;
    int leaseMs = 30000;      // how long another host waits after a host stopped renewing
    int crashLimit = 3;       // plugin calls that died with the host before the order is held
    int stepsPerCommit = 16;  // steps without external effects committed together (1: each alone)
    int backgroundRuns = 4;   // threads for respond-async runs, and for resuming orders after a restart
    int stepWorkers = 64;     // threads plugin calls run on (engine.step_workers)
    // After SIGTERM, how long running plugin calls may take to return before the host stops
    // without them (their orders resume from their last checkpoint when their lease expires).
    int shutdownGraceMs = 5000;

    std::map<std::string, DatasourceSettings> datasources;  // by name, not including "orderhost"

    std::vector<std::string> webhookUrls;  // events.webhooks: where outbox events are POSTed
    int relayPollMs = 500;
    // events.webhook_secret: HMAC keys the relay signs each delivery with (several while one is
    // rotated); empty: deliveries are not signed.
    std::vector<std::string> webhookSecrets;
    std::string webhookCaFile;
    int webhookMaxAttempts = 0;
    std::string amqpUrl;                            // events.amqp_url: publish every event there too
    std::string amqpExchange = "orderhost.events";  // events.amqp_exchange
    std::string amqpCaFile;  // events.amqp_ca_file: CAs of an amqps:// broker; empty: the system's  //
                             // events.webhook_max_attempts: then a dead letter; 0: never  // events.webhook_ca_file:
                             // CAs for https:// webhooks; empty: the system's

    std::string logLevel = "info";
    std::string logFormat = "text";  // log.format: text | json
    // log.file: a rotating log file instead of stdout (required with --daemon, whose stdout is
    // /dev/null); rotated at log.max_size_mb, keeping log.max_files old files.
    std::string logFile;
    int logMaxSizeMb = 100;
    int logMaxFiles = 5;
    // After SIGTERM, how long stopping may take before the process exits anyway (a plugin call
    // that never returns would otherwise keep it alive).
    int shutdownTimeoutSeconds = 30;
};

// Checks `file` for unknown keys (SettingsError with file:line), then reads the settings from
// `config` (which may layer command-line overrides over the file). `tlsFiles`: load the TLS
// certificate and key (apiTls) — serve and `config show` do; other commands (keys, db migrate)
// check only that the settings pair up, so an admin who may not read the 0600 key can run them.
HostSettings readHostSettings(const std::string& file, const Poco::Util::AbstractConfiguration& config,
                              bool tlsFiles = true);

}  // namespace orderhost::app

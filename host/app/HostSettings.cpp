#include "host/app/HostSettings.h"

#include "host/app/ConfigLayers.h"
#include "host/store/ConnectionString.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <Poco/URI.h>

#include <filesystem>

namespace orderhost::app {
namespace {
namespace fs = std::filesystem;

std::string resolvePath(const std::string& base, const std::string& path) {
    if (path.empty() || fs::path(path).is_absolute()) return path;
    fs::path resolved = (fs::path(base) / path).lexically_normal();
    if (!resolved.has_filename()) resolved = resolved.parent_path();  // "dir/." → "dir"
    return resolved.string();
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    Poco::StringTokenizer tokens(text, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
    for (const auto& token : tokens) items.push_back(token);
    return items;
}

int intSetting(const Poco::Util::AbstractConfiguration& config, const std::string& key, int fallback, int min,
               int max) {
    int value = fallback;
    try {
        value = config.getInt(key, fallback);
    } catch (const Poco::Exception&) {
        throw SettingsError("setting " + key + " must be an integer, got '" + config.getString(key) + "'");
    }
    if (value < min || value > max) {
        throw SettingsError("setting " + key + " must be between " + std::to_string(min) + " and " +
                            std::to_string(max) + ", got " + std::to_string(value));
    }
    return value;
}

bool boolSetting(const Poco::Util::AbstractConfiguration& config, const std::string& key, bool fallback) {
    try {
        return config.getBool(key, fallback);
    } catch (const Poco::Exception&) {
        throw SettingsError("setting " + key + " must be true or false, got '" + config.getString(key) + "'");
    }
}

std::string logLevelSetting(const Poco::Util::AbstractConfiguration& config) {
    static const std::set<std::string> levels = {"trace", "debug", "info", "warning", "error", "critical", "off"};
    const std::string level = config.getString("log.level", "info");
    if (levels.count(level) == 0) {
        throw SettingsError(
            "setting log.level must be one of trace, debug, info, warning, error, critical, off; got '" + level + "'");
    }
    return level;
}

// `${config_dir}` in the connection string stands for the config file's folder.
std::string expandConfigDir(std::string text, const std::string& base) {
    const std::string token = "${config_dir}";
    for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + base.size())) {
        text.replace(at, token.size(), base);
    }
    return text;
}

// A misplaced brace makes ODBC read a password as part of another value (the file lock, the
// driver's errors and the logs would show it): refused with the setting's name, no value.
std::string connectionSetting(const Poco::Util::AbstractConfiguration& config, const std::string& key,
                              const std::string& base) {
    std::string connection = expandConfigDir(config.getString(key, ""), base);
    const std::string problem = store::ConnectionString(connection).misbracedProblem();
    if (!problem.empty()) throw SettingsError("setting " + key + ": " + problem);
    return connection;
}

// Refused here, at start, with the setting's name rather than when the relay first tries.
void checkWebhookUrl(const std::string& url) {
    try {
        const Poco::URI uri(url);
        if ((uri.getScheme() == "http" || uri.getScheme() == "https") && !uri.getHost().empty()) return;
    } catch (const Poco::Exception&) {
        // reported below
    }
    throw SettingsError("setting events.webhooks: '" + maskUrlCredentials(url.substr(0, 200)) +
                        "' is not an http:// or https://host[:port]/path URL");
}

// Both files or neither; the CA only with them. Loaded here, so `config show` checks them too.
void readTls(const Poco::Util::AbstractConfiguration& config, const std::string& base, HostSettings& s,
             bool loadFiles) {
    s.apiTlsFiles.certificate = resolvePath(base, config.getString("api.tls.certificate", ""));
    s.apiTlsFiles.privateKey = resolvePath(base, config.getString("api.tls.private_key", ""));
    s.apiTlsFiles.clientCa = resolvePath(base, config.getString("api.tls.client_ca", ""));
    s.apiTlsFiles.clientCrl = resolvePath(base, config.getString("api.tls.client_crl", ""));
    if (!s.apiTlsFiles.clientCrl.empty() && s.apiTlsFiles.clientCa.empty())
        throw SettingsError(
            "setting api.tls.client_crl needs api.tls.client_ca (it revokes client certificates "
            "those CAs signed)");
    const bool certificate = !s.apiTlsFiles.certificate.empty();
    const bool key = !s.apiTlsFiles.privateKey.empty();
    if (!certificate && !key && s.apiTlsFiles.clientCa.empty()) return;
    if (!certificate && !key)
        throw SettingsError(
            "setting api.tls.client_ca needs api.tls.certificate and api.tls.private_key (client "
            "certificates are asked for in the TLS handshake)");
    if (!key) throw SettingsError("setting api.tls.private_key is required with api.tls.certificate");
    if (!certificate) throw SettingsError("setting api.tls.certificate is required with api.tls.private_key");
    if (!loadFiles) return;
    try {
        s.apiTls = std::make_shared<const api::TlsContext>(s.apiTlsFiles);
    } catch (const api::TlsConfigError& e) {
        throw SettingsError(e.what());
    }
}

void readDatasources(const Poco::Util::AbstractConfiguration& config, const std::string& base, HostSettings& s) {
    Poco::Util::AbstractConfiguration::Keys names;
    config.keys("datasource", names);
    for (const auto& name : names) {
        if (!isDatasourceName(name)) continue;  // checkedKeys refused it in the file
        DatasourceSettings d;
        d.connection = connectionSetting(config, "datasource." + name + ".connection", base);
        if (d.connection.empty()) throw SettingsError("setting datasource." + name + ".connection is required");
        d.poolSize = intSetting(config, "datasource." + name + ".pool_size", d.poolSize, 1, 1024);
        s.datasources[name] = d;
    }
}

}  // namespace

HostSettings readHostSettings(const std::string& file, const Poco::Util::AbstractConfiguration& config, bool tlsFiles) {
    checkedKeys(file);
    const std::string base = fs::absolute(file).parent_path().string();
    HostSettings s;
    s.httpAddress = config.getString("http.address", s.httpAddress);
    s.httpPort = static_cast<unsigned short>(intSetting(config, "http.port", s.httpPort, 0, 65535));
    s.httpMaxThreads = intSetting(config, "http.max_threads", s.httpMaxThreads, 1, 4096);
    s.httpMaxQueued = intSetting(config, "http.max_queued", s.httpMaxQueued, 1, 100000);
    s.httpKeepAliveSeconds = intSetting(config, "http.keep_alive_s", s.httpKeepAliveSeconds, 0, 3600);
    s.httpReadTimeoutSeconds = intSetting(config, "http.read_timeout_s", s.httpReadTimeoutSeconds, 1, 3600);
    s.httpRequestTimeoutMs = intSetting(config, "http.request_timeout_ms", s.httpRequestTimeoutMs, 100, 3600000);
    s.httpMaxConnections = intSetting(config, "http.max_connections", s.httpMaxConnections, 1, 1000000);
    s.httpMaxConnectionsPerClient =
        intSetting(config, "http.max_connections_per_client", s.httpMaxConnectionsPerClient, 0, 1000000);
    s.httpRetryAfterSeconds = intSetting(config, "http.retry_after_s", s.httpRetryAfterSeconds, 1, 3600);
    s.httpMaxBodyBytes = static_cast<std::size_t>(
        intSetting(config, "http.max_body_bytes", static_cast<int>(s.httpMaxBodyBytes), 1024, 64 * 1024 * 1024));
    s.httpIdempotencyTtlSeconds =
        intSetting(config, "http.idempotency_ttl_s", s.httpIdempotencyTtlSeconds, 1, 30 * 86400);
    s.apiToken = config.getString("api.token", "");
    s.apiRequireKeys = boolSetting(config, "api.require_keys", false);
    readTls(config, base, s, tlsFiles);
    s.databaseConnection = connectionSetting(config, "database.connection", base);
    if (s.databaseConnection.empty()) throw SettingsError("setting database.connection is required in " + file);
    s.databasePoolSize = intSetting(config, "database.pool_size", s.databasePoolSize, 1, 1024);
    s.databaseConnectWaitSeconds =
        intSetting(config, "database.connect_wait_s", s.databaseConnectWaitSeconds, 0, 86400);
    for (const auto& folder : splitList(config.getString("plugins.folders", ""))) {
        s.pluginFolders.push_back(resolvePath(base, folder));
    }
    if (s.pluginFolders.empty()) throw SettingsError("setting plugins.folders is required in " + file);
    for (const auto& id : splitList(config.getString("plugins.allow", ""))) s.pluginAllow.insert(id);
    s.pluginProbe = boolSetting(config, "plugins.probe", true);
    s.pluginCheckPermissions = boolSetting(config, "plugins.check_permissions", true);
    s.pluginPinsFile = resolvePath(base, config.getString("plugins.pins", ""));
    if (!s.pluginPinsFile.empty()) {
        try {
            s.pluginPins = std::make_shared<const plugins::PluginPins>(plugins::PluginPins::readFile(s.pluginPinsFile));
        } catch (const plugins::PinFileError& e) {
            throw SettingsError(std::string("setting plugins.pins: ") + e.what());
        }
    }
    for (const auto& id : splitList(config.getString("plugins.isolate", ""))) {
        if (id == "*")
            s.pluginIsolateAll = true;
        else
            s.pluginIsolate.insert(id);
    }
    s.pluginIsolateWorkers = intSetting(config, "plugins.isolate_workers", s.pluginIsolateWorkers, 1, 64);
    s.pluginRestartBackoffMs =
        intSetting(config, "plugins.isolate_restart_backoff_ms", s.pluginRestartBackoffMs, 10, 600000);
    s.pluginRestartBackoffMaxMs =
        intSetting(config, "plugins.isolate_restart_backoff_max_ms", s.pluginRestartBackoffMaxMs, 10, 3600000);
    if (s.pluginRestartBackoffMaxMs < s.pluginRestartBackoffMs)
        throw SettingsError("setting plugins.isolate_restart_backoff_max_ms (" +
                            std::to_string(s.pluginRestartBackoffMaxMs) +
                            ") must not be below plugins.isolate_restart_backoff_ms (" +
                            std::to_string(s.pluginRestartBackoffMs) + ") in " + file);
    s.chainsFolder = resolvePath(base, config.getString("chains.folder", ""));
    if (s.chainsFolder.empty()) throw SettingsError("setting chains.folder is required in " + file);
    s.defaultChain = config.getString("chains.default", s.defaultChain);
    s.quoteValidForSeconds = intSetting(config, "quotes.valid_for_s", s.quoteValidForSeconds, 1, 90 * 86400);
    s.retryPollMs = intSetting(config, "engine.retry_poll_ms", s.retryPollMs, 10, 60000);
    s.hostId = config.getString("engine.host_id", "");
    if (s.hostId.size() > 64) throw SettingsError("setting engine.host_id must be at most 64 characters");
    s.leaseMs = intSetting(config, "engine.lease_ms", s.leaseMs, 200, 3600000);
    s.crashLimit = intSetting(config, "engine.crash_limit", s.crashLimit, 1, 100);
    s.stepsPerCommit = intSetting(config, "engine.steps_per_commit", s.stepsPerCommit, 1, 1000);
    s.backgroundRuns = intSetting(config, "engine.background_runs", s.backgroundRuns, 1, 256);
    s.stepWorkers = intSetting(config, "engine.step_workers", s.stepWorkers, 1, 4096);
    s.shutdownGraceMs = intSetting(config, "engine.shutdown_grace_ms", s.shutdownGraceMs, 0, 3600000);
    readDatasources(config, base, s);
    s.webhookUrls = splitList(config.getString("events.webhooks", ""));
    for (const auto& url : s.webhookUrls) checkWebhookUrl(url);
    s.relayPollMs = intSetting(config, "events.relay_poll_ms", s.relayPollMs, 10, 60000);
    s.webhookCaFile = resolvePath(base, config.getString("events.webhook_ca_file", ""));
    if (!s.webhookCaFile.empty() && !fs::is_regular_file(s.webhookCaFile))
        throw SettingsError("setting events.webhook_ca_file: " + s.webhookCaFile + " is not a readable file");
    s.webhookMaxAttempts = intSetting(config, "events.webhook_max_attempts", s.webhookMaxAttempts, 0, 1000);
    s.amqpUrl = config.getString("events.amqp_url", "");
    if (!s.amqpUrl.empty() && s.amqpUrl.rfind("amqp://", 0) != 0 && s.amqpUrl.rfind("amqps://", 0) != 0)
        throw SettingsError("setting events.amqp_url must be an amqp[s]://user:password@host:port/vhost URL");
    s.amqpCaFile = resolvePath(base, config.getString("events.amqp_ca_file", ""));
    if (!s.amqpCaFile.empty() && !fs::is_regular_file(s.amqpCaFile))
        throw SettingsError("setting events.amqp_ca_file: " + s.amqpCaFile + " is not a readable file");
    s.amqpExchange = config.getString("events.amqp_exchange", s.amqpExchange);
    if (s.amqpExchange.empty() || s.amqpExchange.size() > 255)
        throw SettingsError("setting events.amqp_exchange must be 1 to 255 characters");
    s.webhookSecrets = splitList(config.getString("events.webhook_secret", ""));
    for (const auto& secret : s.webhookSecrets)
        if (secret.size() < 16)  // a short key is guessable offline from one signed request
            throw SettingsError(
                "setting events.webhook_secret: each secret must have at least 16 characters (one has " +
                std::to_string(secret.size()) + ")");
    s.logLevel = logLevelSetting(config);
    s.logFormat = config.getString("log.format", s.logFormat);
    if (s.logFormat != "text" && s.logFormat != "json")
        throw SettingsError("setting log.format must be text or json, got '" + s.logFormat + "'");
    s.logFile = resolvePath(base, config.getString("log.file", ""));
    s.logMaxSizeMb = intSetting(config, "log.max_size_mb", s.logMaxSizeMb, 1, 1024 * 1024);
    s.logMaxFiles = intSetting(config, "log.max_files", s.logMaxFiles, 1, 1000);
    s.shutdownTimeoutSeconds = intSetting(config, "host.shutdown_timeout_s", s.shutdownTimeoutSeconds, 1, 3600);
    return s;
}

}  // namespace orderhost::app

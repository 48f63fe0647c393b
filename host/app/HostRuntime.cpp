#include "host/app/HostRuntime.h"

#include "host/app/StopSignals.h"

#include "host/chains/ChainDirectoryLoader.h"
#include "host/engine/ChainReload.h"
#include "host/engine/OrderRecovery.h"
#include "host/events/WebhookClient.h"
#include "host/isolation/IsolatedPlugin.h"
#include "host/services/DeclaredMigrations.h"
#include "host/services/HostServices.h"

#include <Poco/Net/DNS.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace orderhost::app {
namespace {

// Whether `url`'s host is this machine: a password sent there never crosses a network.
bool namesThisMachine(const std::string& url) {
    const std::string host = Poco::URI(url).getHost();
    Poco::Net::IPAddress address;
    if (Poco::Net::IPAddress::tryParse(host, address)) return address.isLoopback();
    return host == "localhost";
}

// orderhost-plugin-worker is installed (and built) next to the orderhost executable.
std::string workerBinaryPath() {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return (ec ? std::filesystem::path("orderhost-plugin-worker") : self.parent_path() / "orderhost-plugin-worker")
        .string();
}

plugins::LoadedPlugin loadIsolated(const std::filesystem::path& file, const isolation::IsolationSettings& settings) {
    plugins::LoadedPlugin plugin;
    plugin.isolated = isolation::IsolatedPlugin::start(file, settings);
    plugin.manifest = plugin.isolated->manifest();
    plugin.isolatedMigrations = plugin.isolated->migrations();
    return plugin;
}

}  // namespace

HostRuntime::HostRuntime(HostSettings settings) : settings_(std::move(settings)) {}

HostRuntime::~HostRuntime() { stop(); }

void HostRuntime::loadPluginsAndChains() {
    plugins::RegistryOptions options;
    options.allowedIds = settings_.pluginAllow;
    options.probeFirst = settings_.pluginProbe;
    options.checkPermissions = settings_.pluginCheckPermissions;
    options.pins = settings_.pluginPins;
    options.isolatedIds = settings_.pluginIsolate;
    options.isolateAll = settings_.pluginIsolateAll;
    isolation::IsolationSettings isolation;
    isolation.workerBinary = workerBinaryPath();
    isolation.processesPerPlugin = static_cast<std::size_t>(settings_.pluginIsolateWorkers);
    isolation.restartBackoff = std::chrono::milliseconds(settings_.pluginRestartBackoffMs);
    isolation.restartBackoffMax = std::chrono::milliseconds(settings_.pluginRestartBackoffMaxMs);
    isolation.healthReport = [problems = &problems_](const std::string& key, const std::string& problem) {
        if (problem.empty())
            problems->clear(key);
        else
            problems->report(key, problem);
    };
    options.loadIsolated = [isolation](const std::filesystem::path& file, const std::filesystem::path& loadFrom) {
        isolation::IsolationSettings settings = isolation;
        if (loadFrom != file) settings.loadFrom = loadFrom.string();
        return loadIsolated(file, settings);
    };
    registry_ = std::make_unique<plugins::PluginRegistry>(services::hostInfo(), options);
    registry_->loadFolders({settings_.pluginFolders.begin(), settings_.pluginFolders.end()});

    // At start a broken chain file leaves out its chain only (the others serve); a reload
    // is all or nothing (HostReload.h).
    const chains::ChainDirectoryResult loaded = chains::loadChainDirectory(settings_.chainsFolder);
    engine::ChainSet chains = engine::buildChains(loaded.chains, *registry_, services::systemClockMs);
    chains.errors.insert(chains.errors.begin(), loaded.errors.begin(), loaded.errors.end());
    for (const auto& error : chains.errors) spdlog::error("chain error: {}", error.toString());
    for (const auto& [name, versions] : chains.chains) {
        for (const auto& [version, chain] : versions) {
            spdlog::info("chain {} v{} ready ({} steps)", name, version, chain->steps.size());
        }
    }
    const bool defaultLoaded = chains.latest(settings_.defaultChain) != nullptr;
    chains_.replace(std::make_shared<const engine::ChainSet>(std::move(chains)));
    if (!defaultLoaded) {
        spdlog::warn("default chain '{}' is not loaded: orders without a \"chain\" field will be refused",
                     settings_.defaultChain);
    }
}

void HostRuntime::openDatasources() {
    std::map<std::string, store::DatasourceConfig> configs;
    for (const auto& [name, datasource] : settings_.datasources)
        configs[name] = {datasource.connection, datasource.poolSize};
    // Named datasources open now: one that cannot be reached stops the start, not an order.
    datasources_ = std::make_unique<store::Datasources>(*database_, configs);
    for (const auto& applied : services::applyPluginMigrations(*registry_, *datasources_)) {
        if (applied.versions.empty()) continue;
        spdlog::info("plugin {}: applied {} migration(s) on datasource '{}'", applied.pluginId, applied.versions.size(),
                     applied.datasource.empty() ? "orderhost" : applied.datasource);
    }
}

void HostRuntime::refuseEditedChains() {
    engine::ChainSet checked = *chains_.current();
    const std::vector<chains::ChainError> errors = engine::refuseEditedVersions(checked, *database_);
    if (errors.empty()) return;
    for (const auto& error : errors) spdlog::error("chain error: {}", error.toString());
    chains_.replace(std::make_shared<const engine::ChainSet>(std::move(checked)));
}

// What the socket is bound to, not what the setting says: a host name resolves at bind time.
bool HostRuntime::listensOnLoopbackOnly() const { return socket_->address().host().isLoopback(); }

void HostRuntime::checkAuthentication() {
    std::size_t active = 0;
    for (const auto& key : apiKeys_->list()) active += key.revokedAtMs == 0 ? 1 : 0;
    if (!listensOnLoopbackOnly() && active == 0 && settings_.apiToken.empty()) {
        throw SettingsError("refusing to listen on " + settings_.httpAddress +
                            " (beyond loopback) without an API key: anyone who reaches the port could place and "
                            "cancel orders. Create one with `orderhost keys create --config FILE --name NAME "
                            "--role erp`, or set http.address = 127.0.0.1");
    }
    if (!listensOnLoopbackOnly() && !settings_.apiTls)
        spdlog::warn(
            "listening on {} (beyond loopback) without TLS: API keys and orders cross the network in clear "
            "text. Set api.tls.certificate and api.tls.private_key, or listen on loopback behind a reverse "
            "proxy that terminates TLS",
            settings_.httpAddress);
    if (!settings_.apiToken.empty())
        spdlog::warn("api.token is one shared key with every role; prefer API keys with roles (orderhost keys create)");
    if (active == 0 && settings_.apiToken.empty() && !settings_.apiRequireKeys)
        spdlog::warn(
            "no API keys yet: every caller on this machine has every role until the first key is created "
            "(orderhost keys create), or api.require_keys = true");
    else
        spdlog::info("API keys required ({} active key(s))", active);
}

void HostRuntime::bindHttp() {
    // Not Poco's default constructor: it sets SO_REUSEPORT, and a second host started on the
    // same port would then silently share the ERP's traffic instead of failing.
    socket_ = std::make_unique<Poco::Net::ServerSocket>();
    socket_->bind(Poco::Net::SocketAddress(settings_.httpAddress, settings_.httpPort), true, false);
    socket_->listen();
}

void HostRuntime::startEngine() {
    engine::EngineSettings engineSettings;
    // The default id holds the bound port: no other live process on this machine can have it,
    // so at start this host may take back the orders its previous run held (OrderRecovery).
    const std::string port = ":" + std::to_string(socket_->address().port());
    engineSettings.hostId =
        !settings_.hostId.empty() ? settings_.hostId : Poco::Net::DNS::hostName().substr(0, 64 - port.size()) + port;
    engineSettings.leaseMs = settings_.leaseMs;
    engineSettings.crashLimit = settings_.crashLimit;
    engineSettings.stepsPerCommit = settings_.stepsPerCommit;
    engineSettings.backgroundRuns = settings_.backgroundRuns;
    engineSettings.maxStepThreads = static_cast<std::size_t>(settings_.stepWorkers);
    engineSettings.problems = &problems_;
    maxStepThreads_ = engineSettings.maxStepThreads;
    engine_ = std::make_unique<engine::Engine>(*store_, chains_, services::systemClockMs, engineSettings);
    engine_->setDatasources(datasources_.get());
    intake_ = std::make_unique<engine::OrderIntake>(*engine_, settings_.defaultChain);
    quotes_ = std::make_unique<engine::QuoteRunner>(*engine_, settings_.defaultChain,
                                                    int64_t{settings_.quoteValidForSeconds} * 1000);
    signals_ = std::make_unique<engine::OrderSignals>(*engine_);
    commands_ = std::make_unique<engine::OrderCommands>(*engine_);
    // Lists what the previous run left before the poller or a request can claim an order, and
    // resumes it in the background: the host serves (liveness first) while it does.
    recovery_ = std::make_unique<engine::OrderRecovery>(*engine_, static_cast<std::size_t>(settings_.backgroundRuns));
    poller_ = std::make_unique<engine::OrderPoller>(*engine_, std::chrono::milliseconds(settings_.retryPollMs));
    poller_->start();
    spdlog::info("host id {} (leases of {} ms)", engineSettings.hostId, settings_.leaseMs);
    events::RelayOptions relayOptions;
    relayOptions.owner = engineSettings.hostId;
    relayOptions.pollInterval = std::chrono::milliseconds(settings_.relayPollMs);
    relayOptions.signingSecrets = settings_.webhookSecrets;
    relayOptions.tls.caFile = settings_.webhookCaFile;
    relayOptions.maxAttempts = settings_.webhookMaxAttempts;
    relayOptions.amqpUrl = settings_.amqpUrl;
    relayOptions.amqpExchange = settings_.amqpExchange;
    relayOptions.amqpCaFile = settings_.amqpCaFile;
    if (settings_.amqpUrl.rfind("amqp://", 0) == 0 && !namesThisMachine(settings_.amqpUrl))
        spdlog::warn("events.amqp_url: the broker's password crosses the network in clear text (use amqps://)");
    for (const auto& url : settings_.webhookUrls)
        if (url.rfind("http://", 0) == 0 && url.find('@') != std::string::npos)
            spdlog::warn("webhook {}: its Basic credentials cross the network in clear text (use https://)",
                         events::describeUrl(Poco::URI(url)));
    relay_ = std::make_unique<events::OutboxRelay>(*database_, settings_.webhookUrls, relayOptions);
    relay_->start();
}

void HostRuntime::startHttp() {
    apiContext_.reset(new api::ApiContext{
        *intake_, *signals_, *store_, chains_, *registry_,
        api::ApiSettings{settings_.httpMaxBodyBytes, settings_.apiToken, settings_.httpIdempotencyTtlSeconds}});
    apiContext_->settings.requireKeys = settings_.apiRequireKeys || !listensOnLoopbackOnly();
    apiContext_->apiKeys = apiKeys_.get();
    idempotency_ = std::make_unique<store::IdempotencyStore>(*database_);
    apiContext_->idempotency = idempotency_.get();
    apiContext_->quotes = quotes_.get();
    apiContext_->outbox = outbox_.get();
    apiContext_->commands = commands_.get();
    apiContext_->engineProblems = &engine_->problems();
    apiContext_->recoveryLeft = [recovery = recovery_.get()] { return recovery->left(); };
    apiContext_->stepWorkerLoad = [engine = engine_.get(), max = maxStepThreads_] {
        return api::StepWorkerLoad{engine->workers().busyCount(), max};
    };
    operations_ = std::make_unique<api::Operations>();
    operations_->steps = &engine_->stepMetrics();
    operations_->database = database_.get();
    for (const auto& url : settings_.webhookUrls) operations_->subscribers.push_back(events::subscriberName(url));
    operations_->defaultChain = settings_.defaultChain;
    apiContext_->operations = operations_.get();
    reload_ = std::make_unique<HostReload>(settings_, *registry_, chains_, *database_, datasources_.get(),
                                           stopSignalPending);  // a SIGHUP reload sees SIGTERM waiting
    apiContext_->reload = [this](const std::string& requestedBy, bool retireAll) {
        return reload_->reload(requestedBy, retireAll);
    };
    apiContext_->reloadCounts = &reload_->counts();
    api::HttpServerSettings http;
    http.maxThreads = settings_.httpMaxThreads;
    http.maxQueued = settings_.httpMaxQueued;
    http.keepAliveSeconds = settings_.httpKeepAliveSeconds;
    http.readTimeoutSeconds = settings_.httpReadTimeoutSeconds;
    http.requestTimeoutMs = settings_.httpRequestTimeoutMs;
    http.maxConnections = settings_.httpMaxConnections;
    http.maxConnectionsPerClient = settings_.httpMaxConnectionsPerClient;
    http.retryAfterSeconds = settings_.httpRetryAfterSeconds;
    http.tls = settings_.apiTls;
    if (http.tls) {
        spdlog::info("TLS on the HTTP listener: certificate {}; {}", http.tls->describeCertificate(),
                     http.tls->requiresClientCertificates()
                         ? "client certificates required (CAs from " + http.tls->files().clientCa +
                               (http.tls->clientCrls() > 0 ? "; " + std::to_string(http.tls->clientCrls()) +
                                                                 " CRL(s) from " + http.tls->files().clientCrl
                                                           : std::string()) +
                               ")"
                         : "no client certificates asked for");
    }
    http_ = std::make_unique<api::HttpServer>(*socket_, new api::ApiRequestHandlerFactory(*apiContext_), http);
    http_->start();
}

// A host started before its database (boot order, a failover in progress) waits for it, up to
// database.connect_wait_s, instead of exiting; any other failure (bad credentials, a schema too
// new) ends the start at once. A stop signal ends the wait (the signals are blocked in this
// thread, which only takes them once serving: without the check, SIGTERM waited up to a day);
// it is seen between attempts, so an attempt in progress (the driver's login timeout against a
// silent address) ends first.
std::unique_ptr<store::Database> HostRuntime::openDatabase(const store::DatabaseOptions& options) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings_.databaseConnectWaitSeconds);
    for (int attempt = 1;; ++attempt) {
        try {
            return std::make_unique<store::Database>(settings_.databaseConnection, options);
        } catch (const store::DatabaseUnavailableError& e) {
            if (stopSignalPending())
                throw StopRequestedWhileStarting("stop signal received while waiting for the database");
            if (std::chrono::steady_clock::now() >= deadline) throw;
            if (attempt == 1)
                spdlog::warn("waiting up to {} s for the database (database.connect_wait_s)",
                             settings_.databaseConnectWaitSeconds);
            for (int tick = 0; tick < 10; ++tick) {
                if (stopSignalPending())
                    throw StopRequestedWhileStarting("stop signal received while waiting for the database");
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
    }
}

void HostRuntime::start() {
    loadPluginsAndChains();
    databaseLock_ = std::make_unique<SqliteHostLock>(settings_.databaseConnection);  // a second host stops here
    store::DatabaseOptions databaseOptions;
    databaseOptions.maxSessions = settings_.databasePoolSize;
    database_ = openDatabase(databaseOptions);
    store_ = std::make_unique<store::OrderStore>(*database_);
    outbox_ = std::make_unique<store::OutboxReader>(*database_);
    openDatasources();
    refuseEditedChains();
    apiKeys_ = std::make_unique<store::ApiKeyStore>(*database_);
    bindHttp();  // nothing is served before startHttp; a refusal below closes the socket
    checkAuthentication();
    startEngine();
    startHttp();
    spdlog::info("orderhost listening on {}://{}:{}", settings_.apiTls ? "https" : "http", settings_.httpAddress,
                 port());
}

std::size_t HostRuntime::stop() {
    if (reload_) reload_->interrupt();  // a reload in progress (POST) gives up before it changes anything
    // First: no plugin call starts from now on, and waits for running ones end after the grace,
    // so neither a request nor the poller below can keep the host waiting for a hung plugin.
    if (intake_) intake_->closeAsyncRuns();  // queued respond-async orders: handed back, not failed
    if (recovery_) recovery_->close();       // orders not resumed yet: left as they are, not failed
    if (engine_) engine_->workers().stop(std::chrono::milliseconds(settings_.shutdownGraceMs));
    if (http_) {
        http_->stop();
        http_.reset();
    }
    if (intake_) intake_->stopAsyncRuns();  // after HTTP: waits for the runs in progress
    if (recovery_) recovery_->stop();       // likewise, for the orders being resumed
    if (reload_) reload_->close();          // after HTTP: a reload the drain gave up on ends before anything is freed
    if (poller_) poller_->stop();           // after HTTP: no request can be mid-chain any more
    if (relay_) relay_->stop();             // waits for a delivery in flight, hands its leases over
    const std::size_t left = engine_ ? engine_->workers().busyCount() : 0;
    if (left > 0) {
        spdlog::warn(
            "stopping without {} plugin call(s) still running after engine.shutdown_grace_ms = {} ms: their "
            "orders resume from their last checkpoint when their lease expires (at once when this host "
            "starts again with the same id)",
            left, settings_.shutdownGraceMs);
    }
    return left;
}

engine::ReloadReport HostRuntime::reload(const std::string& requestedBy) {
    if (!reload_) throw std::logic_error("reload before the host started");
    return reload_->reload(requestedBy);
}

unsigned short HostRuntime::port() const { return http_ ? http_->port() : 0; }

}  // namespace orderhost::app

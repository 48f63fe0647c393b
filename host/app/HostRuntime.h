// Everything a serving host owns, assembled in dependency order and torn down in reverse:
// plugins (probed before any thread starts) → chains → database → the HTTP port (bound, not
// yet serving: it makes this host's id unique) → engine → recovery (listed, then resumed in
// the background) → poller → HTTP server.
#pragma once

#include "host/api/ApiRequestHandler.h"
#include "host/app/HostReload.h"
#include "host/app/HostSettings.h"
#include "host/app/SqliteHostLock.h"
#include "host/engine/Engine.h"
#include "host/engine/OrderIntake.h"
#include "host/engine/OrderPoller.h"
#include "host/engine/OrderRecovery.h"
#include "host/engine/OrderSignals.h"
#include "host/engine/ReadyChain.h"
#include "host/events/OutboxRelay.h"
#include "host/plugins/PluginRegistry.h"
#include "host/store/ApiKeyStore.h"
#include "host/store/Database.h"
#include "host/store/Datasources.h"
#include "host/store/OrderStore.h"

#include "host/api/HttpServer.h"

#include <Poco/Net/ServerSocket.h>

#include <memory>
#include <stdexcept>

namespace orderhost::app {

// A stop signal (SIGTERM, SIGINT, SIGQUIT) arrived while the start waited for the database: the
// host ends without serving, as asked, instead of waiting out database.connect_wait_s.
struct StopRequestedWhileStarting : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class HostRuntime {
public:
    explicit HostRuntime(HostSettings settings);
    ~HostRuntime();

    // Loads plugins and chains, opens (and migrates) the database, starts HTTP.
    // Throws with a message for the administrator when the host cannot serve.
    void start();
    // Stops serving: running plugin calls get engine.shutdown_grace_ms to return, then the
    // host goes without them. Returns how many plugin calls it left running.
    std::size_t stop();

    unsigned short port() const;

    // Reloads chains (and plugins) from their folders; see HostReload.h. Call after start().
    engine::ReloadReport reload(const std::string& requestedBy);

private:
    void loadPluginsAndChains();
    std::unique_ptr<store::Database> openDatabase(const store::DatabaseOptions& options) const;
    void openDatasources();
    // Takes out of the served chains each version edited in place while orders run on it
    // (engine::refuseEditedVersions); needs the migrated database, so after loadPluginsAndChains.
    void refuseEditedChains();
    void bindHttp();
    // Refuses to serve beyond loopback without a key; says how the API is protected.
    void checkAuthentication();
    bool listensOnLoopbackOnly() const;
    void startEngine();
    void startHttp();

    HostSettings settings_;
    // What /v1/health reports from the engine and from isolated plugins' workers (these start
    // before the engine): declared first, so it outlives both.
    engine::HealthProblems problems_;
    std::unique_ptr<plugins::PluginRegistry> registry_;
    engine::ChainCatalog chains_;                   // swapped whole by reload_
    std::unique_ptr<SqliteHostLock> databaseLock_;  // before database_: released after it closes
    std::unique_ptr<store::Database> database_;
    std::unique_ptr<store::Datasources> datasources_;  // after database_: destroyed first
    std::unique_ptr<store::OrderStore> store_;
    std::unique_ptr<store::OutboxReader> outbox_;
    std::unique_ptr<events::OutboxRelay> relay_;
    std::unique_ptr<engine::Engine> engine_;
    std::unique_ptr<engine::OrderIntake> intake_;
    std::unique_ptr<engine::QuoteRunner> quotes_;
    std::unique_ptr<engine::OrderSignals> signals_;
    std::unique_ptr<engine::OrderCommands> commands_;
    std::unique_ptr<engine::OrderRecovery> recovery_;  // after engine_ and commands_: stopped first
    std::unique_ptr<engine::OrderPoller> poller_;
    std::unique_ptr<Poco::Net::ServerSocket> socket_;
    std::unique_ptr<HostReload> reload_;                    // SIGHUP and POST /v1/admin/reload
    std::unique_ptr<api::Operations> operations_;           // GET /metrics, readiness
    std::unique_ptr<store::ApiKeyStore> apiKeys_;           // API keys (api/ApiKeyCache.h)
    std::unique_ptr<store::IdempotencyStore> idempotency_;  // Idempotency-Key replies, for the API
    std::unique_ptr<api::ApiContext> apiContext_;
    std::size_t maxStepThreads_ = 0;  // the engine's, for /v1/health
    std::unique_ptr<api::HttpServer> http_;
};

}  // namespace orderhost::app

#include "host/app/HostRuntime.h"

#include "host/chains/ChainDirectoryLoader.h"
#include "host/engine/OrderRecovery.h"
#include "host/services/HostServices.h"

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <spdlog/spdlog.h>

namespace orderhost::app {

HostRuntime::HostRuntime(HostSettings settings) : settings_(std::move(settings)) {}

HostRuntime::~HostRuntime() { stop(); }

void HostRuntime::loadPluginsAndChains() {
    plugins::RegistryOptions options;
    options.allowedIds = settings_.pluginAllow;
    options.probeFirst = settings_.pluginProbe;
    registry_ = std::make_unique<plugins::PluginRegistry>(services::hostInfo(), options);
    for (const auto& folder : settings_.pluginFolders) registry_->loadFolder(folder);

    const chains::ChainDirectoryResult loaded = chains::loadChainDirectory(settings_.chainsFolder);
    chains_ = engine::buildChains(loaded.chains, *registry_, services::systemClockMs);
    chains_.errors.insert(chains_.errors.begin(), loaded.errors.begin(), loaded.errors.end());
    for (const auto& error : chains_.errors) spdlog::error("chain error: {}", error.toString());
    for (const auto& [name, versions] : chains_.chains) {
        for (const auto& [version, chain] : versions) {
            spdlog::info("chain {} v{} ready ({} steps)", name, version, chain->steps.size());
        }
    }
    if (!chains_.latest(settings_.defaultChain)) {
        spdlog::warn("default chain '{}' is not loaded: orders without a \"chain\" field will be refused",
                     settings_.defaultChain);
    }
}

void HostRuntime::startHttp() {
    auto params = Poco::AutoPtr<Poco::Net::HTTPServerParams>(new Poco::Net::HTTPServerParams);
    params->setMaxThreads(settings_.httpMaxThreads);
    params->setMaxQueued(settings_.httpMaxQueued);
    params->setKeepAliveTimeout(Poco::Timespan(settings_.httpKeepAliveSeconds, 0));
    params->setKeepAlive(settings_.httpKeepAliveSeconds > 0);
    params->setMaxKeepAliveRequests(1000);
    // Per-read limit: a client that stops sending frees its thread after this long.
    params->setTimeout(Poco::Timespan(settings_.httpReadTimeoutSeconds, 0));

    apiContext_.reset(new api::ApiContext{*intake_, *signals_, *store_, chains_, *registry_,
                                          api::ApiSettings{settings_.httpMaxBodyBytes, settings_.apiToken}});
    // Not Poco's default constructor: it sets SO_REUSEPORT, and a second host started on the
    // same port would then silently share the ERP's traffic instead of failing.
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(settings_.httpAddress, settings_.httpPort), true, false);
    socket.listen();
    // A pool of its own, sized like the server: Poco's default pool holds only 16 threads.
    httpThreads_ = std::make_unique<Poco::ThreadPool>(2, settings_.httpMaxThreads);
    http_ = std::make_unique<Poco::Net::HTTPServer>(new api::ApiRequestHandlerFactory(*apiContext_), *httpThreads_,
                                                    socket, params);
    http_->start();
}

void HostRuntime::start() {
    loadPluginsAndChains();
    store::DatabaseOptions databaseOptions;
    databaseOptions.maxSessions = settings_.databasePoolSize;
    database_ = std::make_unique<store::Database>(settings_.databaseConnection, databaseOptions);
    store_ = std::make_unique<store::OrderStore>(*database_);
    intake_ = std::make_unique<engine::OrderIntake>(*store_, chains_, settings_.defaultChain, services::systemClockMs);
    signals_ = std::make_unique<engine::OrderSignals>(*store_, chains_, services::systemClockMs);
    // Before serving: an ERP that repeats a request lost in the crash then finds it finished.
    engine::ChainRunner runner(*store_, services::systemClockMs);
    const auto recovered = engine::resumeUnfinishedOrders(*store_, chains_, runner);
    if (recovered.resumed + recovered.skipped > 0) {
        spdlog::info("recovery: {} order(s) resumed, {} could not be (see the messages above)",
                     recovered.resumed, recovered.skipped);
    }
    retryTimer_ = std::make_unique<engine::RetryTimer>(*store_, chains_, services::systemClockMs,
                                                       std::chrono::milliseconds(settings_.retryPollMs));
    retryTimer_->start();
    startHttp();
    spdlog::info("orderhost listening on http://{}:{}", settings_.httpAddress, port());
}

void HostRuntime::stop() {
    if (http_) {
        http_->stopAll(true);
        http_.reset();
    }
    if (retryTimer_) retryTimer_->stop();  // after HTTP: no request can be mid-chain any more
}

unsigned short HostRuntime::port() const { return http_ ? http_->port() : 0; }

}  // namespace orderhost::app

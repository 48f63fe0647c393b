#include "host/events/OutboxRelay.h"

#include "host/events/AmqpPublisher.h"
#include "host/events/WebhookClient.h"

#include <spdlog/spdlog.h>

#include <set>
#include <stdexcept>

namespace orderhost::events {

OutboxRelay::OutboxRelay(store::Database& db, const std::vector<std::string>& urls, const RelayOptions& options) {
    std::set<std::string> seen;
    for (const auto& url : urls) {
        // The same subscriber twice (the same URL, or one that differs in password, default port
        // or the host's case) would be two workers racing for one cursor: deliver once.
        if (!seen.insert(subscriberName(url)).second) {
            spdlog::warn("webhook {}: listed twice in events.webhooks; delivered once", describeUrl(Poco::URI(url)));
            continue;
        }
        subscriptions_.push_back(std::make_unique<WebhookSubscription>(db, url, options));
    }
    if (!options.amqpUrl.empty()) {
        auto publisher = std::make_unique<AmqpPublisher>(
            AmqpSettings{options.amqpUrl, options.amqpExchange, options.timeouts.io, options.amqpCaFile});
        const std::string subscriber = publisher->describe();  // the cursor's name: no credentials
        subscriptions_.push_back(std::make_unique<WebhookSubscription>(db, std::move(publisher), subscriber, options));
    }
}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
    for (auto& subscription : subscriptions_) subscription->start();
}

void OutboxRelay::stop() {
    for (auto& subscription : subscriptions_) subscription->stop();
}

}  // namespace orderhost::events

#include "host/events/WebhookSubscription.h"

#include "host/logging/LogContext.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace orderhost::events {
namespace {

std::int64_t systemClockMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

WebhookSubscription::WebhookSubscription(store::Database& db, const std::string& url, const RelayOptions& options)
    : WebhookSubscription(db,
                          std::make_unique<WebhookClient>(url, options.timeouts, options.signingSecrets, options.tls),
                          subscriberName(url), options) {
    // Before subscriberName, the cursor was kept under the whole URL, secrets and all: take it over.
    if (subscriberName(url) != url) cursor_.renameFrom(url);
}

WebhookSubscription::WebhookSubscription(store::Database& db, std::unique_ptr<EventSink> sink,
                                         const std::string& subscriber, const RelayOptions& options)
    : reader_(db), deadLetters_(db), cursor_(db, subscriber, options.owner), sink_(std::move(sink)), options_(options) {
    if (!options_.clock) options_.clock = systemClockMs;
    // A delivery must end well within the lease, or another host would start delivering too.
    if (options_.lease <= 2 * (options_.timeouts.connect + 2 * options_.timeouts.io))
        throw std::invalid_argument("relay lease must exceed twice the webhook timeouts (connect + send + receive)");
}

WebhookSubscription::~WebhookSubscription() { stop(); }

void WebhookSubscription::start() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
    if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void WebhookSubscription::stop() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    held_.reset();
    try {
        cursor_.release();
    } catch (const std::exception& e) {
        spdlog::warn("webhook {}: could not release its lease (another host takes over when it expires): {}",
                     sink_->describe(), e.what());
    }
}

bool WebhookSubscription::stopping() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
}

std::int64_t WebhookSubscription::now() const { return options_.clock(); }

std::int64_t WebhookSubscription::backoffMs(int failures) const {
    const int doublings = std::min(failures - 1, 30);
    const std::int64_t delay = options_.retryMin.count() << doublings;
    return std::min<std::int64_t>(delay, options_.retryMax.count());
}

void WebhookSubscription::loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        std::size_t delivered = 0;
        try {
            delivered = deliverDue();
        } catch (const std::exception& e) {
            // The database may be back at the next tick. Whether the last write committed is
            // unknown: read the cursor again rather than trust the cached one.
            held_.reset();
            spdlog::error("webhook {}: {}", sink_->describe(), e.what());
        }
        lock.lock();
        // A full batch means more may be waiting: go on at once.
        if (delivered < options_.batch) wake_.wait_for(lock, options_.pollInterval, [this] { return stopping_; });
    }
}

std::optional<CursorState> WebhookSubscription::holdLease() {
    const std::int64_t lease = options_.lease.count();
    if (held_ && now() < heldUntilMs_ - lease / 2) return held_;
    const std::int64_t until = now() + lease;
    held_ = cursor_.claim(now(), until);
    heldUntilMs_ = held_ ? until : 0;
    return held_;
}

std::size_t WebhookSubscription::deliverDue() {
    const auto state = holdLease();
    if (!state) return 0;  // another host delivers
    deliverReplays();
    if (state->retryAtMs > now()) return 0;  // backing off
    std::size_t delivered = 0;
    for (const store::OutboxEvent& event : reader_.eventsAfter(state->lastEventId, options_.batch)) {
        if (stopping()) break;
        const logging::LogScope logFields({"", event.orderId, "", "", "", std::to_string(event.id)});
        const DeliveryResult result = sink_->deliver(event);
        if (!result.delivered) {
            fail(event, result);
            break;
        }
        const std::int64_t until = now() + options_.lease.count();
        if (!cursor_.advance(event.id, now(), until)) {
            spdlog::warn("webhook {}: lost its lease after event {}; another host delivers now", sink_->describe(),
                         event.id);
            held_.reset();
            break;
        }
        held_ = CursorState{event.id, 0, 0};
        heldUntilMs_ = until;
        ++delivered;
    }
    return delivered;
}

// One per pass, under the lease (a pass renews it): what an administrator asked to deliver again. A refusal puts
// it back among the dead letters (no backoff of its own: it waits for the next request).
void WebhookSubscription::deliverReplays() {
    for (const store::DeadLetter& letter : deadLetters_.replaysDue(cursor_.subscriber(), 1)) {
        if (stopping()) return;
        const std::optional<store::OutboxEvent> event = reader_.event(letter.eventId);
        if (!event) {
            deadLetters_.settleReplay(letter.id, false, "the event is no longer in the outbox", now());
            continue;
        }
        const logging::LogScope logFields({"", event->orderId, "", "", "", std::to_string(event->id)});
        const DeliveryResult result = sink_->deliver(*event);
        if (result.delivered)
            spdlog::info("webhook {}: dead letter {} (event {}) delivered on replay", sink_->describe(), letter.id,
                         event->id);
        else
            spdlog::warn("webhook {}: dead letter {} (event {}) refused again on replay: {}", sink_->describe(),
                         letter.id, event->id, result.error);
        deadLetters_.settleReplay(letter.id, result.delivered, result.error, now());
    }
}

void WebhookSubscription::fail(const store::OutboxEvent& event, const DeliveryResult& result) {
    const int failures = held_->failures + 1;
    // Only refusals make a dead letter: the count of an outage's failures may pass the limit,
    // but the event is set aside only when the receiver, answering again, still refuses it.
    if (options_.maxAttempts > 0 && failures >= options_.maxAttempts && result.refused) {
        const std::int64_t until = now() + options_.lease.count();
        spdlog::error(
            "webhook {}: event {} ({}) refused {} times, the last: {}; set aside as a dead letter "
            "(GET /v1/dead-letters), the events after it go on",
            sink_->describe(), event.id, event.type, failures, result.error);
        if (cursor_.deadLetter(event.id, failures, result.error, now(), until)) {
            held_ = CursorState{event.id, 0, 0};
            heldUntilMs_ = until;
        } else {
            held_.reset();  // the lease went to another host meanwhile
        }
        return;
    }
    const std::int64_t delay = backoffMs(failures);
    const std::int64_t retryAt = now() + delay;
    spdlog::warn("webhook {}: event {} ({}) not delivered (attempt {}): {}; retrying in {} ms", sink_->describe(),
                 event.id, event.type, failures, result.error, delay);
    if (cursor_.recordFailure(failures, retryAt, "event " + std::to_string(event.id) + ": " + result.error, now())) {
        held_->failures = failures;
        held_->retryAtMs = retryAt;
    } else {
        held_.reset();  // the lease went to another host meanwhile
    }
}

}  // namespace orderhost::events

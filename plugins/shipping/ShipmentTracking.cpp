#include "ShipmentTracking.h"

#include "ShippingRecords.h"

#include <algorithm>
#include <cstdio>

namespace orderhost::shipping {

Wake consumeSignals(const sdk::OrderDocument& order) {
    Wake wake;
    const std::string tracking = std::string("/signals/") + kTrackingSignal;
    const std::string resolved = std::string("/signals/") + kExceptionSignal;
    wake.timedOut = order.optionalBoolean(tracking + "/timed_out").value_or(false);
    if (order.has(resolved)) {
        wake.resolvedByPerson = order.optionalString(resolved + "/resolution").value_or("") == "continue";
        wake.note = order.optionalString(resolved + "/note").value_or("");
        order.remove(resolved);
    }
    if (order.has(tracking)) order.remove(tracking);
    return wake;
}

std::optional<HttpCarrier> carrierForCall(const CarrierMap& carriers, const std::string& name,
                                          const sdk::StepCall& call) {
    const auto found = carriers.find(name);
    if (found == carriers.end()) return std::nullopt;
    if (call.deadlineMs() == 0) return found->second;
    const std::int64_t left = call.deadlineMs() - call.nowMs() - 100;
    return found->second.withTimeout(std::max<std::int64_t>(1, std::min(found->second.timeoutMs(), left)));
}

void recordShipment(const sdk::StepCall& call, const Shipment& shipment) {
    const sdk::OrderDocument order = call.order();
    const std::size_t known = order.has("/shipping/events") ? order.size("/shipping/events") : 0;
    if (known == 0) order.setJson("/shipping/events", "[]");
    for (const TrackingEvent& event : shipment.events) {
        if (event.seq <= static_cast<std::int64_t>(known)) continue;  // seq counts from 1, gap-free
        sdk::JsonObject entry;
        entry.add("seq", event.seq).add("status", event.status).add("at", event.atMs);
        if (!event.detail.empty()) entry.add("detail", event.detail);
        order.setJson("/shipping/events/-", entry.str());
        saveEvent(call, shipment.id, event);
    }
    order.set("/shipping/status", shipment.status);
    if (shipment.pickedUpAtMs != 0) order.set("/shipping/picked_up_at", shipment.pickedUpAtMs);
    if (shipment.deliveredAtMs != 0) order.set("/shipping/delivered_at", shipment.deliveredAtMs);
    saveStatus(call, shipment);
}

sdk::Outcome retryLater(const CarrierReply& reply, const std::string& operation) {
    return sdk::Outcome::retry("carrier, " + operation + ": " + reply.message)
        .withCode(reply.errorCode.empty() ? "carrier_unavailable" : reply.errorCode);
}

sdk::Outcome refusedByCarrier(const CarrierReply& reply, const std::string& operation) {
    return sdk::Outcome::fail("carrier_refused_" + operation,
                              "the carrier refused the " + operation + " (" + reply.errorCode + "): " + reply.message);
}

sdk::Outcome unknownCarrier(const std::string& name) {
    return sdk::Outcome::fail("unknown_carrier", "/shipping/carrier is \"" + name +
                                                     "\", which this step's \"carriers\" config does not define");
}

sdk::Outcome heldForException(const Shipment& shipment) {
    std::string detail;
    for (const TrackingEvent& event : shipment.events)
        if (event.status == "exception") detail = event.detail;
    return sdk::Outcome::suspend(kExceptionSignal, "the carrier reports an exception for shipment " + shipment.id +
                                                       " (tracking " + shipment.trackingNumber + ")" +
                                                       (detail.empty() ? "" : ": " + detail) +
                                                       "; a person resolves it with the signal " + kExceptionSignal)
        .withCode("shipment_exception");
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, UTC).
std::optional<std::int64_t> daysFromIsoDate(const std::string& date) {
    int y = 0, m = 0, d = 0;
    char tail = 0;
    if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return std::nullopt;
    static const int monthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > monthDays[m - 1]) return std::nullopt;
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

std::string isoDateOfDay(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m), static_cast<int>(d));
    return text;
}

}  // namespace orderhost::shipping

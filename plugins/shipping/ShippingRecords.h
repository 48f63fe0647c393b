// The shipping plugin's tables, written in the step's transaction (so a row exists exactly
// when the step's outcome was saved):
//   shipping_shipments  one row per booking, keyed by the booking's idempotency key, so a
//                       re-run step (retry, crash, signal) updates its row instead of adding one;
//   shipping_events     the carrier's tracking events, keyed by (shipment_id, seq), so an event
//                       seen on several wake-ups is stored once.
#pragma once

#include "Carrier.h"

#include <orderhost/sdk.hpp>

#include <cstdint>
#include <string>

namespace orderhost::shipping {

struct ShipmentRecord {
    std::string bookingKey;
    std::string carrier;
    std::string service;
    std::string shipmentId;
    std::string trackingNumber;
    std::string status;
    std::int64_t costMinor = 0;
    std::string currency;
    std::int64_t parcelCount = 0;
    std::int64_t weightG = 0;
    std::string promisedDate;
};

inline void saveBooking(const sdk::StepCall& call, const ShipmentRecord& r) {
    sdk::Database(call).execute(
        "INSERT INTO shipping_shipments (booking_key, order_id, step_name, carrier, service, shipment_id,"
        " tracking_number, status, cost_minor, currency, parcel_count, weight_g, promised_date, booked_at_ms,"
        " updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (booking_key) DO UPDATE SET status = excluded.status, updated_at_ms = excluded.updated_at_ms",
        {r.bookingKey, call.orderId(), call.stepName(), r.carrier, r.service, r.shipmentId, r.trackingNumber, r.status,
         r.costMinor, r.currency, r.parcelCount, r.weightG, r.promisedDate, call.nowMs(), call.nowMs()});
}

// The carrier's view of the shipment now: its status, pickup and delivery times.
inline void saveStatus(const sdk::StepCall& call, const Shipment& s) {
    sdk::Database(call).execute(
        "UPDATE shipping_shipments SET status = ?, picked_up_at_ms = ?, delivered_at_ms = ?, updated_at_ms = ?"
        " WHERE shipment_id = ?",
        {s.status, s.pickedUpAtMs ? sdk::Param(s.pickedUpAtMs) : sdk::Param::null(),
         s.deliveredAtMs ? sdk::Param(s.deliveredAtMs) : sdk::Param::null(), call.nowMs(), s.id});
}

inline void saveEvent(const sdk::StepCall& call, const std::string& shipmentId, const TrackingEvent& e) {
    sdk::Database(call).execute(
        "INSERT INTO shipping_events (shipment_id, seq, order_id, status, detail, at_ms, recorded_at_ms)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (shipment_id, seq) DO NOTHING",
        {shipmentId, e.seq, call.orderId(), e.status, e.detail.empty() ? sdk::Param::null() : sdk::Param(e.detail),
         e.atMs, call.nowMs()});
}

}  // namespace orderhost::shipping

// The plugin's tables (host database). Appended only: never change a shipped version.
#define ORDERHOST_SHIPPING_MIGRATIONS                                                                    \
    ORDERHOST_MIGRATION(1, "shipping_shipments and shipping_events",                                     \
                        "CREATE TABLE shipping_shipments ("                                              \
                        " booking_key VARCHAR(200) PRIMARY KEY,"                                         \
                        " order_id VARCHAR(36) NOT NULL,"                                                \
                        " step_name VARCHAR(100) NOT NULL,"                                              \
                        " carrier VARCHAR(64) NOT NULL,"                                                 \
                        " service VARCHAR(64) NOT NULL,"                                                 \
                        " shipment_id VARCHAR(100) NOT NULL,"                                            \
                        " tracking_number VARCHAR(100) NOT NULL,"                                        \
                        " status VARCHAR(32) NOT NULL,"                                                  \
                        " cost_minor BIGINT NOT NULL,"                                                   \
                        " currency VARCHAR(3) NOT NULL,"                                                 \
                        " parcel_count INTEGER NOT NULL,"                                                \
                        " weight_g BIGINT NOT NULL,"                                                     \
                        " promised_date VARCHAR(10) NOT NULL,"                                           \
                        " booked_at_ms BIGINT NOT NULL,"                                                 \
                        " picked_up_at_ms BIGINT,"                                                       \
                        " delivered_at_ms BIGINT,"                                                       \
                        " updated_at_ms BIGINT NOT NULL);"                                               \
                        "CREATE INDEX shipping_shipments_order ON shipping_shipments (order_id);"        \
                        "CREATE UNIQUE INDEX shipping_shipments_id ON shipping_shipments (shipment_id);" \
                        "CREATE TABLE shipping_events ("                                                 \
                        " shipment_id VARCHAR(100) NOT NULL,"                                            \
                        " seq INTEGER NOT NULL,"                                                         \
                        " order_id VARCHAR(36) NOT NULL,"                                                \
                        " status VARCHAR(32) NOT NULL,"                                                  \
                        " detail VARCHAR(500),"                                                          \
                        " at_ms BIGINT NOT NULL,"                                                        \
                        " recorded_at_ms BIGINT NOT NULL,"                                               \
                        " PRIMARY KEY (shipment_id, seq))")

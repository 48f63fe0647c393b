"""The carrier simulator's ledger tables and the tracking statuses it knows (carrier.py)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS shipments (
  id TEXT PRIMARY KEY, tracking_number TEXT NOT NULL, service TEXT NOT NULL, reference TEXT,
  status TEXT NOT NULL, parcels TEXT NOT NULL, destination TEXT NOT NULL, callback TEXT,
  booked_at_ms INTEGER NOT NULL, picked_up_at_ms INTEGER, delivered_at_ms INTEGER);
CREATE TABLE IF NOT EXISTS events (
  shipment_id TEXT NOT NULL, seq INTEGER NOT NULL, status TEXT NOT NULL, detail TEXT,
  at_ms INTEGER NOT NULL, PRIMARY KEY (shipment_id, seq));
CREATE TABLE IF NOT EXISTS ledger (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, operation TEXT NOT NULL, shipment_id TEXT,
  status TEXT NOT NULL, idempotency_key TEXT, detail TEXT, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, shipment_id TEXT NOT NULL, event_seq INTEGER NOT NULL,
  event TEXT NOT NULL, url TEXT NOT NULL, attempt INTEGER NOT NULL, http_status INTEGER,
  outcome TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, http_status INTEGER NOT NULL,
  body TEXT NOT NULL, uses INTEGER NOT NULL DEFAULT 1);
"""
TRACKING_STATUSES = ("picked_up", "in_transit", "out_for_delivery", "delivered", "exception")
PICKED_UP = ("picked_up", "in_transit", "out_for_delivery", "delivered")
MAX_PARCEL_WEIGHT_G = 70000

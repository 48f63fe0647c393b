#!/usr/bin/env python3
"""A parcel carrier simulator: a separate process on loopback with its own ledger.

It plays the carrier for orderhost's shipping plugin, so a test can prove what the carrier saw
(booked once, cancelled before pickup, which tracking events reached the host). The JSON API
is shaped like a real carrier's and is documented in docs/simulators.md. Python 3 standard
library only (Debian's python3), because CI installs nothing from PyPI.

  POST /v1/shipments                  Idempotency-Key header; {service, reference?, parcels, destination, callback?}
  GET  /v1/shipments/{id}             the shipment with its tracking events
  POST /v1/shipments/{id}/cancel      Idempotency-Key header; refused (409) once picked up
  POST /admin/shipments/{id}/advance  {status: picked_up|in_transit|out_for_delivery|delivered|exception, detail?}
  POST /admin/schedule                {steps: [{status, after_ms}]}: advance every shipment booked afterwards
  POST /admin/faults                  {latency_ms, fail_status, fail_count, lose_response_count, refuse_count,
                                       read_fail_count (GET /v1/shipments/… fails), ...}
  GET  /v1/ledger                     bookings, cancellations, tracking events and callback deliveries
  GET  /v1/queue                      {pending_callbacks, scheduled_advances}: what is still to happen
  GET  /v1/idempotency/{key}          how often a key was used, and its stored answer

Each tracking event is POSTed to callback.url, or to
{callback.base_url}/v1/orders/{callback.order_id}/signals/{callback.signal} (given at booking). As a
real carrier's webhooks do, an answer other than 2xx is tried again, with backoff (carrier_callbacks.py).
"""
import argparse
import collections
import hashlib
import json
import re
import sqlite3
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from carrier_callbacks import CallbackQueue  # the modules beside this file
from carrier_schema import MAX_PARCEL_WEIGHT_G, PICKED_UP, SCHEMA, TRACKING_STATUSES


def now_ms():
    return int(time.time() * 1000)


def valid_callback(callback):
    if not isinstance(callback, dict):
        return False
    if "url" not in callback:
        return True  # base_url, order_id and signal
    url = callback["url"]
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    return parts is not None and parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


class CarrierError(Exception):
    def __init__(self, http_status, code, message):
        super().__init__(message)
        self.http_status, self.code, self.message = http_status, code, message


class Carrier:
    """The carrier's state: one SQLite connection behind one lock (one effect at a time)."""

    def __init__(self, db_path, callback_token):
        self.db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()
        self.faults = {"latency_ms": 0, "fail_status": 503, "fail_count": 0, "lose_response_count": 0,
                       "refuse_count": 0, "read_fail_count": 0, "callback_attempts": 40, "callback_interval_ms": 500}
        self.refuse_code = "service_unavailable"
        self.schedule = []     # [(status, after_ms)] applied to shipments booked from now on
        self.timers = []       # [(due_ms, shipment_id, status)]
        self.callbacks = CallbackQueue(self.lock, self.db, self.faults, callback_token)

    def take_fault(self, name):
        """Consumes one occurrence of a counted fault; True when it applies. The caller holds the lock."""
        if self.faults[name] > 0:
            self.faults[name] -= 1
            return True
        return False

    def idempotent(self, key, body, effect):
        """Runs effect() once per key; returns (http_status, answer, replayed)."""
        if not key:
            raise CarrierError(400, "idempotency_key_missing", "the Idempotency-Key header is required")
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self.lock:
            row = self.db.execute("SELECT * FROM idempotency WHERE key = ?", (key,)).fetchone()
            if row is not None:
                if row["request_hash"] != digest:
                    raise CarrierError(409, "idempotency_key_reused",
                                       "Idempotency-Key %s was used with another request" % key)
                self.db.execute("UPDATE idempotency SET uses = uses + 1 WHERE key = ?", (key,))
                return row["http_status"], json.loads(row["body"]), True
            self.db.execute("BEGIN")
            try:
                status, answer = effect()
            except CarrierError as error:
                self.db.execute("ROLLBACK")
                if error.http_status >= 500:
                    raise
                status, answer = error.http_status, {"error": {"code": error.code, "message": error.message}}
                self.db.execute("BEGIN")
            self.db.execute("INSERT INTO idempotency (key, request_hash, http_status, body) VALUES (?, ?, ?, ?)",
                            (key, digest, status, json.dumps(answer)))
            self.db.execute("COMMIT")
            return status, answer, False

    def record(self, operation, shipment_id, status, key=None, detail=None):
        self.db.execute("INSERT INTO ledger (operation, shipment_id, status, idempotency_key, detail, at_ms)"
                        " VALUES (?, ?, ?, ?, ?, ?)", (operation, shipment_id, status, key, detail, now_ms()))

    def shipment(self, shipment_id):
        row = self.db.execute("SELECT * FROM shipments WHERE id = ?", (shipment_id,)).fetchone()
        if row is None:
            raise CarrierError(404, "no_such_shipment", "no shipment %s" % shipment_id)
        answer = dict(row)
        for field in ("parcels", "destination", "callback"):
            answer[field] = json.loads(answer[field]) if answer[field] else None
        answer["events"] = [dict(e) for e in self.db.execute(
            "SELECT seq, status, detail, at_ms FROM events WHERE shipment_id = ? ORDER BY seq", (shipment_id,))]
        return answer

    def book(self, body, key):
        parcels, destination = body.get("parcels"), body.get("destination")
        if not isinstance(body.get("service"), str) or not body["service"]:
            raise CarrierError(400, "invalid_request", "service is required")
        if not isinstance(destination, dict) or not isinstance(destination.get("country"), str):
            raise CarrierError(400, "invalid_request", "destination.country is required")
        if not isinstance(parcels, list) or not parcels:
            raise CarrierError(400, "invalid_request", "parcels must be a non-empty list")
        for i, parcel in enumerate(parcels):
            weight = parcel.get("weight_g") if isinstance(parcel, dict) else None
            if not isinstance(weight, int) or weight <= 0:
                raise CarrierError(400, "invalid_request", "parcels[%d].weight_g must be a positive integer" % i)
            if weight > MAX_PARCEL_WEIGHT_G:
                raise CarrierError(422, "parcel_too_heavy", "parcels[%d] weighs %d g; the limit is %d g"
                                   % (i, weight, MAX_PARCEL_WEIGHT_G))
        callback = body.get("callback")
        if callback is not None and not valid_callback(callback):
            raise CarrierError(400, "invalid_request", "callback must be an object; callback.url, when given, "
                                                       "an absolute http(s) URL")
        if self.take_fault("refuse_count"):
            raise CarrierError(422, self.refuse_code, "the carrier refuses this booking (injected refusal)")
        shipment_id = "shp_" + uuid.uuid4().hex[:16]
        tracking = "SC" + str(uuid.uuid4().int)[:12]
        self.db.execute("INSERT INTO shipments (id, tracking_number, service, reference, status, parcels,"
                        " destination, callback, booked_at_ms) VALUES (?, ?, ?, ?, 'booked', ?, ?, ?, ?)",
                        (shipment_id, tracking, body["service"], body.get("reference"), json.dumps(parcels),
                         json.dumps(destination), json.dumps(callback) if callback else None, now_ms()))
        self.record("booking", shipment_id, "booked", key)
        for status, after_ms in self.schedule:
            self.timers.append((now_ms() + after_ms, shipment_id, status))
        return 201, self.shipment(shipment_id)

    def cancel(self, shipment_id, key):
        shipment = self.shipment(shipment_id)
        if shipment["status"] == "cancelled":
            return 200, shipment
        if shipment["picked_up_at_ms"] is not None:
            raise CarrierError(409, "already_picked_up", "shipment %s was picked up; it can no longer be cancelled"
                               % shipment_id)
        self.db.execute("UPDATE shipments SET status = 'cancelled' WHERE id = ?", (shipment_id,))
        self.record("cancellation", shipment_id, "cancelled", key)
        return 200, self.shipment(shipment_id)

    def advance(self, shipment_id, status, detail=None):
        """A tracking event: the shipment's new status, recorded, then posted to the host."""
        with self.lock:
            shipment = self.shipment(shipment_id)
            if status not in TRACKING_STATUSES:
                raise CarrierError(400, "invalid_status", "status must be one of " + ", ".join(TRACKING_STATUSES))
            if shipment["status"] in ("cancelled", "delivered"):
                raise CarrierError(409, "invalid_state", "shipment %s is %s" % (shipment_id, shipment["status"]))
            at, seq = now_ms(), len(shipment["events"]) + 1
            self.db.execute("INSERT INTO events (shipment_id, seq, status, detail, at_ms) VALUES (?, ?, ?, ?, ?)",
                            (shipment_id, seq, status, detail, at))
            self.db.execute("UPDATE shipments SET status = ?,"
                            " picked_up_at_ms = CASE WHEN ? AND picked_up_at_ms IS NULL THEN ? ELSE picked_up_at_ms END,"
                            " delivered_at_ms = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at_ms END WHERE id = ?",
                            (status, status in PICKED_UP, at, status, at, shipment_id))
            self.record("tracking", shipment_id, status, None, detail)
            callback = shipment["callback"]
            url = (callback or {}).get("url")
            if not url and callback and callback.get("base_url") and callback.get("order_id"):
                url = "%s/v1/orders/%s/signals/%s" % (callback["base_url"].rstrip("/"), callback["order_id"],
                                                      callback.get("signal") or "shipment_tracking")
            if url:
                payload = {"shipment_id": shipment_id, "tracking_number": shipment["tracking_number"],
                           "event": status, "seq": seq, "detail": detail, "at_ms": at}
                self.callbacks.add({"due_ms": at, "attempt": 0, "shipment_id": shipment_id, "event_seq": seq,
                                    "event": status, "url": url, "payload": payload})
            return 200, self.shipment(shipment_id)

    def tick_forever(self):
        """Applies due scheduled advances and sends due callbacks."""
        while True:
            with self.lock:
                now = now_ms()
                due_timers = [t for t in self.timers if t[0] <= now]
                self.timers = [t for t in self.timers if t[0] > now]
                due_callbacks = self.callbacks.take_due()
            for _, shipment_id, status in sorted(due_timers):
                try:
                    self.advance(shipment_id, status, "scheduled")
                except CarrierError as error:  # cancelled meanwhile: the schedule stops there
                    print("carrier: schedule %s: %s" % (shipment_id, error.message), file=sys.stderr, flush=True)
            self.callbacks.send(due_callbacks)  # does not wait for them (carrier_callbacks.py)
            time.sleep(0.05)

    def ledger(self):
        entries = [dict(r) for r in self.db.execute("SELECT * FROM ledger ORDER BY seq")]
        deliveries = [dict(r) for r in self.db.execute("SELECT * FROM deliveries ORDER BY seq")]
        return {"entries": entries, "deliveries": deliveries, "pending_callbacks": self.callbacks.pending(),
                "totals": dict(collections.Counter(e["operation"] for e in entries))}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    carrier = None  # set in main()

    def log_message(self, fmt, *args):
        sys.stderr.write("carrier: " + (fmt % args) + "\n")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            parsed = json.loads(self.rfile.read(length)) if length else {}
        except ValueError:
            raise CarrierError(400, "invalid_json", "the body is not JSON")
        if not isinstance(parsed, dict):
            raise CarrierError(400, "invalid_json", "the body must be a JSON object")
        return parsed

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        c = self.carrier
        try:
            body = self.body() if method == "POST" else {}
            path = self.path.partition("?")[0]
            if method == "GET":
                with c.lock:  # a shipment read fails like an unavailable carrier (the ledger never does)
                    failing = path.startswith("/v1/shipments/") and c.take_fault("read_fail_count")
                if failing:
                    raise CarrierError(c.faults["fail_status"] or 503, "carrier_unavailable", "injected failure")
                return self.read(path)
            if path.startswith("/admin/"):
                return self.admin(path, body)
            with c.lock:
                failing = c.take_fault("fail_count")
            if failing:
                raise CarrierError(c.faults["fail_status"] or 503, "carrier_unavailable", "injected failure")
            status, answer, replayed = self.effect(path, body, self.headers.get("Idempotency-Key"))
            with c.lock:
                losing = not replayed and c.take_fault("lose_response_count")
            if losing:
                self.close_connection = True  # the effect is recorded; the caller never hears of it
                return
            if c.faults["latency_ms"] > 0:
                time.sleep(c.faults["latency_ms"] / 1000.0)
            self.answer(status, answer)
        except CarrierError as error:
            self.answer(error.http_status, {"error": {"code": error.code, "message": error.message}})

    def effect(self, path, body, key):
        c = self.carrier
        if path == "/v1/shipments":
            return c.idempotent(key, body, lambda: c.book(body, key))
        match = re.fullmatch(r"/v1/shipments/([A-Za-z0-9_]+)/cancel", path)
        if match is None:
            raise CarrierError(404, "not_found", "no such endpoint: POST " + path)
        return c.idempotent(key, dict(body, path=path), lambda: c.cancel(match.group(1), key))

    def admin(self, path, body):
        c = self.carrier
        match = re.fullmatch(r"/admin/shipments/([A-Za-z0-9_]+)/advance", path)
        if match:
            return self.answer(*c.advance(match.group(1), body.get("status"), body.get("detail")))
        with c.lock:
            if path == "/admin/faults":
                for name in c.faults:
                    if name in body:
                        c.faults[name] = int(body[name])
                c.refuse_code = body.get("refuse_code", c.refuse_code)
                return self.answer(200, dict(c.faults, refuse_code=c.refuse_code))
            if path == "/admin/schedule":
                steps = body.get("steps")
                if not isinstance(steps, list) or any(s.get("status") not in TRACKING_STATUSES for s in steps):
                    raise CarrierError(400, "invalid_schedule", "steps: [{status, after_ms}] with a tracking status")
                c.schedule = [(s["status"], int(s.get("after_ms", 0))) for s in steps]
                return self.answer(200, {"steps": [{"status": s, "after_ms": a} for s, a in c.schedule]})
        raise CarrierError(404, "not_found", "no such endpoint: POST " + path)

    def read(self, path):
        c = self.carrier
        with c.lock:
            if path == "/v1/ledger":
                return self.answer(200, c.ledger())
            if path == "/v1/queue":  # cheap to poll, unlike the whole ledger
                return self.answer(200, {"pending_callbacks": c.callbacks.pending(), "scheduled_advances": len(c.timers)})
            match = re.fullmatch(r"/v1/shipments/([A-Za-z0-9_]+)", path)
            if match:
                return self.answer(200, c.shipment(match.group(1)))
            match = re.fullmatch(r"/v1/idempotency/(.+)", path)
            if match:
                row = c.db.execute("SELECT * FROM idempotency WHERE key = ?", (match.group(1),)).fetchone()
                if row is None:
                    raise CarrierError(404, "no_such_key", "key never used")
                return self.answer(200, {"key": row["key"], "uses": row["uses"], "http_status": row["http_status"],
                                         "body": json.loads(row["body"])})
            if path == "/health":
                return self.answer(200, {"status": "ok"})
        raise CarrierError(404, "not_found", "no such endpoint: GET " + path)


def parse_schedule(text):
    """"picked_up=500,delivered=2000" -> [("picked_up", 500), ("delivered", 2000)]"""
    steps = []
    for item in filter(None, text.split(",")):
        status, _, after = item.partition("=")
        if status not in TRACKING_STATUSES:
            raise SystemExit("carrier: --schedule: unknown status %r" % status)
        steps.append((status, int(after or 0)))
    return steps


def main():
    parser = argparse.ArgumentParser(description="Parcel carrier simulator (see docs/simulators.md)")
    parser.add_argument("--port", type=int, default=0, help="loopback port; 0 picks a free one")
    parser.add_argument("--db", default=":memory:", help="SQLite file of the carrier's ledger")
    parser.add_argument("--schedule", default="",
                        help="advance every new shipment by itself, e.g. picked_up=2000,in_transit=4000,delivered=8000 (ms after booking)")
    for flag, default in (("latency-ms", 0), ("fail-status", 503), ("fail-count", 0), ("lose-response-count", 0),
                          ("callback-attempts", 40), ("callback-interval-ms", 500)):
        parser.add_argument("--" + flag, type=int, default=default, help="see docs/simulators.md (default %d)" % default)
    parser.add_argument("--callback-token", default="", help="bearer token for the callbacks")
    args = parser.parse_args()

    carrier = Handler.carrier = Carrier(args.db, args.callback_token)
    carrier.schedule = parse_schedule(args.schedule)
    carrier.faults.update({name: getattr(args, name) for name in carrier.faults if hasattr(args, name)})
    threading.Thread(target=carrier.tick_forever, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    # Tests read this line to learn the port.
    print("carrier listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

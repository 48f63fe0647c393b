#!/usr/bin/env python3
"""A card payment gateway simulator: a separate process on loopback with its own ledger.

It plays the outside world for orderhost's payment plugin, so a test can prove what the
gateway saw (charged exactly once, voided, refunded). The JSON API is shaped like a real
gateway's (Stripe-like) and is documented in docs/simulators.md. Python 3 standard library
only (Debian's python3), because CI installs nothing from PyPI.

  POST /v1/authorizations              {amount_minor, currency, card_token, idempotency_key, metadata?}
  GET  /v1/authorizations/{id}
  GET  /v1/authorizations/{id}/refunds {refunds: [{id, amount_minor, currency, status, idempotency_key, at_ms}]}
  POST /v1/authorizations/{id}/capture {amount_minor?, idempotency_key}
  POST /v1/authorizations/{id}/void    {idempotency_key}
  POST /v1/authorizations/{id}/confirm {result: "succeeded"|"failed"}  (the customer's 3-D Secure answer)
  POST /v1/refunds                     {authorization_id, amount_minor, idempotency_key}
  POST /v1/technical_cancels           {authorization_key, idempotency_key}  (void by the authorize call's key)
  GET  /v1/ledger[?idempotency_key=K]  every effect with amounts, and totals
  GET  /v1/idempotency/{key}           how often a key was used, and its stored answer
  POST /admin/faults                   {latency_ms, fail_status, fail_count, lose_response_count, drop_count,
                                        skip_count, lookup_fail_count, refuse_refund_count, callback_url}

Card tokens: tok_decline_<code> is declined with gateway code <code>; tok_3ds needs the
customer's confirmation (requires_action); anything else starting with tok_ authorizes.
Idempotency: the same key with the same body answers the stored result without a second
effect, with the header Idempotent-Replayed: true (as Stripe does); refusals (4xx) are stored
and replayed too; the same key with another body answers 409 idempotency_key_reused.
Faults: fail_status answers 500/503 BEFORE any effect; lose_response records the effect and
then closes the connection without an answer; drop_count does the same to the next money
requests whether new or replayed (the network is down after the gateway acted); skip_count
lets that many money requests through untouched before fail_count and drop_count apply;
lookup_fail_count answers that many GET /v1/authorizations/{id} (and .../refunds) with 503;
refuse_refund_count refuses that many new refunds with 402 refund_refused (the issuer said no:
stored under the key like any refusal, so only a new key can ask again); latency_ms sleeps after the effect and before
the answer (so a host killed during the sleep finds the effect done when it retries).
"""
import argparse
import hashlib
import json
import re
import sqlite3
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCHEMA = """
CREATE TABLE IF NOT EXISTS authorizations (
  id TEXT PRIMARY KEY, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL,
  card_token TEXT NOT NULL, status TEXT NOT NULL, decline_code TEXT,
  captured_minor INTEGER NOT NULL DEFAULT 0, refunded_minor INTEGER NOT NULL DEFAULT 0,
  metadata TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS ledger (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, operation TEXT NOT NULL, authorization_id TEXT,
  amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, status TEXT NOT NULL,
  decline_code TEXT, idempotency_key TEXT NOT NULL, at_ms INTEGER NOT NULL, reference TEXT);
CREATE TABLE IF NOT EXISTS cancelled_keys (
  authorization_key TEXT PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, http_status INTEGER NOT NULL,
  body TEXT NOT NULL, uses INTEGER NOT NULL DEFAULT 1);
"""


class GatewayError(Exception):
    def __init__(self, http_status, code, message):
        super().__init__(message)
        self.http_status, self.code, self.message = http_status, code, message


class Gateway:
    """The gateway's state: one SQLite connection behind one lock (one effect at a time)."""

    def __init__(self, db_path, callback_url, callback_token):
        self.db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        if "reference" not in [c["name"] for c in self.db.execute("PRAGMA table_info(ledger)")]:
            self.db.execute("ALTER TABLE ledger ADD COLUMN reference TEXT")  # a ledger file of an older version
        self.lock = threading.Lock()
        self.faults = {"latency_ms": 0, "fail_status": 0, "fail_count": 0, "lose_response_count": 0, "drop_count": 0,
                       "skip_count": 0, "lookup_fail_count": 0, "refuse_refund_count": 0}
        self.callback_url, self.callback_token = callback_url, callback_token

    def take_fault(self, name):
        """Consumes one occurrence of a counted fault; True when it applies to this request."""
        with self.lock:
            return self.take_fault_locked(name)

    def take_fault_locked(self, name):
        """take_fault() for a caller that holds self.lock (an effect inside idempotent())."""
        if self.faults[name] > 0:
            self.faults[name] -= 1
            return True
        return False

    def idempotent(self, key, body, effect):
        """Runs effect() once per key; returns (http_status, answer, replayed)."""
        if not isinstance(key, str) or not key:
            raise GatewayError(400, "idempotency_key_missing", "idempotency_key is required")
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        with self.lock:
            row = self.db.execute("SELECT * FROM idempotency WHERE key = ?", (key,)).fetchone()
            if row is not None:
                if row["request_hash"] != digest:
                    raise GatewayError(409, "idempotency_key_reused",
                                       "idempotency_key %s was used with another request body" % key)
                self.db.execute("UPDATE idempotency SET uses = uses + 1 WHERE key = ?", (key,))
                return row["http_status"], json.loads(row["body"]), True
            self.db.execute("BEGIN")
            try:
                status, answer = effect()
            except GatewayError as error:
                self.db.execute("ROLLBACK")
                if error.http_status >= 500:
                    raise
                status, answer = error.http_status, {"error": {"code": error.code, "message": error.message}}
                self.db.execute("BEGIN")
            self.db.execute("INSERT INTO idempotency (key, request_hash, http_status, body) VALUES (?, ?, ?, ?)",
                            (key, digest, status, json.dumps(answer)))
            self.db.execute("COMMIT")
            return status, answer, False

    def record(self, operation, auth_id, amount, currency, status, key, decline_code=None, reference=None):
        self.db.execute("INSERT INTO ledger (operation, authorization_id, amount_minor, currency, status,"
                        " decline_code, idempotency_key, at_ms, reference) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (operation, auth_id, amount, currency, status, decline_code, key, int(time.time() * 1000),
                         reference))

    def authorization(self, auth_id):
        row = self.db.execute("SELECT * FROM authorizations WHERE id = ?", (auth_id,)).fetchone()
        if row is None:
            raise GatewayError(404, "no_such_authorization", "no authorization %s" % auth_id)
        answer = dict(row)
        answer["metadata"] = json.loads(answer["metadata"])
        return answer

    def authorize(self, body):
        amount, currency, token = body.get("amount_minor"), body.get("currency"), body.get("card_token")
        if not isinstance(amount, int) or amount <= 0 or not isinstance(currency, str) or not isinstance(token, str):
            raise GatewayError(400, "invalid_request", "amount_minor (positive integer), currency and card_token are required")
        if self.db.execute("SELECT 1 FROM cancelled_keys WHERE authorization_key = ?",
                           (body["idempotency_key"],)).fetchone() is not None:
            raise GatewayError(409, "authorization_cancelled",
                               "a technical cancel for idempotency_key %s came first" % body["idempotency_key"])
        auth_id = "auth_" + uuid.uuid4().hex[:20]
        status, code = "authorized", None
        if token.startswith("tok_decline_"):
            status, code = "declined", token[len("tok_decline_"):]
        elif token == "tok_3ds":
            status = "requires_action"
        self.db.execute("INSERT INTO authorizations (id, amount_minor, currency, card_token, status, decline_code, metadata)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (auth_id, amount, currency, token, status, code, json.dumps(body.get("metadata") or {})))
        self.record("authorization", auth_id, amount, currency, status, body["idempotency_key"], code)
        return (402 if status == "declined" else 201), self.authorization(auth_id)

    def capture(self, auth_id, body):
        auth = self.authorization(auth_id)
        amount = body.get("amount_minor", auth["amount_minor"])
        if auth["status"] != "authorized":
            raise GatewayError(409, "invalid_state", "authorization %s is %s, not authorized" % (auth_id, auth["status"]))
        if not isinstance(amount, int) or amount <= 0 or amount > auth["amount_minor"]:
            raise GatewayError(400, "invalid_amount", "capture amount must be 1..%d" % auth["amount_minor"])
        self.db.execute("UPDATE authorizations SET status = 'captured', captured_minor = ? WHERE id = ?", (amount, auth_id))
        self.record("capture", auth_id, amount, auth["currency"], "succeeded", body["idempotency_key"])
        return 200, self.authorization(auth_id)

    def void(self, auth_id, body):
        auth = self.authorization(auth_id)
        if auth["status"] not in ("authorized", "requires_action"):
            raise GatewayError(409, "invalid_state", "authorization %s is %s: only an uncaptured one can be voided"
                               % (auth_id, auth["status"]))
        self.db.execute("UPDATE authorizations SET status = 'voided' WHERE id = ?", (auth_id,))
        self.record("void", auth_id, auth["amount_minor"], auth["currency"], "succeeded", body["idempotency_key"])
        return 200, self.authorization(auth_id)

    def technical_cancel(self, body):
        """Voids whatever the authorize call with `authorization_key` did, for a caller that never
        learnt the authorization's id (its answer was lost). A key not seen yet is remembered, so
        an authorize request with it that arrives later (still in flight) is refused."""
        key = body.get("authorization_key")
        if not isinstance(key, str) or not key:
            raise GatewayError(400, "invalid_request", "authorization_key is required")
        row = self.db.execute("SELECT body FROM idempotency WHERE key = ?", (key,)).fetchone()
        auth_id = json.loads(row["body"]).get("id") if row is not None else None
        if auth_id is None:  # never authorized (or refused): nothing is held; refuse it from now on
            self.db.execute("INSERT OR IGNORE INTO cancelled_keys (authorization_key, at_ms) VALUES (?, ?)",
                            (key, int(time.time() * 1000)))
            return 200, {"authorization_key": key, "authorization_id": None, "status": "nothing_to_cancel"}
        auth = self.authorization(auth_id)
        if auth["status"] in ("authorized", "requires_action"):
            self.db.execute("UPDATE authorizations SET status = 'voided' WHERE id = ?", (auth_id,))
            self.record("void", auth_id, auth["amount_minor"], auth["currency"], "succeeded", body["idempotency_key"])
        elif auth["status"] not in ("voided", "declined"):
            raise GatewayError(409, "invalid_state", "authorization %s is %s: a captured one is refunded, not cancelled"
                               % (auth_id, auth["status"]))
        return 200, dict(self.authorization(auth_id), authorization_key=key)

    def refund(self, body, refuse=False):
        if refuse:
            raise GatewayError(402, "refund_refused", "the issuer refused the refund (injected)")
        auth = self.authorization(body.get("authorization_id"))
        amount = body.get("amount_minor")
        left = auth["captured_minor"] - auth["refunded_minor"]
        if auth["status"] not in ("captured", "refunded"):
            raise GatewayError(409, "invalid_state", "authorization %s is %s, not captured" % (auth["id"], auth["status"]))
        if not isinstance(amount, int) or amount <= 0 or amount > left:
            raise GatewayError(400, "invalid_amount", "refund amount must be 1..%d" % left)
        status = "refunded" if amount == left else "captured"
        self.db.execute("UPDATE authorizations SET refunded_minor = refunded_minor + ?, status = ? WHERE id = ?",
                        (amount, status, auth["id"]))
        refund_id = "re_" + uuid.uuid4().hex[:20]
        self.record("refund", auth["id"], amount, auth["currency"], "succeeded", body["idempotency_key"],
                    reference=refund_id)
        return 201, {"id": refund_id, "authorization_id": auth["id"], "amount_minor": amount,
                     "currency": auth["currency"], "status": "succeeded"}

    def confirm(self, auth_id, body):
        """The customer answered the 3-D Secure challenge; then the callback (if configured) fires."""
        with self.lock:
            auth = self.authorization(auth_id)
            if auth["status"] != "requires_action":
                raise GatewayError(409, "invalid_state", "authorization %s is %s" % (auth_id, auth["status"]))
            status = "authorized" if body.get("result", "succeeded") == "succeeded" else "declined"
            code = None if status == "authorized" else "authentication_failed"
            self.db.execute("UPDATE authorizations SET status = ?, decline_code = ? WHERE id = ?", (status, code, auth_id))
            self.record("confirmation", auth_id, auth["amount_minor"], auth["currency"], status, "confirm:" + auth_id, code)
            auth = self.authorization(auth_id)
        if self.callback_url:
            self.post_callback(auth)
        return 200, auth

    def post_callback(self, auth):
        url = self.callback_url.replace("{order_id}", str(auth["metadata"].get("order_id", "")))
        payload = json.dumps({"authorization_id": auth["id"], "status": auth["status"],
                              "decline_code": auth["decline_code"]}).encode()
        request = urllib.request.Request(url, data=payload, method="POST", headers={"Content-Type": "application/json"})
        if self.callback_token:
            request.add_header("Authorization", "Bearer " + self.callback_token)
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except Exception as error:  # the host may answer 409 to a repeated callback: log and go on
            print("payment_gateway: callback to %s: %s" % (url, error), file=sys.stderr, flush=True)

    def ledger(self, key=None):
        where, args = ("WHERE idempotency_key = ?", (key,)) if key else ("", ())
        entries = [dict(r) for r in self.db.execute("SELECT * FROM ledger %s ORDER BY seq" % where, args)]
        totals = {}
        for e in entries:
            if e["status"] in ("authorized", "succeeded", "requires_action"):
                totals[e["operation"]] = totals.get(e["operation"], 0) + e["amount_minor"]
        net = totals.get("capture", 0) - totals.get("refund", 0)
        held = [r["id"] for r in self.db.execute(
            "SELECT id FROM authorizations WHERE status IN ('authorized', 'requires_action') ORDER BY id")]
        return {"entries": entries, "totals": totals, "net_captured_minor": net, "open_authorizations": held}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    gateway = None  # set in main()

    def log_message(self, fmt, *args):
        sys.stderr.write("payment_gateway: " + (fmt % args) + "\n")

    def answer(self, status, body, replayed=False):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if replayed:
            self.send_header("Idempotent-Replayed", "true")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length == 0:
            return {}
        try:
            parsed = json.loads(self.rfile.read(length))
        except ValueError:
            raise GatewayError(400, "invalid_json", "the body is not JSON")
        if not isinstance(parsed, dict):
            raise GatewayError(400, "invalid_json", "the body must be a JSON object")
        return parsed

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        g = self.gateway
        try:
            body = self.body() if method == "POST" else {}
            path, _, query = self.path.partition("?")
            if method == "POST" and path == "/admin/faults":
                with g.lock:
                    for name in g.faults:
                        if name in body:
                            g.faults[name] = int(body[name])
                    g.callback_url = body.get("callback_url", g.callback_url)
                    return self.answer(200, dict(g.faults, callback_url=g.callback_url))
            if method == "GET":
                return self.read(path, query)
            skipped = g.take_fault("skip_count")  # answered normally: the faults start after it
            if not skipped and g.take_fault("fail_count"):
                raise GatewayError(g.faults["fail_status"] or 503, "gateway_unavailable", "injected failure")
            status, answer, replayed = self.effect(path, body)
            if not skipped and g.take_fault("drop_count"):
                self.close_connection = True  # done or replayed, but the answer never leaves
                return
            if not replayed and g.take_fault("lose_response_count"):
                self.close_connection = True  # the effect is recorded; the caller never hears of it
                return
            if g.faults["latency_ms"] > 0:
                time.sleep(g.faults["latency_ms"] / 1000.0)
            self.answer(status, answer, replayed)
        except GatewayError as error:
            self.answer(error.http_status, {"error": {"code": error.code, "message": error.message}})

    def effect(self, path, body):
        g = self.gateway
        key = body.get("idempotency_key")
        if path == "/v1/authorizations":
            return g.idempotent(key, body, lambda: g.authorize(body))
        if path == "/v1/refunds":
            return g.idempotent(key, body, lambda: g.refund(body, refuse=g.take_fault_locked("refuse_refund_count")))
        if path == "/v1/technical_cancels":
            return g.idempotent(key, body, lambda: g.technical_cancel(body))
        match = re.fullmatch(r"/v1/authorizations/([A-Za-z0-9_]+)/(capture|void|confirm)", path)
        if match is None:
            raise GatewayError(404, "not_found", "no such endpoint: POST " + path)
        auth_id, action = match.groups()
        if action == "confirm":
            status, answer = g.confirm(auth_id, body)
            return status, answer, False
        run = g.capture if action == "capture" else g.void
        return g.idempotent(key, dict(body, path=path), lambda: run(auth_id, body))

    def read(self, path, query):
        g = self.gateway
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        if path.startswith("/v1/authorizations/") and g.take_fault("lookup_fail_count"):  # takes the lock itself
            raise GatewayError(503, "gateway_unavailable", "injected lookup failure")
        with g.lock:
            if path == "/v1/ledger":
                return self.answer(200, g.ledger(params.get("idempotency_key")))
            match = re.fullmatch(r"/v1/authorizations/([A-Za-z0-9_]+)", path)
            if match:
                return self.answer(200, g.authorization(match.group(1)))
            match = re.fullmatch(r"/v1/authorizations/([A-Za-z0-9_]+)/refunds", path)
            if match:  # the refunds made, with their keys (a real gateway: the charge's refunds and metadata)
                auth = g.authorization(match.group(1))
                rows = g.db.execute("SELECT reference AS id, amount_minor, currency, status, idempotency_key, at_ms"
                                    " FROM ledger"
                                    " WHERE operation = 'refund'"
                                    " AND authorization_id = ? ORDER BY seq", (auth["id"],)).fetchall()
                return self.answer(200, {"refunds": [dict(row) for row in rows]})
            match = re.fullmatch(r"/v1/idempotency/(.+)", path)
            if match:
                row = g.db.execute("SELECT * FROM idempotency WHERE key = ?", (match.group(1),)).fetchone()
                if row is None:
                    raise GatewayError(404, "no_such_key", "key never used")
                return self.answer(200, {"key": row["key"], "uses": row["uses"], "http_status": row["http_status"],
                                         "body": json.loads(row["body"])})
            if path == "/health":
                return self.answer(200, {"status": "ok"})
        raise GatewayError(404, "not_found", "no such endpoint: GET " + path)


def main():
    parser = argparse.ArgumentParser(description="Card payment gateway simulator (see docs/simulators.md)")
    parser.add_argument("--port", type=int, default=0, help="loopback port; 0 picks a free one")
    parser.add_argument("--db", default=":memory:", help="SQLite file of the gateway's ledger")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--fail-status", type=int, default=503, help="status of injected failures (500 or 503)")
    parser.add_argument("--fail-count", type=int, default=0, help="answer that many effect requests with --fail-status")
    parser.add_argument("--lose-response-count", type=int, default=0,
                        help="record that many effects, then close the connection without an answer")
    parser.add_argument("--drop-count", type=int, default=0,
                        help="answer that many money requests (new or replayed) with a closed connection after the effect")
    parser.add_argument("--callback-url", default="",
                        help="POSTed after a 3-D Secure confirmation; {order_id} is the authorization's metadata.order_id")
    parser.add_argument("--callback-token", default="", help="bearer token for the callback")
    args = parser.parse_args()

    Handler.gateway = Gateway(args.db, args.callback_url, args.callback_token)
    Handler.gateway.faults.update(latency_ms=args.latency_ms, fail_status=args.fail_status,
                                  fail_count=args.fail_count, lose_response_count=args.lose_response_count,
                                  drop_count=args.drop_count)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    # Tests read this line to learn the port.
    print("payment_gateway listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Chaos run: many orders over HTTP while the host is SIGKILLed again and again, then a
reconciliation of everything the orders touched. Called by scripts/chaos.sh (which builds and
starts PostgreSQL); figures go to docs/reliability.md.

What it does, per backend:
  1. a fresh database (a new SQLite file, or a new PostgreSQL database on the test cluster),
     the real chains of config/chains/ with the simulators' URLs pointed at their own ports,
     the payment gateway simulator (and the others when present) as their own processes;
  2. CLIENTS threads post ORDERS orders (a mix of invoiced and card-paid, a few over the
     credit limit) and cancel some of them; each request that gets no answer is sent again
     with the same body, as an ERP would (order_ref makes the placement idempotent);
  3. a killer SIGKILLs the host KILLS times at random moments and restarts it at once;
  4. when every order has been posted, the host runs on until no order is mid-chain;
  5. reconciliation (scripts/chaos_checks.py): every posted order stored once, none stuck,
     invoice and credit-note numbers gapless, invoices of undone orders credited, the gateway's
     ledger equal to what the orders say was captured, each authorization once, stock equal to
     its ledger and its allocations, no reservation left by an undone order.
With --chain place-custom every 4th order also has a made-to-order line (TABLE-OAK, every 12th
two), and a factory thread plays the ERP's factory: it reports the work orders of the orders
waiting for work_order_progress (some first in progress, every 10th custom order's first one
failed), repeats some of its signals on purpose, and the checks add the work orders (one per
custom line, numbered WO-000001... without a gap, none left open on an undone order, each
work_order.* event once).
Unless --no-returns, a returns desk (scripts/chaos_returns.py) returns every 6th order once it
completed, SIGKILLs or not: a refused over-quantity return first on every 5th of those, then half
its bolts (one damaged on every 4th), the rest in a second partial return on every 2nd; it sends
the goods when the order waits for them. The checks add: each return ended as planned, one RMA
per return (gapless numbers), the goods restocked or quarantined once where the order shipped
from, one credit note per return crediting what came back, refunds equal to those notes, and
every customer's receivables = invoiced - credited - paid.
Exit status 0 when every check holds, 1 otherwise (the failed checks are printed).
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaos_checks  # noqa: E402
from chaos_factory import Factory  # noqa: E402
from chaos_orders import MTO_CUSTOMERS, order_body  # noqa: E402
from chaos_returns import Returner, check_returns  # noqa: E402
from chaos_simulators import Simulator, SmtpSink  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNING_STATES = ("received", "in_progress", "compensating", "retry_wait")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Host:
    def __init__(self, folder, config):
        self.folder, self.config = folder, config
        self.process = None
        self.port = free_port()
        self.kills = 0

    def start(self):
        with open(os.path.join(self.folder, "orderhost.properties"), "w") as f:
            f.write(self.config.replace("@PORT@", str(self.port)))
        self.log = open(os.path.join(self.folder, "host.log"), "a")
        self.process = subprocess.Popen([os.path.join(ROOT, "build/host/app/orderhost"), "--config",
                                         os.path.join(self.folder, "orderhost.properties")],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.request("GET", "/v1/health")[0] in (200, 503):
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"host exited with {self.process.returncode}: see {self.folder}/host.log")
            time.sleep(0.05)
        raise RuntimeError("host did not become healthy within 60 s")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.kills += 1

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)

    def request(self, method, path, body=None, timeout=60, headers=None, reply_headers=None):
        """(status, body); the reply's headers into `reply_headers` (a dict) when given."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = {"Content-Type": "application/json"} if body is not None else {}
            sent.update(headers or {})
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=sent)
            reply = connection.getresponse()
            data = reply.read()
            if reply_headers is not None:
                reply_headers.update({k.lower(): v for k, v in reply.getheaders()})
            return reply.status, data
        finally:
            connection.close()


def write_chains(chains, simulators, host_port):
    """config/chains/ into `chains`, pointed at this run's simulators and host."""
    shutil.copytree(os.path.join(ROOT, "config/chains"), chains)
    replacements = {"http://127.0.0.1:9100": simulators["payment"].url,
                    "http://127.0.0.1:8080": f"http://127.0.0.1:{host_port}",
                    "templates_dir: config/templates": f"templates_dir: {ROOT}/config/templates"}
    if "carrier" in simulators:
        replacements["http://127.0.0.1:9200"] = simulators["carrier"].url
        replacements["port: 2525"] = f"port: {simulators['smtp'].smtp_port}"
    for name in os.listdir(chains):
        path = os.path.join(chains, name)
        text = open(path).read()
        for demo, real in replacements.items():
            text = text.replace(demo, real)
        # A thousand times the demo's stock, so that most orders find stock and run every step.
        text = re.sub(r"on_hand: (\d+)", lambda m: f"on_hand: {int(m.group(1)) * 1000}", text)
        if name == "place-custom.yaml":
            # A table alone (890.00) is over the default limit (500.00): the made-to-order
            # customers get 1,000,000.00 each, so that their orders reach the factory.
            limits = "".join(f"        {customer}: 100000000\n" for customer in MTO_CUSTOMERS)
            text, found = re.subn(r"(\n\s*limits:[^\n]*\n)", lambda m: m.group(1) + limits, text, count=1)
            if not found:
                raise RuntimeError("place-custom.yaml: no credit 'limits:' to add the chaos customers to")
        open(path, "w").write(text)


class Answers:
    """What the clients got, by status ('down' = no answer), and during an outage separately."""

    def __init__(self):
        self.lock = threading.Lock()
        self.outage = False
        self.counts, self.during_outage = {}, {}
        self.slowest_during_outage = 0.0

    def record(self, status, seconds):
        with self.lock:
            key = str(status) if status else "down"
            self.counts[key] = self.counts.get(key, 0) + 1
            if self.outage:
                self.during_outage[key] = self.during_outage.get(key, 0) + 1
                self.slowest_during_outage = max(self.slowest_during_outage, seconds)


def run_outage(args, answers, posted):
    """Stops PostgreSQL for --outage-s seconds once a third of the orders are in."""
    while len(posted) < args.orders // 3:
        time.sleep(0.1)
    cluster = os.path.join(ROOT, "scripts/pg-test-cluster.sh")
    subprocess.run([cluster, "pause"], check=True)
    answers.outage = True
    started = time.time()
    time.sleep(args.outage_s)
    answers.outage = False
    subprocess.run([cluster, "resume"], check=True)
    print(f"outage: PostgreSQL stopped for {time.time() - started:.1f} s; answers meanwhile: {answers.during_outage}, "
          f"slowest {answers.slowest_during_outage:.1f} s", flush=True)


def run_clients(host, args, rng, posted, cancels, stop_time, answers):
    """Posts every order (resending until answered) and cancels every 10th one afterwards."""
    queue = list(range(args.orders))
    lock = threading.Lock()

    def send(method, path, body):
        conflicts = 0
        while time.time() < stop_time:
            sent = time.time()
            try:
                status, reply = host.request(method, path, body)
                answers.record(status, time.time() - sent)
            # The host is down (killed), or was killed while it answered (a reply cut short:
            # IncompleteRead, BadStatusLine): send the same request again.
            except (OSError, http.client.HTTPException):
                answers.record(None, time.time() - sent)
                time.sleep(0.1)
                continue
            if status in (500, 503, 429):
                time.sleep(0.2)  # full, or the database is away: ask again
                continue
            if status == 409 and path.endswith("/cancel") and b"stops soon" in reply and conflicts < 100:
                conflicts += 1  # the order is running right now: ask again when it stopped
                time.sleep(0.2)
                continue
            return status, reply
        return None, b""

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                n = queue.pop(0)
            body = order_body(n, rng, args.chain)
            status, reply = send("POST", "/v1/orders", body)
            if status not in (200, 201):
                print(f"order {n}: placement answered {status}: {reply[:200]!r}", file=sys.stderr)
                continue
            order_id = json.loads(reply)["id"]
            with lock:
                posted[body["order_ref"]] = order_id
            if n % 10 == 4:
                status, reply = send("POST", f"/v1/orders/{order_id}/cancel", {"reason": "chaos"})
                with lock:
                    cancels[order_id] = status

    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    for t in threads:
        t.start()
    return threads


def settle(host, db, timeout_s, carrier=None, returner=None):
    """Waits until no order is mid-chain (the host recovers and finishes them) and, with a
    carrier, until its schedule has advanced every shipment (picked up and delivered every one
    not cancelled) and no order waits for a tracking callback any more. Callbacks still being
    retried then are for orders that are not waiting yet or hold for another signal (a finished
    order answers 202, as the shipping plugin's callback URL asks): they prove nothing here."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        rows = db.query("SELECT count(*) FROM orders WHERE state IN ('received','in_progress','compensating','retry_wait')"
                        " OR (state = 'on_hold' AND awaiting_signal = 'shipment_tracking')")
        if int(rows[0][0]) == 0 and (carrier is None or carrier.get("/v1/queue")["scheduled_advances"] == 0) \
                and (returner is None or not returner.busy()):
            return True
        time.sleep(0.5)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--chain", choices=["place-order", "place-goods", "place-custom"], default="place-order",
                        help="place-goods: also the carrier (picking up and delivering by its own schedule) "
                             "and the SMTP listener; place-custom: the same, custom lines on every 4th order "
                             "and a factory thread that reports their work orders")
    parser.add_argument("--no-returns", dest="returns", action="store_false",
                        help="no returns desk (scripts/chaos_returns.py)")
    parser.add_argument("--outage-s", type=int, default=0,
                        help="postgres: also stop the database server for this many seconds mid-run")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = tempfile.mkdtemp(prefix=f"orderhost-chaos-{args.backend}-")
    simulators = {"payment": Simulator("payment_gateway.py", folder, ["--db", os.path.join(folder, "gateway.db")])}
    if args.chain in ("place-goods", "place-custom"):  # picked up and delivered by the carrier's own schedule
        simulators["carrier"] = Simulator("carrier.py", folder, [
            "--db", os.path.join(folder, "carrier.db"), "--callback-interval-ms", "200",
            "--schedule", "picked_up=300,in_transit=600,delivered=900"])
        simulators["smtp"] = SmtpSink(folder)
    db = chaos_checks.Database.create(args.backend, folder)
    chains = os.path.join(folder, "chains")
    config = "\n".join([
        "http.address = 127.0.0.1", "http.port = @PORT@", "http.max_threads = 32",
        f"database.connection = {db.connection}", "database.pool_size = 16",
        f"plugins.folders = {ROOT}/build/plugins", f"chains.folder = {chains}", "chains.default = place-order",
        "engine.retry_poll_ms = 100", "engine.host_id = chaos", "log.level = warning", ""])
    host = Host(folder, config)
    write_chains(chains, simulators, host.port)
    host.start()
    posted, cancels = {}, {}
    started = time.time()
    stop_time = started + 3600
    answers = Answers()
    threads = run_clients(host, args, rng, posted, cancels, stop_time, answers)
    factory = None
    if args.chain == "place-custom":
        factory = Factory(host, args.seed + 1)
        factory.thread.start()
    returner = Returner(host, posted) if args.returns else None
    if returner is not None:
        returner.thread.start()
    if args.outage_s and args.backend == "postgres":
        outage = threading.Thread(target=run_outage, args=(args, answers, posted))
        outage.start()
        threads.append(outage)
    # Kills spread over the time the clients are expected to take (re-estimated as they go).
    while any(t.is_alive() for t in threads):
        done = len(posted)
        elapsed = time.time() - started
        remaining = (args.orders - done) * (elapsed / max(done, 1))
        left = args.kills - host.kills
        if left > 0 and done > 0:
            time.sleep(rng.uniform(0.2, 1.8) * min(remaining / left, 10.0))
            if any(t.is_alive() for t in threads):
                host.kill()
                host.start()
        else:
            time.sleep(0.2)
    while host.kills < args.kills:  # the clients were faster than planned: kill the rest now
        host.kill()
        host.start()
        time.sleep(rng.uniform(0.05, 0.3))
    settled = settle(host, db, 300, simulators.get("carrier"), returner)
    elapsed = time.time() - started
    for desk in (factory, returner):
        if desk is not None:
            desk.stop.set()
            desk.thread.join(90)
    failures = chaos_checks.run_all(db, posted, cancels, simulators, args)
    if returner is not None:
        failures += check_returns(db, chaos_checks.documents(db), returner)
    if not settled:
        failures.insert(0, "orders still mid-chain (or waiting for the carrier's tracking, the factory or the "
                           "returns desk) 300 s after the last order was posted")
    if factory is not None:
        failures += [f"factory: {e}" for e in factory.errors]
    host.stop()
    for simulator in simulators.values():
        simulator.stop()
    states = db.query("SELECT state, count(*) FROM orders GROUP BY state ORDER BY state")
    print(f"chaos {args.backend}: {len(posted)} orders, {len(cancels)} cancel requests, {host.kills} SIGKILLs, "
          f"{elapsed:.0f} s; states: " + ", ".join(f"{s} {c}" for s, c in states) + f"; answers: {answers.counts}")
    if factory is not None:
        print(f"factory signals: {dict(sorted(factory.stats.items()))}")
    if returner is not None:
        print(f"returns desk: {len(returner.plans)} orders, requests {dict(sorted(returner.stats.items()))}")
    if "carrier" in simulators:  # every callback try, by the host's answer and the carrier's outcome
        with sqlite3.connect(os.path.join(folder, "carrier.db")) as ledger:
            tries = ledger.execute("SELECT http_status, outcome, count(*) FROM deliveries GROUP BY 1, 2").fetchall()
        print("carrier callback tries: " + ", ".join(f"{status} {outcome} {n}" for status, outcome, n in tries))
    for failure in failures:
        print(f"  FAILED: {failure}")
    print(f"chaos {args.backend}: {'all checks hold' if not failures else f'{len(failures)} check(s) failed'}"
          f" (work folder {folder}{'' if args.keep or failures else ', removed'})")
    db.drop()
    if not failures and not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

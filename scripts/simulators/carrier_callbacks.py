"""The carrier simulator's webhook sender: tracking events POSTed to the host (carrier.py).

As a real carrier's webhooks do, an answer other than 2xx (a 409 while the order does not wait
for the signal, a 5xx, no answer) is tried again: after callback_interval_ms, doubling per try up
to 8 times that, at most callback_attempts times, each try recorded in `deliveries`. Different
shipments' callbacks go out in parallel, one shipment's in order, and the tick loop does not wait
for them (a schedule waiting on a slow host fell 19 s behind in a chaos run).
"""
import concurrent.futures
import json
import sys
import time
import urllib.error
import urllib.request


def now_ms():
    return int(time.time() * 1000)


class CallbackQueue:
    def __init__(self, lock, db, faults, token):
        self.lock, self.db, self.faults, self.token = lock, db, faults, token
        self.outbox = []       # [{due_ms, attempt, shipment_id, event_seq, event, url, payload}]
        self.sending = set()   # shipments whose callbacks are being sent: their next ones wait
        self.in_flight = 0     # callbacks taken from the outbox and not yet tried
        self.senders = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="callback")

    def add(self, item):
        """Queues a first try now. The caller holds the lock."""
        self.outbox.append(item)

    def pending(self):
        """Callbacks still to be tried (queued or being sent). The caller holds the lock."""
        return len(self.outbox) + self.in_flight

    def take_due(self):
        """The due callbacks by shipment, marked as being sent. The caller holds the lock."""
        now = now_ms()
        ready = [i for i in self.outbox if i["due_ms"] <= now and i["shipment_id"] not in self.sending]
        self.outbox = [i for i in self.outbox if not (i["due_ms"] <= now and i["shipment_id"] not in self.sending)]
        by_shipment = {}
        for item in sorted(ready, key=lambda i: i["due_ms"]):
            by_shipment.setdefault(item["shipment_id"], []).append(item)
        self.sending.update(by_shipment)
        self.in_flight += len(ready)
        return by_shipment

    def send(self, by_shipment):
        """Sends each shipment's callbacks in order on the pool; returns at once."""
        for items in by_shipment.values():
            self.senders.submit(self.send_in_order, items)

    def send_in_order(self, items):
        try:
            for item in items:
                try:
                    self.deliver(item)
                except Exception as error:  # a ledger write failed: say so, and go on with the next
                    print("carrier: callback %s: %r" % (item["url"], error), file=sys.stderr, flush=True)
                finally:
                    with self.lock:
                        self.in_flight -= 1
        finally:
            with self.lock:
                self.sending.discard(items[0]["shipment_id"])

    def deliver(self, item):
        """One try of a callback, outside the lock (the host asks the carrier back meanwhile)."""
        item["attempt"] += 1
        request = urllib.request.Request(item["url"], data=json.dumps(item["payload"]).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            status = error.code
        except Exception as error:  # connection refused, timeout: the host is away, try later
            print("carrier: callback %s: %s" % (item["url"], error), file=sys.stderr, flush=True)
            status = None
        retryable = status is None or status == 409 or status >= 500
        with self.lock:
            if 200 <= (status or 0) < 300:
                outcome = "delivered"
            elif retryable and item["attempt"] < self.faults["callback_attempts"]:
                outcome = "retry"
                backoff = min(2 ** (item["attempt"] - 1), 8)
                item["due_ms"] = now_ms() + self.faults["callback_interval_ms"] * backoff
                self.outbox.append(item)
            else:
                outcome = "gave_up"
            self.db.execute("INSERT INTO deliveries (shipment_id, event_seq, event, url, attempt, http_status,"
                            " outcome, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            (item["shipment_id"], item["event_seq"], item["event"], item["url"], item["attempt"],
                             status, outcome, now_ms()))

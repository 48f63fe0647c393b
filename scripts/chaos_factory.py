"""The ERP's factory for scripts/chaos.py --chain place-custom: a thread that reports the work
orders of the orders waiting for work_order_progress, as an ERP would (see Factory below)."""
import json
import random
import time
import urllib.parse

from chaos_desk import Desk


def factory_fails(order_ref):
    """The factory reports the first work order of every 10th custom order failed."""
    return int(order_ref.rsplit("-", 1)[1]) % 40 == 20


class Factory(Desk):
    """The ERP's factory on place-custom, as a thread. Each round it lists the orders on hold on
    place-custom (GET /v1/orders?state=on_hold&chain=place-custom, page by page), reads those it
    has not seen waiting for another signal (GET /v1/orders/{id}), and for each one that waits
    for work_order_progress reports its open work orders (their numbers from the document's
    /manufacturing/work_orders, as tests/e2e/ComposedChainsE2ETest.cpp does) one after the
    other: every 3rd order's first "in_progress" with a part done, then "completed"; every 10th
    custom order's first work order "failed" (factory_fails). It waits a random 0-1 s after
    the order began waiting, so that the clients' cancels meet some orders while they wait.

    Signals carry an Idempotency-Key of (order, work order, status, the host's life): a repeat
    within one life is replayed; after a SIGKILL a new key, because a key whose request was cut
    by the kill stays held for 5 minutes (docs/api.md) and the order's document says anew what
    is still open. Every 5th completed work order is repeated on purpose, with the same key
    (expected: replayed) and with a new one (expected: 409, the order moved on, or 200 with
    /manufacturing/last_signal_error and nothing changed): the checks then prove that neither
    made anything twice. No answer, a cut reply, 5xx, 429 or 409: ask again in a later round."""

    SIGNAL = "work_order_progress"

    def __init__(self, host, seed):
        super().__init__(host, "factory", 0.3)
        self.rng = random.Random(seed)
        self.seen_elsewhere = {}  # order id -> updated_at when it waited for another signal
        self.delay_ms = {}

    def waiting(self):
        """Summaries of the orders on hold on place-custom (None when the host did not answer)."""
        out, cursor = [], None
        while True:
            path = "/v1/orders?state=on_hold&chain=place-custom&limit=500"
            if cursor:
                path += "&cursor=" + urllib.parse.quote(cursor, safe="")
            status, reply = self.host.request("GET", path, timeout=30)
            if status != 200:
                self.count(f"search {status}")
                return None
            page = json.loads(reply)
            out += page["orders"]
            cursor = page.get("next_cursor")
            if not cursor:
                return out

    def round(self):
        for summary in self.waiting() or []:
            if self.stop.is_set():
                return
            order_id, updated = summary["id"], int(summary["updated_at"])
            if self.seen_elsewhere.get(order_id) == updated:
                continue
            delay = self.delay_ms.setdefault(order_id, self.rng.randint(0, 1000))
            if time.time() * 1000 - updated < delay:
                continue
            status, reply = self.host.request("GET", f"/v1/orders/{order_id}", timeout=30)
            if status != 200:
                self.count(f"read {status}")
                continue
            view = json.loads(reply)
            if view.get("state") == "on_hold" and view.get("awaiting_signal") != self.SIGNAL:
                self.seen_elsewhere[order_id] = int(view["updated_at"])  # credit approval, manual action
                continue
            self.work(view)

    def signal(self, order_id, body, key):
        headers = {}
        status, reply = self.host.request("POST", f"/v1/orders/{order_id}/signals/{self.SIGNAL}", body,
                                          headers={"Idempotency-Key": key}, reply_headers=headers)
        replayed = headers.get("idempotent-replayed") == "true"
        return status, (json.loads(reply) if status == 200 else reply), replayed

    def work(self, view):
        """Reports the open work orders of one waiting order, one signal at a time: each 200 is
        the order after its chain ran on (waiting for the next work order, or moved on)."""
        order_id = view["id"]
        for _ in range(8):
            if view.get("state") != "on_hold" or view.get("awaiting_signal") != self.SIGNAL:
                return
            document = view.get("document") or {}
            work_orders = (document.get("manufacturing") or {}).get("work_orders") or []
            open_ones = [w for w in work_orders if w.get("status") in ("open", "in_progress")]
            if not open_ones:
                self.error(f"order {order_id} waits for {self.SIGNAL} without an open work order: "
                           f"{document.get('manufacturing')}")
                return
            w = open_ones[0]
            ref = document.get("order_ref", "CHAOS-0")
            if factory_fails(ref):
                body = {"work_order": w["work_order"], "status": "failed", "quantity_done": 0}
            elif w["status"] == "open" and int(ref.rsplit("-", 1)[1]) % 3 == 0:
                body = {"work_order": w["work_order"], "status": "in_progress", "quantity_done": w["quantity"] - 1}
            else:
                body = {"work_order": w["work_order"], "status": "completed", "quantity_done": w["quantity"]}
            key = f"chaos-factory/{order_id}/{w['work_order']}/{body['status']}/life-{self.host.kills}"
            status, reply, replayed = self.signal(order_id, body, key)
            self.count(f"{body['status']} {status}{' replayed' if replayed else ''}")
            if status != 200:
                if status not in (409, 429, 500, 503):
                    self.error(f"order {order_id}: {body} answered {status}: {reply[:200]!r}")
                return  # 409: it runs or no longer waits; 5xx: later
            refused = ((reply.get("document") or {}).get("manufacturing") or {}).get("last_signal_error")
            if refused and not replayed:
                # A repeat after a kill (the first one was applied, its reply lost) is refused
                # as "already completed": expected. Anything else is not.
                if "is already" not in refused:
                    self.error(f"order {order_id}: {body} refused: {refused}")
                self.count("refused (already applied)")
            if body["status"] == "completed" and int(w["work_order"][-6:]) % 5 == 0:
                self.repeat(order_id, body, key)
            view = reply

    def repeat(self, order_id, body, key):
        status, reply, replayed = self.signal(order_id, body, key)
        self.count(f"repeat same key {status}{' replayed' if replayed else ''}")
        if status == 200 and not replayed and key.endswith(f"life-{self.host.kills}"):
            self.error(f"order {order_id}: a repeat with key {key} ran again instead of being replayed")
        status, reply, replayed = self.signal(order_id, body, key + "/again")
        self.count(f"repeat new key {status}")
        if status == 200:
            refused = ((reply.get("document") or {}).get("manufacturing") or {}).get("last_signal_error") or ""
            if "is already completed" not in refused:
                self.error(f"order {order_id}: a repeated {body} was not refused: {refused!r}")

"""The ERP's returns desk for scripts/chaos.py: returns of completed orders while the host is
SIGKILLed, and the checks that every return ended once, with its goods, credit notes and
refunds each counted once (see Returner and check_returns below)."""
import json

from chaos_desk import Desk

SIGNAL = "goods_received"
SKU = "BOLT-M8"  # every chaos order has a BOLT-M8 line of 1 to 40 (chaos.order_body)
# Signals a person sends, none of which a chaos run sends: an order held for one stays so.
PEOPLE_SIGNALS = ("credit_approval", "manual_action")


def order_number(order_ref):
    return int(order_ref.rsplit("-", 1)[1])


def returns_wanted(order_ref):
    """Every 6th order is returned once it completed (never one the clients cancel: n % 10 == 4)."""
    return order_number(order_ref) % 6 == 1


def plan(order_ref, quantity):
    """The returns of one order, in the order they are posted: [(return_ref, lines, expected)],
    lines as the signal goods_received sends them. Counted among the returned orders (k = n // 6,
    each choice on its own): every 5th first asks for more than it bought (refused:
    return_quantity_exceeded, nothing written); then half of BOLT-M8 (every 4th with one unit
    damaged); every 2nd then the rest in a second partial return."""
    n = order_number(order_ref)
    k = n // 6
    returns = []
    if k % 5 == 0:
        returns.append((f"R-{n}-0", [{"sku": SKU, "quantity": quantity + 1, "condition": "resellable"}], "refused"))
    first = max(1, quantity // 2)
    damaged = 1 if k % 4 == 1 and first > 1 else 0
    lines = [{"sku": SKU, "quantity": first - damaged, "condition": "resellable"}]
    if damaged:
        lines.append({"sku": SKU, "quantity": damaged, "condition": "damaged"})
    returns.append((f"R-{n}-1", lines, "returned"))
    if k % 2 == 0 and quantity - first > 0:
        returns.append((f"R-{n}-2", [{"sku": SKU, "quantity": quantity - first, "condition": "resellable"}],
                        "returned"))
    return returns


def settled_returns(document):
    """{return_ref: status} of the order's ended returns (/returns, then /return)."""
    out = {}
    for entry in list(document.get("returns") or []) + [document.get("return") or {}]:
        if isinstance(entry, dict) and entry.get("status"):
            out[entry.get("return_ref")] = entry["status"]
    return out


class Returner(Desk):
    """The ERP's returns desk, as a thread. Each round it reads the orders it will return (every
    6th posted one, `returns_wanted`) and moves each on by one request: a completed or returned
    order gets its next planned return (`POST .../return` with its `return_ref`: repeating one is
    the same request), an order waiting for goods_received gets the goods of its current return
    (the lines of that return_ref's plan, with an Idempotency-Key per order, return and host
    life: a key whose request a SIGKILL cut stays held for 5 minutes, docs/api.md). No answer,
    5xx, 429 or 409: again in a later round. Orders held for something else (credit approval)
    are read again every 20th round; undone ones are dropped."""

    def __init__(self, host, posted):
        super().__init__(host, "returner", 0.2)
        self.posted = posted
        self.plans = {}  # order id -> plan()
        self.finished = set()  # order ids with every planned return ended, or undone
        self.held = set()  # order ids on hold for another signal (credit approval): read every 20th round
        self.rounds = 0
        self.quiet_rounds = 0  # whole rounds in a row that sent nothing
        self.unplanned = set()  # wanted orders read while still running: not returned yet

    def busy(self):
        """True while an order still has a return to make or to finish, or the last two whole
        rounds were not both quiet (an order that just completed is not planned before the
        desk reads it). Orders held for something else do not count."""
        with self.lock:
            return (self.quiet_rounds < 2 or bool(self.unplanned)
                    or any(order_id not in self.finished for order_id in self.plans))

    def round(self):
        self.rounds += 1
        posted = list(self.posted.items())  # one C-level copy: the clients add to it meanwhile
        sent = False
        for ref, order_id in posted:
            if self.stop.is_set():
                return
            if not returns_wanted(ref) or order_id in self.finished or (order_id in self.held and self.rounds % 20):
                continue
            status, reply = self.host.request("GET", f"/v1/orders/{order_id}", timeout=30)
            if status != 200:
                self.count(f"read {status}")
                sent = True  # not quiet: the host may be down
                continue
            sent = self.step(order_id, json.loads(reply)) or sent
        with self.lock:
            self.quiet_rounds = 0 if sent else self.quiet_rounds + 1

    def step(self, order_id, view):
        """Moves one order on by at most one request; True when it sent one."""
        state, document = view.get("state"), view.get("document") or {}
        if state in ("rejected", "cancelled", "failed"):
            with self.lock:
                self.finished.add(order_id)
                self.unplanned.discard(order_id)
            return False
        if state == "on_hold" and view.get("awaiting_signal") in PEOPLE_SIGNALS:
            with self.lock:
                self.held.add(order_id)
                self.unplanned.discard(order_id)  # nobody answers these in a chaos run: settled
            return False
        self.held.discard(order_id)
        if order_id not in self.plans:
            if state != "completed":
                with self.lock:
                    self.unplanned.add(order_id)  # still running: the run may not settle before it completes
                return False
            with self.lock:
                self.unplanned.discard(order_id)
            quantity = next((int(line["quantity"]) for line in document.get("lines", []) if line.get("sku") == SKU), 0)
            with self.lock:
                self.plans[order_id] = plan(document["order_ref"], quantity)
        returns = self.plans[order_id]
        ended = settled_returns(document)
        if state == "on_hold" and view.get("awaiting_signal") == SIGNAL:
            current = (document.get("return") or {}).get("return_ref")
            lines = next((lines for ref, lines, _ in returns if ref == current), None)
            if lines is None:
                self.error(f"order {order_id} waits for {SIGNAL} for return {current!r}, which was not asked for")
                return False
            key = f"chaos-returns/{order_id}/{current}/life-{self.host.kills}"
            status, reply = self.host.request("POST", f"/v1/orders/{order_id}/signals/{SIGNAL}", {"lines": lines},
                                              headers={"Idempotency-Key": key}, timeout=30)
            self.count(f"goods {status}")
            return True
        if state not in ("completed", "returned"):
            return False  # running: a later round
        following = next(((ref, lines) for ref, lines, _ in returns if ref not in ended), None)
        if following is None:
            with self.lock:
                self.finished.add(order_id)
            return False
        ref, lines = following
        requested = {}
        for line in lines:
            requested[line["sku"]] = requested.get(line["sku"], 0) + line["quantity"]
        body = {"return_ref": ref, "reason": "chaos",
                "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in requested.items()]}
        status, reply = self.host.request("POST", f"/v1/orders/{order_id}/return", body, timeout=30)
        self.count(f"return {status}")
        if status not in (200, 409, 429, 500, 503):
            self.error(f"order {order_id}: return {ref} answered {status}: {reply[:200]!r}")
        return True


def check_returns(db, docs, returner):
    """Every return asked for ended as planned, once, and its goods, notes and refunds add up:

    - every order with a plan has each planned return ended with the planned status (`refused`
      for the over-quantity one, else `returned`), the order `returned`, none waiting for goods;
    - one RMA per return that went through (a refused one takes no number), each `received`
      with the goods the desk sent, per SKU; RMA numbers gapless per series, the series' next
      number right after them;
    - the goods back where the order's stock was issued from: per order and condition, what
      `sourcing_restock_lines` restocked (resellable) or quarantined (damaged), none standing;
      the allocations' `returned` equal to the units returned;
    - one credit note of a return per RMA (these orders have one invoice), crediting the units
      returned; every invoice line credited at most as far as it goes
      (`billing_invoice_line_credits.reconciled`);
    - on a card-paid order, Σ /payment/refunds = Σ its return credit notes (each once)."""
    failures = [f"returner: {e}" for e in returner.errors]
    unreturned = [order_id for order_id, (state, document) in docs.items()
                  if returns_wanted(document.get("order_ref", "X-0")) and state in ("completed", "returned")
                  and order_id not in returner.plans]
    if unreturned:
        failures.append(f"{len(unreturned)} order(s) to return ended completed without the desk returning them, "
                        f"e.g. {unreturned[:3]}")
    if not returner.plans:
        return failures
    if not db.has_table("returns_rmas"):
        return failures + ["returns were made but returns_rmas does not exist"]
    rmas = {}
    for rma, series, number, order_id, status in db.query(
            "SELECT rma_number, series, number, order_id, status FROM returns_rmas"):
        rmas.setdefault(order_id, []).append((rma, series, int(number), status))
    received = {}
    for order_id, sku, quantity in db.query(
            "SELECT r.order_id, l.sku, SUM(l.received_quantity) FROM returns_rma_lines l"
            " JOIN returns_rmas r ON r.rma_number = l.rma_number GROUP BY r.order_id, l.sku"):
        received[(order_id, sku)] = int(quantity)
    restocked = {}
    for order_id, sku, condition, quantity, standing in db.query(
            "SELECT r.order_id, l.sku, l.item_condition, SUM(l.quantity), COUNT(r.undone_at_ms)"
            " FROM sourcing_restock_lines l JOIN sourcing_restocks r ON r.idempotency_key = l.idempotency_key"
            " GROUP BY r.order_id, l.sku, l.item_condition"):
        restocked[(order_id, sku, condition)] = int(quantity)
        if int(standing):
            failures.append(f"order {order_id}: a restock of {sku} ({condition}) stands (its return was undone)")
    issued, returned = {}, {}
    for order_id, sku, issued_units, returned_units in db.query(
            "SELECT order_id, sku, SUM(issued), SUM(returned) FROM sourcing_allocations GROUP BY order_id, sku"):
        issued[(order_id, sku)], returned[(order_id, sku)] = int(issued_units), int(returned_units)
    credits = {}
    for order_id, rma, total in db.query("SELECT order_id, rma_number, total_minor FROM billing_return_credits"):
        credits.setdefault(order_id, []).append((rma, int(total)))
    credited = {}
    for order_id, sku, quantity in db.query(
            "SELECT c.order_id, l.sku, SUM(l.quantity) FROM billing_return_credit_lines l"
            " JOIN billing_return_credits c ON c.credit_note_number = l.credit_note_number GROUP BY c.order_id, l.sku"):
        credited[(order_id, sku)] = int(quantity)
    for order_id, returns in sorted(returner.plans.items()):
        state, document = docs.get(order_id, ("missing", {}))
        ended = settled_returns(document)
        went_through = [(ref, lines) for ref, lines, expected in returns if expected == "returned"]
        for ref, _, expected in returns:
            if ended.get(ref) != expected:
                failures.append(f"order {order_id} ({state}): return {ref} ended {ended.get(ref)!r}, "
                                f"expected {expected!r} ({(document.get('return') or {}).get('failure')})")
        if went_through and state != "returned":
            failures.append(f"order {order_id} is {state} after its returns, expected returned")
        units = {}
        for _, lines in went_through:
            for line in lines:
                units[(line["sku"], line["condition"])] = units.get((line["sku"], line["condition"]), 0) + line["quantity"]
        total = sum(units.values())
        own = rmas.get(order_id, [])
        if len(own) != len(went_through) or any(status != "received" for *_, status in own):
            failures.append(f"order {order_id}: RMAs {sorted(own)} for {len(went_through)} return(s) that went through")
        if received.get((order_id, SKU), 0) != total:
            failures.append(f"order {order_id}: RMAs received {received.get((order_id, SKU), 0)} {SKU}, sent {total}")
        if issued.get((order_id, SKU), 0) >= total:  # stock was issued (shipped): it comes back there
            for (sku, condition), quantity in units.items():
                if restocked.get((order_id, sku, condition), 0) != quantity:
                    failures.append(f"order {order_id}: {restocked.get((order_id, sku, condition), 0)} {sku} "
                                    f"{condition} restocked, {quantity} returned")
            if returned.get((order_id, SKU), 0) != total:
                failures.append(f"order {order_id}: allocations count {returned.get((order_id, SKU), 0)} {SKU} "
                                f"returned, {total} were")
        notes = credits.get(order_id, [])
        if len(notes) != len(went_through) or len({rma for rma, _ in notes}) != len(notes):
            failures.append(f"order {order_id}: return credit notes {sorted(notes)} for {len(went_through)} return(s)")
        if credited.get((order_id, SKU), 0) != total:
            failures.append(f"order {order_id}: credit notes credit {credited.get((order_id, SKU), 0)} {SKU}, "
                            f"{total} returned")
        refunds = (document.get("payment") or {}).get("refunds") or []
        if (document.get("payment") or {}).get("captured_minor"):
            refunded = sum(int(entry.get("amount_minor") or 0) for entry in refunds)
            if refunded != sum(total_minor for _, total_minor in notes):
                failures.append(f"order {order_id}: refunded {refunded} for credit notes of "
                                f"{sum(t for _, t in notes)}: {refunds}")
            if len({entry.get("rma_number") for entry in refunds}) != len(refunds):
                failures.append(f"order {order_id}: an RMA refunded twice: {refunds}")
    waiting = db.query(f"SELECT id FROM orders WHERE state = 'on_hold' AND awaiting_signal = '{SIGNAL}'")
    if waiting:
        failures.append(f"{len(waiting)} order(s) still wait for {SIGNAL} at the end, e.g. {waiting[:3]}")
    over = db.query("SELECT invoice_number, line_no FROM billing_invoice_line_credits WHERE reconciled <> 1")
    if over:
        failures.append(f"{len(over)} invoice line(s) credited beyond what they carried, e.g. {over[:3]}")
    numbers = {}
    for rma, series, number, _ in [r for rows in rmas.values() for r in rows]:
        numbers.setdefault(series, []).append(number)
    for series, taken in numbers.items():
        if sorted(taken) != list(range(1, len(taken) + 1)):
            failures.append(f"RMA series {series}: {len(taken)} numbers from {min(taken)} to {max(taken)}")
    for series, next_number in db.query("SELECT series, next_number FROM returns_series"):
        if int(next_number) != max(numbers.get(series, [0])) + 1:
            failures.append(f"returns_series {series}: next_number {next_number} after {max(numbers.get(series, [0]))}")
    return failures

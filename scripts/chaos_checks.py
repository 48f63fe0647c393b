"""Reconciliation after a chaos run (scripts/chaos.py): reads the host's database and the
simulators' ledgers and returns the list of what does not add up (empty = all holds).

Each check names what it compares, so a failure says where to look. Checks skip the tables of
plugins that are not in the chains (a table that does not exist is not an error)."""
import contextlib
import json
import os
import sqlite3
import subprocess

FINAL_UNDONE = ("rejected", "failed", "cancelled")


class Database:
    """The run's own database: a fresh SQLite file or a fresh PostgreSQL database."""

    @staticmethod
    def create(backend, folder):
        if backend == "sqlite":
            return SqliteDatabase(os.path.join(folder, "orderhost.db"))
        return PostgresDatabase(f"orderhost_chaos_{os.getpid()}")

    def has_table(self, name):  # name: a constant of these checks, never outside text
        return bool(self.query(self.table_query.format(name=name)))


class SqliteDatabase(Database):
    table_query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '{name}'"

    def __init__(self, path):
        self.path = path
        self.connection = (f"Driver=SQLite3;Database={path};JournalMode=WAL;SyncPragma=FULL;Timeout=10000;")

    def query(self, sql):
        with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as connection:
            return [tuple(row) for row in connection.execute(sql).fetchall()]

    def drop(self):
        pass


class PostgresDatabase(Database):
    table_query = "SELECT tablename FROM pg_tables WHERE tablename = '{name}'"

    def __init__(self, name):
        self.name = name
        self.port = os.environ.get("ORDERHOST_PG_PORT", "55432")
        self.psql("postgres", f"DROP DATABASE IF EXISTS {name}")
        self.psql("postgres", f"CREATE DATABASE {name}")
        self.connection = (f"Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={self.port};Database={name};"
                           "Uid=postgres;Pwd=;")

    def psql(self, database, sql):
        out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-d", database,
                              "-v", "ON_ERROR_STOP=1", "-AtX", "-F", "\t", "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def query(self, sql):
        return self.psql(self.name, sql)

    def drop(self):
        self.psql("postgres", f"DROP DATABASE IF EXISTS {self.name}")


def documents(db):
    return {row[0]: (row[1], json.loads(row[2]) if row[2] else {})
            for row in db.query("SELECT id, state, document FROM orders")}


def check_orders(db, posted):
    failures = []
    refs = {row[0]: int(row[1]) for row in db.query("SELECT order_ref, count(*) FROM orders GROUP BY order_ref")}
    missing = [ref for ref in posted if ref not in refs]
    if missing:
        failures.append(f"{len(missing)} acknowledged order(s) not stored, e.g. {missing[:3]}")
    stuck = db.query("SELECT id, state FROM orders WHERE state IN ('received','in_progress','compensating','retry_wait')")
    if stuck:
        failures.append(f"{len(stuck)} order(s) mid-chain at the end, e.g. {stuck[:3]}")
    return failures


def check_numbering(db):
    """Invoice and credit-note numbers: 1..n per series without a gap or a repeat. Credit notes
    of undos (billing_credit_notes) and of returns (billing_return_credits) share a series."""
    failures = []
    for tables in (("billing_invoices",), ("billing_credit_notes", "billing_return_credits")):
        numbers = {}
        for table in tables:
            if db.has_table(table):
                for series, number in db.query(f"SELECT series, number FROM {table}"):
                    numbers.setdefault(series, []).append(int(number))
        for series, taken in numbers.items():
            if sorted(taken) != list(range(1, len(taken) + 1)):
                failures.append(f"{' + '.join(tables)} series {series}: {len(taken)} numbers from {min(taken)} to "
                                f"{max(taken)} (a gap or a repeat)")
        if db.has_table("billing_series"):
            for series, next_number in db.query("SELECT series, next_number FROM billing_series"):
                if series in numbers and int(next_number) != max(numbers[series]) + 1:
                    failures.append(f"billing_series {series}: next_number {next_number} after "
                                    f"{max(numbers[series])} issued")
    return failures


def check_receivables(db):
    """Per customer, as tests/support/OrderToCashBooks checks it: billing_accounts.open_minor =
    invoiced - credited (credit notes of undos and of returns) - paid by card (captures minus
    refunds of the customer's invoiced orders, payment_records)."""
    if not db.has_table("billing_accounts"):
        return []
    sums = {}

    def add(sql, sign):
        for customer, amount in db.query(sql):
            sums[customer] = sums.get(customer, 0) + sign * int(amount)
    add("SELECT customer_id, SUM(open_minor) FROM billing_accounts GROUP BY customer_id", -1)
    add("SELECT customer_id, SUM(total_minor) FROM billing_invoices GROUP BY customer_id", 1)
    add("SELECT customer_id, SUM(total_minor) FROM billing_credit_notes GROUP BY customer_id", -1)
    if db.has_table("billing_return_credits"):
        add("SELECT customer_id, SUM(total_minor) FROM billing_return_credits GROUP BY customer_id", -1)
    if db.has_table("payment_records"):
        add("SELECT i.customer_id, SUM(CASE WHEN p.operation = 'capture' THEN p.amount_minor WHEN p.operation = "
            "'refund' THEN -p.amount_minor ELSE 0 END) FROM payment_records p JOIN (SELECT DISTINCT"
            " order_id, customer_id FROM billing_invoices) i ON i.order_id = p.order_id GROUP BY i.customer_id", -1)
    return [f"customer {customer}: receivables differ from invoiced - credited - paid by {off}"
            for customer, off in sorted(sums.items()) if off]


def check_invoices(db, docs):
    """An order that ended undone has its invoice credited; a completed one has it open."""
    if not db.has_table("billing_invoices"):
        return []
    failures = []
    credited = {row[0] for row in db.query("SELECT order_id FROM billing_credit_notes")}
    for order_id, in db.query("SELECT order_id FROM billing_invoices"):
        state = docs.get(order_id, ("missing", {}))[0]
        if state in FINAL_UNDONE and order_id not in credited:
            failures.append(f"order {order_id} is {state} but its invoice was not credited")
        if state == "completed" and order_id in credited:
            failures.append(f"order {order_id} is completed but its invoice was credited")
    return failures


def check_payments(simulators, docs):
    """The gateway's ledger: one authorization per card-paid order at most, and what it
    captured net equals what the orders' documents say."""
    if "payment" not in simulators:
        return []
    failures = []
    ledger = simulators["payment"].get("/v1/ledger")
    authorizations = {}
    for entry in ledger["entries"]:
        if entry["operation"] == "authorization" and entry["status"] in ("authorized", "requires_action"):
            order_id = entry["idempotency_key"].split("/")[0]
            authorizations[order_id] = authorizations.get(order_id, 0) + 1
    for order_id, count in authorizations.items():
        if count > 1:
            failures.append(f"order {order_id} was authorized {count} times at the gateway")
    expected = 0
    for order_id, (state, document) in docs.items():
        payment = document.get("payment") or {}
        # Refunds acknowledged as no return's (goodwill) left the gateway too, outside refunded_minor.
        acknowledged = sum(int(entry.get("amount_minor") or 0) for entry in payment.get("acknowledged_refunds") or [])
        captured = (int(payment.get("captured_minor") or 0) - int(payment.get("refunded_minor") or 0)
                    - acknowledged)
        if state in FINAL_UNDONE and captured:
            failures.append(f"order {order_id} is {state} but still has {captured} captured")
        expected += captured
    if ledger["net_captured_minor"] != expected:
        failures.append(f"gateway net captured {ledger['net_captured_minor']} != {expected} in the orders' documents")
    return failures


def check_stock(db, docs):
    """Stock reconciles with its ledger and allocations (the sourcing plugin's own check view),
    and no order that ended undone still holds a reservation."""
    if not db.has_table("sourcing_inventory"):
        return []
    failures = []
    for row in db.query("SELECT sku, warehouse, on_hand, reserved, ledger_on_hand, ledger_reserved, allocated "
                        "FROM sourcing_stock_check WHERE reconciled <> 1"):
        failures.append(f"stock {row[0]}@{row[1]} does not reconcile (on_hand, reserved, ledger on_hand, "
                        f"ledger reserved, allocated = {row[2:]})")
    for order_id, reserved in db.query("SELECT order_id, SUM(reserved) FROM sourcing_allocations GROUP BY order_id"):
        state = docs.get(order_id, ("missing", {}))[0]
        if int(reserved) > 0 and state in FINAL_UNDONE:
            failures.append(f"order {order_id} is {state} but still holds {reserved} reserved")
    return failures


def check_shipments(simulators, docs):
    """The carrier's ledger: one shipment per order at most; every shipment of an order that
    ended undone was cancelled at the carrier (none left booked), and every completed order's
    shipment was delivered."""
    if "carrier" not in simulators:
        return []
    failures = []
    entries = simulators["carrier"].get("/v1/ledger")["entries"]
    cancelled = {e["shipment_id"] for e in entries if e["operation"] == "cancellation"}
    delivered = {e["shipment_id"] for e in entries if e["operation"] == "tracking" and e["status"] == "delivered"}
    booked = {}
    for entry in entries:
        if entry["operation"] == "booking":
            booked.setdefault(entry["idempotency_key"].split("/")[0], set()).add(entry["shipment_id"])
    for order_id, shipments in booked.items():
        state = docs.get(order_id, ("missing", {}))[0]
        if len(shipments) > 1:
            failures.append(f"order {order_id} has {len(shipments)} shipments at the carrier")
        if state in FINAL_UNDONE and shipments - cancelled:
            failures.append(f"order {order_id} is {state} but shipment {sorted(shipments - cancelled)} is still booked")
        if state == "completed" and shipments - delivered:
            failures.append(f"order {order_id} is completed but shipment {sorted(shipments - delivered)} was not delivered")
    for order_id, (state, document) in docs.items():
        if state == "completed" and document.get("shipping") and order_id not in booked:
            failures.append(f"order {order_id} is completed and shipped, but the carrier never booked it")
    return failures


def custom_lines(document):
    """{line index: line} of the order's lines of kind "custom"."""
    return {i: line for i, line in enumerate(document.get("lines") or [])
            if isinstance(line, dict) and line.get("kind") == "custom"}


WORK_ORDER_EVENTS = {"completed": "work_order.completed", "failed": "work_order.failed",
                     "cancelled": "work_order.cancelled"}


def check_work_orders(db, docs):
    """The manufacturing plugin (place-custom): work orders and their numbering.

    - every work order belongs to a stored order's custom line (same SKU and quantity), and
      its number is its series' prefix and counter;
    - numbers 1..n per series without a gap or a repeat (a rolled-back step takes no number),
      manufacturing_series.next_number right after them;
    - a completed order, or one whose /manufacturing says completed, has exactly one completed
      work order per custom line (all made: quantity_done = quantity), none more after kills;
    - no work order left open or in progress unless its order still waits for the factory
      (and at the end none waits: the factory reported every one), so none on an undone order;
    - a cancelled work order has a reason and belongs to an order that was undone (or is being
      undone); a cancelled order's open ones were cancelled by the host's undo ("compensation",
      docs/plugins.md: the cancel chain's safety net finds nothing open); a failed one only on
      a rejected order, its siblings cancelled "sibling_failed";
    - the order document's /manufacturing/work_orders names the same work orders with the same
      statuses as the table;
    - the outbox (the factory learns of work orders through it): one work_order.created per
      work order, and one work_order.completed / failed / cancelled for one in that status,
      none otherwise (repeated signals and replayed steps after a SIGKILL emit nothing twice)."""
    if not db.has_table("manufacturing_work_orders"):
        return []
    failures = []
    orders = {row[0]: (row[1], row[2] or "", row[3] or "")
              for row in db.query("SELECT id, state, awaiting_signal, compensate_to FROM orders")}
    waiting = [order_id for order_id, (state, signal, _) in orders.items()
               if state == "on_hold" and signal == "work_order_progress"]
    if waiting:
        failures.append(f"{len(waiting)} order(s) still wait for the factory (work_order_progress) at the end, "
                        f"e.g. {waiting[:3]}")
    rows = db.query("SELECT work_order, series, number, order_id, line_index, sku, quantity, quantity_done, status,"
                    " cancel_reason FROM manufacturing_work_orders ORDER BY series, number")
    by_order = {}
    numbers = {}
    for work_order, series, number, order_id, line, sku, quantity, done, status, reason in rows:
        number, line, quantity, done, reason = int(number), int(line), int(quantity), int(done), reason or ""
        by_order.setdefault(order_id, {})[line] = (work_order, sku, quantity, done, status, reason)
        numbers.setdefault(series, []).append(number)
        if not (work_order.startswith(series) and work_order[len(series):].isdigit()
                and int(work_order[len(series):]) == number):
            failures.append(f"work order {work_order}: number {number} of series {series} does not match its name")
        state, document = docs.get(order_id, ("missing", {}))
        custom = custom_lines(document)
        if line not in custom:
            failures.append(f"work order {work_order} of order {order_id} ({state}) is for line {line}, which is "
                            "not a custom line of that order")
        elif custom[line].get("sku") != sku or int(custom[line].get("quantity", -1)) != quantity:
            failures.append(f"work order {work_order}: {sku} x {quantity}, but line {line} of order {order_id} is "
                            f"{custom[line].get('sku')} x {custom[line].get('quantity')}")
        if status not in ("open", "in_progress", "completed", "failed", "cancelled"):
            failures.append(f"work order {work_order} has the unknown status {status!r}")
        if status == "completed" and done != quantity:
            failures.append(f"work order {work_order} is completed with {done} of {quantity} done")
        order_state, signal, compensate_to = orders.get(order_id, ("missing", "", ""))
        if status in ("open", "in_progress") and not (order_state == "on_hold" and signal == "work_order_progress"):
            failures.append(f"work order {work_order} is still {status}, but its order {order_id} is {order_state}"
                            f"{' (awaiting ' + signal + ')' if signal else ''}")
        undone = order_state in FINAL_UNDONE or compensate_to
        if status == "cancelled":
            if not reason:
                failures.append(f"work order {work_order} is cancelled without a cancel_reason")
            if not undone:
                failures.append(f"work order {work_order} is cancelled ({reason}), but its order {order_id} is "
                                f"{order_state}")
            if order_state == "cancelled" and reason != "compensation":
                failures.append(f"work order {work_order} of cancelled order {order_id} was cancelled with reason "
                                f"{reason!r}, not by the host's undo ('compensation')")
        if status == "failed" and not (order_state == "rejected" or compensate_to == "rejected"):
            failures.append(f"work order {work_order} failed, but its order {order_id} is {order_state}")
    for series, taken in numbers.items():
        if taken != list(range(1, len(taken) + 1)):
            gaps = sorted(set(range(1, max(taken) + 1)) - set(taken))
            repeats = sorted({n for n in taken if taken.count(n) > 1})
            failures.append(f"work orders of series {series}: {len(taken)} numbers from {min(taken)} to {max(taken)}"
                            f" (missing {gaps[:5]}, repeated {repeats[:5]})")
    if db.has_table("manufacturing_series"):
        for series, next_number in db.query("SELECT series, next_number FROM manufacturing_series"):
            issued = max(numbers.get(series, [0]))
            if int(next_number) != issued + 1:
                failures.append(f"manufacturing_series {series}: next_number {next_number} after {issued} issued")
    for order_id, (state, document) in docs.items():
        custom = custom_lines(document)
        made = by_order.get(order_id, {})
        manufacturing = document.get("manufacturing") if isinstance(document.get("manufacturing"), dict) else None
        if custom and (state == "completed" or (manufacturing or {}).get("status") == "completed"):
            if set(made) != set(custom) or any(w[4] != "completed" for w in made.values()):
                failures.append(f"order {order_id} is {state} (manufacturing {(manufacturing or {}).get('status')}) "
                                f"with custom lines {sorted(custom)}, but its work orders are "
                                f"{ {line: (w[0], w[4]) for line, w in sorted(made.items())} }")
        if failed := [w for w in made.values() if w[4] == "failed"]:
            for w in made.values():
                if w[4] == "cancelled" and w[5] != "sibling_failed":
                    failures.append(f"order {order_id}: {failed[0][0]} failed, but sibling {w[0]} was cancelled "
                                    f"with reason {w[5]!r}")
        if manufacturing is not None and isinstance(manufacturing.get("work_orders"), list):
            in_document = {(w.get("work_order"), w.get("line"), w.get("status")) for w in manufacturing["work_orders"]}
            in_table = {(w[0], line, w[4]) for line, w in made.items()}
            if in_document != in_table:
                failures.append(f"order {order_id} ({state}): /manufacturing/work_orders {sorted(in_document)} != "
                                f"the table's {sorted(in_table)}")
        elif made and state not in FINAL_UNDONE:
            failures.append(f"order {order_id} ({state}) has work orders but no /manufacturing in its document")
    if db.has_table("outbox"):
        events = {}
        for event_type, payload in db.query("SELECT event_type, payload FROM outbox WHERE event_type LIKE 'work_order.%'"):
            data = (json.loads(payload) or {}).get("data") or {}
            key = (data.get("work_order"), event_type)
            events[key] = events.get(key, 0) + 1
        statuses = {}
        for lines in by_order.values():
            for w in lines.values():
                statuses[w[0]] = w[4]
        for (work_order, event_type), count in sorted(events.items(), key=lambda e: (str(e[0][0]), e[0][1])):
            if work_order not in statuses:
                failures.append(f"{count} {event_type} event(s) for {work_order}, which is not in the table")
        for work_order, status in statuses.items():
            expected = {"work_order.created": 1}
            for name, event_type in WORK_ORDER_EVENTS.items():
                expected[event_type] = 1 if status == name else 0
            for event_type, want in expected.items():
                got = events.get((work_order, event_type), 0)
                if got != want:
                    failures.append(f"work order {work_order} ({status}): {got} {event_type} event(s), "
                                    f"expected {want}")
    return failures


def run_all(db, posted, cancels, simulators, args):
    docs = documents(db)
    failures = check_orders(db, posted)
    failures += check_numbering(db)
    failures += check_receivables(db)
    failures += check_invoices(db, docs)
    failures += check_payments(simulators, docs)
    failures += check_stock(db, docs)
    failures += check_shipments(simulators, docs)
    failures += check_work_orders(db, docs)
    return failures

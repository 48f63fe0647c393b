#!/usr/bin/env python3
"""Reconciles an SQLite load run (bench/http-load/run.sh) after the host stopped.

usage: reconcile.py DATABASE LOAD_OUTPUT
Checks, and exits 1 if one fails:
  - every order the clients saw answered 201 completed is completed in the database
    (no acknowledged order lost), and no order is left mid-chain;
  - stock: each SKU's reserved quantity equals the sum of its allocations and of its
    movements' reserved_delta, and every completed order holds exactly its lines' quantities;
  - soak_marks, when the table exists (the soak chain): one row per order whose `overrun`
    step continued — a write from an abandoned (timed-out) attempt would add a row.
Prints the step timeouts that fired.
"""
import ast
import sqlite3
import sys

database, load_output = sys.argv[1], sys.argv[2]
counts = {}
with open(load_output) as f:
    for line in f:
        if line.startswith("{"):
            counts = ast.literal_eval(line)
db = sqlite3.connect(database)
one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
failures = []


def check(ok, what):
    print(("ok       " if ok else "MISMATCH ") + what)
    if not ok:
        failures.append(what)


acknowledged = counts.get("201:completed", 0)
completed = one("SELECT COUNT(*) FROM orders WHERE state = 'completed'")
check(completed >= acknowledged, f"acknowledged completed {acknowledged} <= completed in the database {completed}")
midway = one("SELECT COUNT(*) FROM orders WHERE state IN ('received', 'in_progress', 'compensating')")
check(midway == 0, f"orders left mid-chain: {midway}")
for sku, per_order in (("BOLT-M8", 10), ("DRILL-18V", 1)):
    reserved = one(f"SELECT COALESCE(SUM(reserved), 0) FROM sourcing_inventory WHERE sku = '{sku}'")
    allocated = one(f"SELECT COALESCE(SUM(reserved), 0) FROM sourcing_allocations WHERE sku = '{sku}'")
    moved = one(f"SELECT COALESCE(SUM(reserved_delta), 0) FROM sourcing_movements WHERE sku = '{sku}'")
    check(reserved == allocated == moved, f"{sku}: reserved {reserved} = allocations {allocated} = movements {moved}")
    wrong = one(f"""SELECT COUNT(*) FROM orders o WHERE o.state = 'completed' AND
                    (SELECT COALESCE(SUM(a.reserved), 0) FROM sourcing_allocations a
                      WHERE a.order_id = o.id AND a.sku = '{sku}') <> {per_order}""")
    check(wrong == 0, f"{sku}: completed orders not holding exactly {per_order}: {wrong}")
held = one("""SELECT COUNT(*) FROM sourcing_allocations a JOIN orders o ON o.id = a.order_id
               WHERE o.state <> 'completed' AND a.reserved <> 0""")
check(held == 0, f"allocations still reserved for orders not completed: {held}")
has_marks = one("SELECT COUNT(*) FROM sqlite_master WHERE name = 'soak_marks'")
if has_marks:
    marks = one("SELECT COUNT(*) FROM soak_marks")
    passed = one("SELECT COUNT(*) FROM step_runs WHERE step_name = 'overrun' AND outcome = 'continue'")
    check(marks == passed, f"soak_marks rows {marks} = overrun steps that continued {passed}")
timeouts = one("SELECT COUNT(*) FROM step_runs WHERE outcome = 'timeout'")
print(f"step timeouts fired: {timeouts}; orders completed: {completed}; client answers: {counts}")
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""The table of scripts/bench.sh --http from its raw lines (bench/http-load/http_bench.sh).

usage: report.py BUILD_DIR/http_bench.txt
Every figure is next to the baseline measured in the same run: the bare ODBC writer of the
rows one order needs, at the same concurrency, and on PostgreSQL pgbench TPC-B.
"""
import sys


def fields(line):
    out = {}
    for word in line.split()[1:]:
        key, _, value = word.partition("=")
        out[key] = value
    return out


def num(d, key):
    try:
        return float(d.get(key, 0))
    except ValueError:
        return 0.0


lines = [fields(l) for l in open(sys.argv[1]) if l.startswith(("result ", "info "))]
results = [d for d in lines if "measure" in d and "phase" not in d]
stored = [d for d in lines if d.get("phase") == "stored"]
info = {}
for d in lines:
    if "measure" not in d:
        info.setdefault(d.get("backend", ""), {}).update(d)
backends = list(dict.fromkeys(d["backend"] for d in results))


def find(backend, measure, clients=None, paced=False):
    for d in results:
        if d["backend"] != backend or d["measure"] != measure:
            continue
        if clients is not None and d.get("clients") != str(clients):
            continue
        if measure == "http" and (num(d, "rate") > 0) != paced:
            continue
        return d
    return None


def ratio(a, b):
    return f"{100 * a / b:.0f} %" if b else "-"


def per_order_ms(cpu_s, orders):
    return f"{1000 * cpu_s / orders:.2f}" if orders else "-"


head = info.get("", {})
print(f"\n{head.get('nproc')} CPU ({head.get('cpu', '').strip(chr(34))}), kernel {head.get('kernel')}, "
      f"commit {head.get('commit')}, {head.get('seconds')} s per point, started {head.get('date')}")
skus = int(num(head, "skus"))
print("SKUs: " + (f"{skus}, two drawn at random per order (BENCH_SKUS)" if skus else
                  "every order takes BOLT-M8 and DRILL-18V (two hot stock rows)"))
if head.get("at_once", "none") != "none":
    print(f"steps with commit: at_once: {head['at_once']} (the chain's, and BENCH_AT_ONCE's)")
loads = [num(d, "load") for d in results if "load" in d]
if loads:
    print(f"load average (1 min) at the end of the points: {min(loads):.1f}-{max(loads):.1f}")
rows_spec = info.get("", {}).get("rows_per_order", "")
print(f"rows per order (bare writer): {rows_spec or '?'}\n")

def commits_per_order(point):
    """The host's own count (orderhost_db_commits_total over the point) per completed order."""
    done = num(point, "completed")
    return num(point, "host_commits") / done if done and "host_commits" in point else 0

cols = ("backend", "clients", "orders/s", "bare/s", "% bare", "pgbench", "% pgb", "p50 ms", "p99 ms",
        "host ms/o", "PG ms/o", "bare PG ms/o", "PG x bare", "xact/o", "load")
print("  ".join(f"{c:>12}" if i else f"{c:<13}" for i, c in enumerate(cols)))
for b in backends:
    for c in sorted({int(d["clients"]) for d in results if d["backend"] == b and d["measure"] == "http"
                     and num(d, "rate") == 0}):
        h, w, p = find(b, "http", c), find(b, "bare_writer", c), find(b, "pgbench", c)
        orders = num(h, "completed")
        bare_orders = num(w, "orders") if w else 0
        pg = b.startswith("pg")
        host_pg = num(h, "db_cpu_s") / orders if orders and pg else 0
        bare_pg = num(w, "db_cpu_s") / bare_orders if bare_orders and pg else 0
        row = (b, c, f"{num(h, 'per_s'):.1f}", f"{num(w, 'per_s'):.1f}" if w else "-",
               ratio(num(h, "per_s"), num(w, "per_s")) if w else "-",
               f"{num(p, 'per_s'):.0f}" if p else "-", ratio(num(h, "per_s"), num(p, "per_s")) if p else "-",
               f"{num(h, 'p50_us') / 1000:.1f}", f"{num(h, 'p99_us') / 1000:.1f}",
               per_order_ms(num(h, "host_cpu_s"), orders),
               f"{1000 * host_pg:.2f}" if pg else "-", f"{1000 * bare_pg:.2f}" if pg else "-",
               f"{host_pg / bare_pg:.1f}" if bare_pg else "-",
               f"{num(h, 'commits') / orders:.1f}" if pg and orders else "-", h.get("load", "-"))
        print("  ".join(f"{str(v):>12}" if i else f"{str(v):<13}" for i, v in enumerate(row)))

print()
for b in backends:
    https = [d for d in results if d["backend"] == b and d["measure"] == "http" and num(d, "rate") == 0]
    best = max(https, key=lambda d: num(d, "per_s")) if https else None
    paced = find(b, "http", paced=True)
    ceiling = find(b, "ceiling", 1)
    i = info.get(b, {})
    text = f"{b}: best {num(best, 'per_s'):.1f} orders/s at {best['clients']} clients" if best else f"{b}:"
    if paced:
        text += (f"; paced at {num(paced, 'rate'):.1f} orders/s (half of it), {paced['clients']} clients: "
                 f"p50 {num(paced, 'p50_us') / 1000:.1f} ms, p99 {num(paced, 'p99_us') / 1000:.1f} ms")
    if best and https:
        at8 = next((d for d in https if d["clients"] == "8"), None)
        at64 = next((d for d in https if d["clients"] == "64"), None)
        if at8 and at64:
            text += f"; 64 clients / 8 clients = {ratio(num(at64, 'per_s'), num(at8, 'per_s'))}"
    if ceiling and best:
        cpo = commits_per_order(best)
        tx = num(best, "per_s") * cpo
        text += (f"; single-row commit ceiling (1 client) {num(ceiling, 'per_s'):.0f} tx/s: best orders/s "
                 f"= {ratio(num(best, 'per_s'), num(ceiling, 'per_s'))} of it, x {cpo:.2f} commits "
                 f"= {ratio(tx, num(ceiling, 'per_s'))}")
    print(text)
    rss = [f"{k[4:-3]} {int(i[k]) / 1024:.0f} MiB" for k in ("rss_idle_kb", "rss_after_load_kb", "rss_with_held_kb")
           if k in i]
    if rss:
        extra = f" ({i['held_orders']} held orders; replies {i.get('held_reply')})" if "held_orders" in i else ""
        print(f"  host RSS: {', '.join(rss)}{extra}")
    client = [num(d, "client_cpu_s") / num(d, "completed") for d in https if num(d, "completed")]
    if client:
        print(f"  load generator (python) CPU per order: {1000 * min(client):.2f}-{1000 * max(client):.2f} ms")
    for d in stored:
        if d["backend"] == b:
            before = find(b, "http", 8)
            text = (f"  with {int(i.get('orders_in_db', 0)):,} orders stored ({i.get('stored_orders')} copied in "
                    f"{i.get('store_s')} s), 8 clients: {num(d, 'per_s'):.1f} orders/s, p99 "
                    f"{num(d, 'p99_us') / 1000:.1f} ms")
            if before:
                text += (f"; before: {num(before, 'per_s'):.1f} orders/s, p99 {num(before, 'p99_us') / 1000:.1f} ms "
                         f"({ratio(num(d, 'per_s'), num(before, 'per_s'))})")
            print(text)
    waits = [f"{d['clients']} clients: {d['lock_waits']} waiting for a lock, {d['idle_in_tx']} idle in a "
             f"transaction, {d['running']} running" for d in https if "lock_waits" in d]
    if waits:
        print(f"  host's connections, mean of pg_stat_activity samples: {'; '.join(waits)}")
    errors = [f"{d['measure']}@{d.get('clients')}: {d.get('other') or d.get('errors')}" for d in results
              if d["backend"] == b and (num(d, "other") or num(d, "errors"))]
    if errors:
        print(f"  not completed / errors: {'; '.join(errors)}")
print("""
orders/s: orders answered 201 with state "completed" per second of the point (closed loop, keep-alive).
bare/s: the bare ODBC writer (bench/bare_odbc_writer.cpp) writing the rows one order adds, one
transaction per order, statements prepared once, same driver and settings. pgbench: TPC-B tps on
the same cluster. host ms/o: the host process's CPU per order (with the ODBC driver's client side
and, on SQLite, the database engine). PG ms/o: CPU of all the cluster's processes per order.
xact/o: transactions committed in the host's database per order (pg_stat_database.xact_commit:
read-only autocommit statements count too). ceiling: single-row INSERT + COMMIT, 1 client.""")

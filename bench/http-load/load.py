#!/usr/bin/env python3
"""Concurrent ERP clients over HTTP: each POSTs orders in a loop on its own keep-alive connection.

usage: load.py PORT CLIENTS SECONDS [--rate R] [--count N] [--customer ID] [--prefix P] [--skus N]
               [--quotes] [--result]
  closed loop (default): each client sends its next order as soon as the last one is answered
  --rate R     paced: R orders/s in all, spread evenly over the clients; a latency counts from
               the moment the order was due, so a late send is not hidden (coordinated omission)
  --count N    stop after N orders in all (SECONDS still caps the run)
  --customer   the customer of every order (default: C-<client number>, one per client, so that
               orders of different clients do not queue on one customer's credit lock)
  --prefix     start of every order_ref (default L); order_refs are <prefix>-<client>-<n>-<ms>
  --skus N     each order's two lines take two SKUs drawn at random from SKU-00001 .. SKU-<N>
               (the chain from spread_skus.py) instead of BOLT-M8 and DRILL-18V (default 0)
  --quotes     POST the same drafts to /v1/quotes instead (issue 15): a quote counts when it
               answers 200 with verdict "quoted" ("200:quoted"); measure=quote in the result line
  --result     also print one line "result measure=http ... per_s=... p50_us=... p99_us=..."
prints {"<status>[:<order state>]": count, ...} (and the result line).
Used by bench/http-load/run.sh and scripts/bench.sh --http (bench/http-load/http_bench.sh).
"""
import argparse
import collections
import http.client
import json
import random
import resource
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("port", type=int)
parser.add_argument("clients", type=int)
parser.add_argument("seconds", type=float)
parser.add_argument("--rate", type=float, default=0)
parser.add_argument("--count", type=int, default=0)
parser.add_argument("--customer", default="")
parser.add_argument("--prefix", default="L")
parser.add_argument("--skus", type=int, default=0)
parser.add_argument("--result", action="store_true")
parser.add_argument("--quotes", action="store_true")
args = parser.parse_args()

path, done = ("/v1/quotes", "200:quoted") if args.quotes else ("/v1/orders", "201:completed")
counts = collections.Counter()
latencies = []  # seconds, of orders that completed
lock = threading.Lock()
sent = 0
start = time.monotonic()
deadline = start + args.seconds


def take_one():
    """False once --count orders have been sent."""
    global sent
    with lock:
        if args.count and sent >= args.count:
            return False
        sent += 1
        return True


def order_lines(draw):
    if not args.skus:
        return [{"sku": "BOLT-M8", "quantity": 10}, {"sku": "DRILL-18V", "quantity": 1}]
    first, second = draw.sample(range(1, args.skus + 1), 2) if args.skus > 1 else (1, 1)
    return [{"sku": f"SKU-{first:05d}", "quantity": 10}, {"sku": f"SKU-{second:05d}", "quantity": 1}]


def order_body(number, i, draw):
    customer = args.customer or f"C-{number}"
    return json.dumps({"order_ref": f"{args.prefix}-{number}-{i}-{int(time.time() * 1000)}", "currency": "EUR",
                       "customer": {"id": customer, "email": "a@example.com"},
                       "lines": order_lines(draw)})


def client(number):
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
    interval = args.clients / args.rate if args.rate else 0
    due = start + interval * number / args.clients
    draw = random.Random(f"{args.prefix}-{number}")
    i = 0
    while time.monotonic() < deadline and take_one():
        i += 1
        if interval:
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            began = due
            due += interval
        else:
            began = time.monotonic()
        try:
            conn.request("POST", path, order_body(number, i, draw), {"Content-Type": "application/json"})
            reply = conn.getresponse()
            data = reply.read()
            key = str(reply.status)
            if reply.status == 201:
                key += ":" + json.loads(data)["state"]
            elif reply.status == 200 and args.quotes:
                key += ":" + json.loads(data)["verdict"]
        except Exception as error:  # the host died or closed the connection
            key = "error:" + type(error).__name__
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            time.sleep(0.2)
        took = time.monotonic() - began
        with lock:
            counts[key] += 1
            if key == done:
                latencies.append(took)


threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - start
print(dict(counts))
if args.result:
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e6 if latencies else 0

    cpu = resource.getrusage(resource.RUSAGE_SELF)  # the load generator shares the machine's CPUs
    others = sum(n for k, n in counts.items() if k != done)
    print(f"result measure={'quote' if args.quotes else 'http'} clients={args.clients} rate={args.rate:g} completed={len(latencies)} "
          f"per_s={len(latencies) / elapsed:.1f} p50_us={pct(0.5):.0f} p99_us={pct(0.99):.0f} "
          f"other={others} elapsed_s={elapsed:.1f} client_cpu_s={cpu.ru_utime + cpu.ru_stime:.2f}")

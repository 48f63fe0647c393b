#!/usr/bin/env python3
"""GET /v1/orders/{id} from THREADS keep-alive connections for SECONDS (bench/http-load/reads.sh).

Reads up to 200 completed orders' ids first, then each thread walks them. Prints one line:
"reads=N ids=M per_s=R failed=F" (a non-200 answer counts as failed and is not a read)."""
import http.client
import json
import sys
import threading
import time

port, seconds, threads = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
first = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
first.request("GET", "/v1/orders?state=completed&limit=200")
ids = [o["id"] for o in json.loads(first.getresponse().read())["orders"]]
if not ids:
    sys.exit("reads.py: no completed order to read")
counts, failed, lock = [0], [0], threading.Lock()


def walk(start):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    end, i, done, bad = time.time() + seconds, start, 0, 0
    while time.time() < end:
        conn.request("GET", "/v1/orders/" + ids[i % len(ids)])
        reply = conn.getresponse()
        reply.read()
        if reply.status == 200:
            done += 1
        else:
            bad += 1
        i += 7
    with lock:
        counts[0] += done
        failed[0] += bad


workers = [threading.Thread(target=walk, args=(k,)) for k in range(threads)]
began = time.time()
for w in workers:
    w.start()
for w in workers:
    w.join()
print(f"reads={counts[0]} ids={len(ids)} per_s={counts[0] / (time.time() - began):.1f} failed={failed[0]}")

#!/usr/bin/env python3
"""Concurrent ERP clients over HTTP: each POSTs orders in a loop until the time is up.

usage: load.py PORT CLIENTS SECONDS  ->  prints {"<status>[:<order state>]": count, ...}
"""
import collections
import http.client
import json
import sys
import threading
import time

port, clients, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
counts = collections.Counter()
lock = threading.Lock()
deadline = time.time() + seconds


def client(number):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = 0
    while time.time() < deadline:
        i += 1
        body = json.dumps({"order_ref": f"L-{number}-{i}-{int(time.time() * 1000)}", "currency": "EUR",
                           "customer": {"id": "C-1", "email": "a@example.com"},
                           "lines": [{"sku": "BOLT-M8", "quantity": 1}, {"sku": "DRILL-18V", "quantity": 1}]})
        try:
            conn.request("POST", "/v1/orders", body, {"Content-Type": "application/json"})
            reply = conn.getresponse()
            data = reply.read()
            key = str(reply.status)
            if reply.status == 201:
                key += ":" + json.loads(data)["state"]
        except Exception as error:  # the host died or closed the connection
            key = "error:" + type(error).__name__
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            time.sleep(0.2)
        with lock:
            counts[key] += 1


threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(dict(counts))

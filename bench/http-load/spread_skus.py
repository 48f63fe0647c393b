#!/usr/bin/env python3
"""The placement chain with N more SKUs, so that orders spread over many stock rows.

usage: spread_skus.py CHAIN_IN CHAIN_OUT N
Adds SKU-00001 .. SKU-<N> to the chain's catalog (validation), seeded stock (sourcing's
reserve-stock) and item sizes (preparation), each like BOLT-M8. load.py --skus N then puts two
of them, at random, on every order instead of BOLT-M8 and DRILL-18V, so that concurrent orders
rarely wait for the same stock row: scripts/bench.sh --http with BENCH_SKUS=N measures what
the engine serializes, not what the benchmark's two hot rows do (docs/performance.md).
"""
import sys

import yaml

source, target, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(source) as f:
    chain = yaml.safe_load(f)
skus = [f"SKU-{n:05d}" for n in range(1, count + 1)]
steps = {(s["plugin"], s["step"]): s for s in chain["steps"]}
catalog = steps[("orderhost.validation", "validate")]["config"]["catalog"]
seed = steps[("orderhost.sourcing", "reserve-stock")]["config"]["seed"]["stock"]
items = steps[("orderhost.preparation", "pick-pack")]["config"]["items"]
warehouse = seed[0]["warehouse"]
for sku in skus:
    catalog[sku] = dict(catalog["BOLT-M8"])
    seed.append({"warehouse": warehouse, "sku": sku, "bin": "A-01-03", "on_hand": 1000000000})
    items[sku] = dict(items["BOLT-M8"])
with open(target, "w") as f:
    f.write(f"# {source} with {count} more SKUs (bench/http-load/spread_skus.py)\n")
    yaml.safe_dump(chain, f, sort_keys=False, default_flow_style=None, width=120)

#!/usr/bin/env python3
"""The placement chain with N more SKUs, so that orders spread over many stock rows; and with
`commit: at_once` on the steps named.

usage: spread_skus.py CHAIN_IN CHAIN_OUT N [--at-once STEP[,STEP...]]
Adds SKU-00001 .. SKU-<N> (N = 0, or 2 to 5000) to the chain's catalog (validation), seeded
stock (sourcing's reserve-stock) and item sizes (preparation), each like BOLT-M8. load.py
--skus N then puts two of them, at random, on every order instead of BOLT-M8 and DRILL-18V, so
that concurrent orders rarely wait for the same stock row: scripts/bench.sh --http with
BENCH_SKUS=N measures what the engine serializes, not what the benchmark's two hot rows do
(docs/performance.md). 5,000 SKUs make a chain file of about 0.9 MB; the host reads files of
up to 1 MiB. --at-once (BENCH_AT_ONCE): those steps commit at once (docs/admin-guide.md).
Needs PyYAML (Debian: python3-yaml).
"""
import argparse

import yaml

parser = argparse.ArgumentParser()
parser.add_argument("source")
parser.add_argument("target")
parser.add_argument("count", type=int)
parser.add_argument("--at-once", default="")
args = parser.parse_args()
if args.count == 1 or not 0 <= args.count <= 5000:
    parser.error("N must be 0 or 2 to 5000 (each order takes two different SKUs)")
with open(args.source) as f:
    chain = yaml.safe_load(f)
steps = {(s["plugin"], s["step"]): s for s in chain["steps"]}
catalog = steps[("orderhost.validation", "validate")]["config"]["catalog"]
seed = steps[("orderhost.sourcing", "reserve-stock")]["config"]["seed"]["stock"]
items = steps[("orderhost.preparation", "pick-pack")]["config"]["items"]
warehouse = seed[0]["warehouse"]
for sku in (f"SKU-{n:05d}" for n in range(1, args.count + 1)):
    catalog[sku] = dict(catalog["BOLT-M8"])
    seed.append({"warehouse": warehouse, "sku": sku, "bin": "A-01-03", "on_hand": 1000000000})
    items[sku] = dict(items["BOLT-M8"])
at_once = [name for name in args.at_once.split(",") if name]
names = [s["name"] for s in chain["steps"]]
for name in at_once:
    if name not in names:
        parser.error(f"--at-once: no step named {name!r} (steps: {', '.join(names)})")
for step in chain["steps"]:
    if step["name"] in at_once:
        step["commit"] = "at_once"
with open(args.target, "w") as f:
    f.write(f"# {args.source} with {args.count} more SKUs, commit: at_once on [{args.at_once}]"
            " (bench/http-load/spread_skus.py)\n")
    yaml.safe_dump(chain, f, sort_keys=False, default_flow_style=None, width=120)

"""Staggered arrivals: p50/p95/p99 latency and req/s of `tuneline serve` under Poisson arrivals from 8 clients.

    python bench/staggered_arrivals.py --tiny                       # the tests' tiny random Llama (1-3 minutes)
    python bench/staggered_arrivals.py --threads 1                  # SmolLM2-135M, up to 32 new tokens (minutes)
    python bench/staggered_arrivals.py --rate 1.5 --requests 64     # a fixed total arrival rate (req/s)
    git worktree add /work/base17 e4b4697                           # once: a checkout of the code before a change
    python bench/staggered_arrivals.py --baseline-tree /work/base17 --threads 1   # before vs after, one run

The registry and version are serving_bench.py's (a random LoRA adapter whose generation defaults set max
new tokens). 8 client threads send requests with exponentially distributed gaps at `--rate` / 8 each
for `--requests` / `--rate` seconds per round (so about `--requests` requests; the merged arrivals are a
Poisson process at `--rate`), seeded per round so every system gets the same schedule. A client does not
wait for its previous answer before its next arrival (open loop: the server sees the arrivals themselves);
latency runs from the scheduled arrival to the answer, req/s is answers / (last answer - window start).
Without `--rate` a calibration burst (8 concurrent requests to each server) measures the batched capacity,
and the rate is `--load` (0.65) times the smallest one: busy, not overloaded. `--canary 0.5` serves canary
routing over a second version (clients send no `user`: routes drawn per request) instead of one version.
With `--baseline-tree PATH` the same measurement runs against `tuneline serve` started from that tree too
(`python -m serving` with cwd and PYTHONPATH = PATH, this venv, the same registry), round-robin with this
tree's server; the report shows before (that tree), after (this tree) and after / before.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import threading
import time

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start
from serving_bench import (
    REPO,
    add_baseline_flag,
    register_version,
    run_concurrently,
    setup_registry,
    start_server,
)

CLIENTS = 8
QUANTILES = (0.50, 0.95, 0.99)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work, env, base, version = setup_registry(args.tiny, args.new_tokens, args.threads)
    extra = {"TUNELINE_REQUEST_LOG_URL": "", "TUNELINE_ROUTING": "off"}
    if args.canary:
        register_version(base, work, args.new_tokens, seed=1, champion=False)  # the challenger alias
        extra = extra | {"TUNELINE_ROUTING": "canary", "TUNELINE_CANARY_FRACTION": str(args.canary)}
    trees = {"after": REPO} | ({"before": args.baseline_tree} if args.baseline_tree else {})
    processes, asks = [], {}
    try:
        for when, tree in trees.items():
            process, asks[when], _ = start_server(
                "tuneline", version, env, args.new_tokens, extra, f"staggered-{when}", tree
            )
            processes.append(process)
        rate = args.rate or calibrate(asks, args.load)
        results = measure(asks, rate, args)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    table = report(results, rate, trees, args)
    record_figures(results, rate, args, table)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny random Llama instead of SmolLM2-135M")
    parser.add_argument("--rate", type=float, default=0.0, help="total arrivals per second; 0: calibrate")
    parser.add_argument("--load", type=float, default=0.65, help="calibrated rate = load x batched capacity")
    parser.add_argument("--canary", type=float, default=0.0, help="canary share over a 2nd version; 0: off")
    for flag, default, text in (
        ("--new-tokens", 32, "max answer length (greedy: the same answers on every system)"),
        ("--rounds", 2, "measurement rounds (systems interleaved, one schedule per round)"),
        ("--requests", 48, f"about this many requests per system per round, from {CLIENTS} clients"),
        ("--seed", 17, "schedule seed (round r uses seed + r)"),
        ("--threads", 0, "torch threads of the servers (OMP_NUM_THREADS); 0: torch's default"),
    ):
        parser.add_argument(flag, type=int, default=default, help=text)
    add_baseline_flag(parser)
    return parser.parse_args(argv)


def client_schedules(rate: float, requests: int, seed: int, clients: int = CLIENTS) -> list[list[float]]:
    """Arrival offsets (s) per client: exponential gaps at rate / clients each, over requests / rate seconds.

    Fixing the window (not the count per client) keeps the merged arrivals a Poisson process at `rate`;
    the number of requests is about `requests` (the same for every system, since the seed fixes it).
    """
    rng = random.Random(seed)
    window = requests / rate
    schedules = []
    for _ in range(clients):
        t, arrivals = rng.expovariate(rate / clients), []
        while t < window:
            arrivals.append(t)
            t += rng.expovariate(rate / clients)
        schedules.append(arrivals)
    return schedules


def calibrate(asks: dict, load: float) -> float:
    """c=1 latency and c=8 req/s of each server; the rate is `load` times the smallest c=8 req/s."""
    capacities = {}
    for when, ask in asks.items():
        started = time.perf_counter()
        ask(0)
        c1 = time.perf_counter() - started
        _, elapsed = run_concurrently(ask, clients=CLIENTS, rounds=1)
        capacities[when] = CLIENTS / elapsed
        print(f"calibration {when}: c=1 {c1:.3f} s, c=8 {capacities[when]:.2f} req/s", flush=True)
    rate = load * min(capacities.values())
    print(f"arrival rate {rate:.2f} req/s ({load:.2f} x {min(capacities.values()):.2f})", flush=True)
    return rate


def run_schedule(ask, schedules: list[list[float]]) -> dict:
    """Each client sends each request at its offset without waiting for its previous answer (open loop), so the
    server sees the Poisson arrivals themselves; latency runs from the scheduled arrival to the answer."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    in_flight, most = [0], [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.05

    def request(i: int, due: float) -> None:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        try:
            ask(i)
        except Exception as error:  # a failed request fails the run (after the others finish)
            errors.append(error)
        with lock:
            in_flight[0] -= 1
            latencies.append(time.perf_counter() - due)

    def client(c: int, offsets: list[float], sent: list[threading.Thread]) -> None:
        for k, offset in enumerate(offsets):
            due = start + offset
            time.sleep(max(0.0, due - time.perf_counter()))
            sent.append(threading.Thread(target=request, args=(c + k * CLIENTS, due)))
            sent[-1].start()
        for t in sent:
            t.join()

    clients = [threading.Thread(target=client, args=(c, s, [])) for c, s in enumerate(schedules)]
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} of {len(latencies)} requests failed; first: {errors[0]!r}")
    return {"latencies": latencies, "elapsed": time.perf_counter() - start, "most_in_flight": most[0]}


def measure(asks: dict, rate: float, args) -> dict:
    """Round-robin: each round's schedule runs against every server in turn."""
    got = {when: {"latencies": [], "elapsed": 0.0, "most_in_flight": 0} for when in asks}
    for r in range(args.rounds):
        schedules = client_schedules(rate, args.requests, args.seed + r)
        for when, ask in asks.items():
            one = run_schedule(ask, schedules)
            got[when]["latencies"] += one["latencies"]
            got[when]["elapsed"] += one["elapsed"]
            got[when]["most_in_flight"] = max(got[when]["most_in_flight"], one["most_in_flight"])
            print(
                f"round {r + 1}/{args.rounds} {when}: {len(one['latencies'])} requests in {one['elapsed']:.1f} s, "
                f"p50 {quantile(sorted(one['latencies']), 0.5):.3f} s, at most {one['most_in_flight']} in flight",
                flush=True,
            )
    return {when: summarize(g) for when, g in got.items()}


def quantile(ordered: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted values."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def summarize(got: dict) -> dict:
    ordered = sorted(got["latencies"])
    summary = {f"p{round(q * 100)}": quantile(ordered, q) for q in QUANTILES}
    return summary | {
        "rps": len(ordered) / got["elapsed"],
        "n": len(ordered),
        "in_flight": got["most_in_flight"],
    }


def report(results: dict, rate: float, trees: dict, args) -> list[str]:
    """Print the table (and the after / before ratios); return it as markdown lines for the results file."""
    routing = f"canary {args.canary}" if args.canary else "routing off"
    print(f"\narrival rate {rate:.2f} req/s, {args.new_tokens} new tokens, {routing}")
    table = [
        "| server | p50 s | p95 s | p99 s | req/s | n | most in flight |",
        "|---|---|---|---|---|---|---|",
    ]
    print(f"{'server':<10}{'p50 s':>9}{'p95 s':>9}{'p99 s':>9}{'req/s':>8}{'n':>5}{'in flight':>10}  tree")
    for when, r in results.items():
        figures = (
            f"{r['p50']:>9.3f}{r['p95']:>9.3f}{r['p99']:>9.3f}{r['rps']:>8.2f}{r['n']:>5}{r['in_flight']:>10}"
        )
        print(f"{when:<10}{figures}  {trees[when]}")
        table.append(
            f"| {when} ({trees[when]}) | {r['p50']:.3f} | {r['p95']:.3f} | {r['p99']:.3f} | {r['rps']:.2f} "
            f"| {r['n']} | {r['in_flight']} |"
        )
    if "before" in results:
        after, before = results["after"], results["before"]
        ratios = "  ".join(f"{k} {after[k] / before[k]:.2f}" for k in ("p50", "p95", "p99", "rps"))
        print(f"after / before: {ratios}")
    print(json.dumps({"rate": rate, "tiny": args.tiny, "new_tokens": args.new_tokens, "results": results}))
    return table


def record_figures(results: dict, rate: float, args, table: list[str]) -> None:
    """Rows of bench/results/staggered_arrivals.json: after vs before when a baseline ran, else after alone."""
    routing = f", canary {args.canary}" if args.canary else ""
    setup = f"Poisson {rate:.2f} req/s from {CLIENTS} clients, up to {args.new_tokens} new tokens{routing}, {args.rounds} x {args.requests} requests"  # fmt: skip
    after, before = results["after"], results.get("before")
    versus = f"after vs before ({args.baseline_tree})" if before else "`tuneline serve`"
    rows = [
        {"figure": f"staggered arrivals: {name}, {versus} ({setup})", "ours": after[key],
         "peer": before[key] if before else None, "unit": unit}
        for key, name, unit in (("p50", "p50 latency", "s"), ("p95", "p95 latency", "s"),
                                ("p99", "p99 latency", "s"), ("rps", "req/s", "req/s"))
    ]  # fmt: skip
    record("staggered_arrivals", rows, tiny=args.tiny, threads=args.threads or None, table=table)


if __name__ == "__main__":
    sys.exit(main())

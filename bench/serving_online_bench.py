"""Online serving: peak RSS of 1 vs 2 versions over one base, request-log latency, canary req/s at c=8.

    python bench/serving_bench.py --online --threads 1          # SmolLM2-135M (several minutes on 2 cores)
    python bench/serving_bench.py --online --tiny --rounds 1    # quick check with the tests' tiny Llama
    git worktree add /work/base17 e4b4697                       # once: a checkout of the code before a change
    python bench/serving_bench.py --online --baseline-tree /work/base17 --threads 1   # before vs after, one run

Called by `serving_bench.py --online` after it registered the champion: registers a second version over the
same base (a different random LoRA adapter; the challenger alias), then starts three `tuneline serve`
processes and measures them round-robin: one version with the log off (TUNELINE_ROUTING=off), one version
with the log on, and canary routing (fraction 0.5) holding both versions as two adapters on one base (log
off). Peak RSS is each process's VmHWM (Linux) after the run, so it covers loading, warm-up and serving. It
also times `RequestLog.record` itself, the only part of the log on the request path.

Canary throughput: req/s at concurrency 8 (8 client threads; greedy answers up to the versions' max new
tokens, the same on every system) of canary 0.5 over the routing-off server; the clients send no `user` and no
session header, so the route is drawn at random per request (about half the requests go to each version).
With `--baseline-tree PATH` each of the three servers is also started from that tree (`python -m serving`
with cwd and PYTHONPATH = PATH, this venv, the same registry; versions registered once with this tree's
code), interleaved in the same rounds: the report shows before (that tree), after (this tree) and after /
before for each figure.
"""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path

import _results  # bench/_results.py (bench/ is on sys.path)
from serving_bench import NAME, REPO, measure, register_version, server_system, start_server

SINGLE, LOGGED, CANARY = "1 version, log off", "1 version, log on", "2 versions, canary 0.5"
SERVERS = {  # label -> extra environment
    SINGLE: {"TUNELINE_REQUEST_LOG_URL": "", "TUNELINE_ROUTING": "off"},
    LOGGED: {"TUNELINE_ROUTING": "off"},  # a request log in the work folder (one file per tree)
    CANARY: {
        "TUNELINE_REQUEST_LOG_URL": "",
        "TUNELINE_ROUTING": "canary",
        "TUNELINE_CANARY_FRACTION": "0.5",
        "TUNELINE_CHALLENGER_ALIAS": "challenger",
    },
}
CANARY_TARGET = ">= 0.85"


def measure_online(args, work: Path, env: dict[str, str], base: str, champion: str) -> int:
    challenger = register_version(base, work, args.new_tokens, seed=1, champion=False)
    print(f"challenger models:/{NAME}/{challenger} (same base, another adapter)", flush=True)
    trees = {"after": REPO} | ({"before": args.baseline_tree} if args.baseline_tree else {})
    processes, systems = {}, {}
    try:
        for label, extra in SERVERS.items():
            for when, tree in trees.items():  # before and after of one setting side by side in each round
                key = system_label(label, when, len(trees) > 1)
                log_db = {"TUNELINE_REQUEST_LOG_URL": f"sqlite:///{work}/requests-{when}.db"}
                log = log_db if label == LOGGED else {}
                slug = f"{when}-" + label.replace(" ", "-").replace(",", "")
                n = args.new_tokens
                process, ask, port = start_server("tuneline", champion, env, n, extra | log, slug, tree)
                processes[key] = process
                systems[key] = server_system(ask)
                print(f"{key}: ready {ready(port)}", flush=True)
        results = measure(systems, args)
        peaks = {key: peak_rss_mb(p.pid) for key, p in processes.items()}
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=60)
    record_us = record_cost_us(work)
    report_online(results, peaks, record_us, list(trees), args)
    record_online_figures(results, peaks, record_us, list(trees), args)
    return 0


def system_label(label: str, when: str, two_trees: bool) -> str:
    return f"{label} [{when}]" if two_trees else label


def tree_figures(results: dict, peaks: dict, when: str, two_trees: bool) -> dict:
    """The figures of one tree: RSS ratio, log cost, canary / single req/s at c=8."""
    one, logged, canary = (system_label(s, when, two_trees) for s in (SINGLE, LOGGED, CANARY))
    return {
        "rss": (peaks[canary], peaks[one]),
        "log_p50": (results[logged]["c1"]["p50"], results[one]["c1"]["p50"]),
        "canary_rps": (results[canary]["c8"]["rps"], results[one]["c8"]["rps"]),
        "noise_ms": (results[one]["c1"]["p95"] - results[one]["c1"]["p50"]) * 1000,
    }


def record_online_figures(results: dict, peaks: dict, record_us: float, trees: list[str], args) -> None:
    """Rows of bench/results/serving_online_bench.json (bench/_results.py)."""
    two = len(trees) > 1
    setup = f"up to {args.new_tokens} new tokens, {args.rounds} rounds"
    rows = []
    for when in trees:
        f = tree_figures(results, peaks, when, two)
        tag = f" [before: {args.baseline_tree}]" if when == "before" else ""
        rows += [
            {"figure": f"serving online: peak RSS, 2 versions over one base (canary 0.5) vs 1 version{tag}",
             "ours": round(f["rss"][0], 1), "peer": round(f["rss"][1], 1), "target": "<= 1.15", "unit": "MiB"},
            {"figure": f"serving online: p50 latency at c=1, request log on vs off ({setup}){tag}",
             "ours": f["log_p50"][0], "peer": f["log_p50"][1], "unit": "s"},
            {"figure": f"serving online: req/s at c=8, canary 0.5 over 2 versions vs routing off, 1 version ({setup}){tag}",
             "ours": f["canary_rps"][0], "peer": f["canary_rps"][1], "target": CANARY_TARGET, "unit": "req/s"},
        ]  # fmt: skip
    if two:
        for label in SERVERS:
            after, before = results[f"{label} [after]"], results[f"{label} [before]"]
            rows += [
                {"figure": f"serving online: req/s at c=8, {label}, after vs before ({args.baseline_tree}) ({setup})",
                 "ours": after["c8"]["rps"], "peer": before["c8"]["rps"], "unit": "req/s"},
                {"figure": f"serving online: p50 latency at c=1, {label}, after vs before ({args.baseline_tree}) ({setup})",
                 "ours": after["c1"]["p50"], "peer": before["c1"]["p50"], "unit": "s"},
            ]  # fmt: skip
    rows.append({"figure": "serving online: one `RequestLog.record` call on the request path",
                 "ours": round(record_us, 1), "peer": None, "unit": "µs"})  # fmt: skip
    _results.record("serving_online_bench", rows, tiny=args.tiny, threads=args.threads or None)


def ready(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/ready")
    return json.loads(conn.getresponse().read())


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a running process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/<pid>/status (Linux only)")


def record_cost_us(work: Path, n: int = 2000) -> float:
    """Mean time of one `RequestLog.record` call (queue only; redaction and SQL run on the writer thread)."""
    from components.common.request_log import RequestLog, RequestRecord

    log = RequestLog(f"sqlite:///{work}/record-cost.db", ["email", "phone", "credit_card", "ip_address"])
    messages = [{"role": "user", "content": "How do I export a page? Mail me at a.b@example.com"}]
    records = [RequestRecord(f"chatcmpl-{i}", "1", "champion", messages, "Open the menu.") for i in range(n)]
    log.start()
    started = time.perf_counter()
    for record in records:
        log.record(record)
    took = time.perf_counter() - started
    log.close()
    return took / n * 1e6


def report_online(results: dict, peaks: dict, record_us: float, trees: list[str], args) -> None:
    print(f"\n{'server':<36}{'p50 c1 s':>10}{'p50 c8 s':>10}{'req/s c8':>10}{'peak RSS MiB':>14}")
    for label, r in results.items():
        c1, c8 = r["c1"], r["c8"]
        print(f"{label:<36}{c1['p50']:>10.3f}{c8['p50']:>10.3f}{c8['rps']:>10.2f}{peaks[label]:>14.0f}")
    summary = {}
    for when in trees:
        f = tree_figures(results, peaks, when, len(trees) > 1)
        (canary, single), log_ms = f["canary_rps"], (f["log_p50"][0] - f["log_p50"][1]) * 1000
        summary[when] = {"rss_ratio": f["rss"][0] / f["rss"][1], "log_p50_ms": log_ms}
        summary[when] |= {"canary_rps": canary, "single_rps": single, "canary_ratio": canary / single}
        print(
            f"\n{when} ({REPO if when == 'after' else args.baseline_tree}), targets in brackets",
            f"  peak RSS, 2 versions over one base / 1 version   {f['rss'][0] / f['rss'][1]:6.2f}  [<= 1.15]",
            f"  p50 c=1, log on - log off                        {log_ms:+6.1f} ms  [a few ms]",
            f"  p95 - p50 at c=1, log off (noise to compare)     {f['noise_ms']:6.1f} ms",
            f"  req/s c=8: canary 0.5 {canary:.2f}, routing off {single:.2f}; canary / off "
            f"{canary / single:6.2f}  [{CANARY_TARGET}]",
            sep="\n",
        )
    if len(trees) > 1:
        print_before_after(results, peaks)
    print(f"\nRequestLog.record call (on the request path, this tree): {record_us:.1f} us")
    extra = {"record_us": record_us, "peaks_mib": peaks, "trees": summary}
    print(json.dumps({"new_tokens": args.new_tokens, "tiny": args.tiny, **extra, "results": results}))


def print_before_after(results: dict, peaks: dict) -> None:
    head = f"{'req/s c8':>21}{'ratio':>7}{'p50 c1 s':>21}{'ratio':>7}{'RSS ratio':>10}"
    print(f"\n{'before -> after':<24}{head}")
    for label in SERVERS:
        b, a = results[f"{label} [before]"], results[f"{label} [after]"]
        rps, p50 = (b["c8"]["rps"], a["c8"]["rps"]), (b["c1"]["p50"], a["c1"]["p50"])
        rss = peaks[f"{label} [after]"] / peaks[f"{label} [before]"]
        print(
            f"{label:<24}{rps[0]:>10.2f} -> {rps[1]:>7.2f}{rps[1] / rps[0]:>7.2f}"
            f"{p50[0]:>10.3f} -> {p50[1]:>7.3f}{p50[1] / p50[0]:>7.2f}{rss:>10.2f}"
        )

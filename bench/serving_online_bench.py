"""Online-serving costs: peak RSS of one vs two versions over one base, and latency with the request log on/off.

    python bench/serving_bench.py --online --threads 1          # SmolLM2-135M (several minutes on 2 cores)
    python bench/serving_bench.py --online --tiny --rounds 1    # quick check with the tests' tiny Llama

Called by `serving_bench.py --online` after it registered the champion: registers a second version over the
same base (the challenger), then starts three `tuneline serve` processes and measures them round-robin:
one version with the log off, one version with the log on, and canary routing (fraction 0.5) holding both
versions as two adapters on one base (log off). Peak RSS is each process's VmHWM (Linux) after the run, so
it covers loading, warm-up and serving. It also times `RequestLog.record` itself, the only part of the log
on the request path.
"""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path

import _results  # bench/_results.py (bench/ is on sys.path)
from serving_bench import NAME, measure, register_version, server_system, start_server

SERVERS = {  # label -> extra environment
    "1 version, log off": {"TUNELINE_REQUEST_LOG_URL": ""},
    "1 version, log on": {},  # bench_environment's log in the work folder
    "2 versions, canary 0.5": {
        "TUNELINE_REQUEST_LOG_URL": "",
        "TUNELINE_ROUTING": "canary",
        "TUNELINE_CANARY_FRACTION": "0.5",
    },
}


def measure_online(args, work: Path, env: dict[str, str], base: str, champion: str) -> int:
    challenger = register_version(base, work, args.new_tokens, seed=1, champion=False)
    print(f"challenger models:/{NAME}/{challenger} (same base)", flush=True)
    processes, systems = {}, {}
    try:
        for label, extra in SERVERS.items():
            slug = label.replace(" ", "-").replace(",", "")
            process, ask, port = start_server("tuneline", champion, env, args.new_tokens, extra, slug)
            processes[label] = process
            systems[label] = server_system(ask)
            print(f"{label}: ready {ready(port)}", flush=True)
        results = measure(systems, args)
        peaks = {label: peak_rss_mb(p.pid) for label, p in processes.items()}
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=60)
    record_us = record_cost_us(work)
    report_online(results, peaks, record_us, args)
    record_online_figures(results, peaks, record_us, args)
    return 0


def record_online_figures(results: dict, peaks: dict, record_us: float, args) -> None:
    """Rows of bench/results/serving_online_bench.json (bench/_results.py)."""
    one, logged = results["1 version, log off"], results["1 version, log on"]
    rows = [
        {"figure": "serving online: peak RSS, 2 versions over one base (canary 0.5) vs 1 version",
         "ours": round(peaks["2 versions, canary 0.5"], 1), "peer": round(peaks["1 version, log off"], 1),
         "target": "<= 1.15", "unit": "MiB"},
        {"figure": "serving online: p50 latency at c=1, request log on vs off",
         "ours": logged["c1"]["p50"], "peer": one["c1"]["p50"], "unit": "s"},
        {"figure": "serving online: one `RequestLog.record` call on the request path",
         "ours": round(record_us, 1), "peer": None, "unit": "µs"},
    ]  # fmt: skip
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


def report_online(results: dict, peaks: dict, record_us: float, args) -> None:
    print(f"\n{'server':<26}{'p50 c1 s':>10}{'p50 c8 s':>10}{'req/s c8':>10}{'peak RSS MiB':>14}")
    for label, r in results.items():
        c1, c8 = r["c1"], r["c8"]
        print(f"{label:<26}{c1['p50']:>10.3f}{c8['p50']:>10.3f}{c8['rps']:>10.2f}{peaks[label]:>14.0f}")
    one, logged = results["1 version, log off"], results["1 version, log on"]
    rss_ratio = peaks["2 versions, canary 0.5"] / peaks["1 version, log off"]
    log_ms = (logged["c1"]["p50"] - one["c1"]["p50"]) * 1000
    print(
        "\ntargets in brackets",
        f"  peak RSS, 2 versions over one base / 1 version   {rss_ratio:6.2f}  [<= 1.15]",
        f"  p50 c=1, log on - log off                        {log_ms:+6.1f} ms  [a few ms]",
        f"  p95 - p50 at c=1, log off (noise to compare)     {(one['c1']['p95'] - one['c1']['p50']) * 1000:6.1f} ms",
        f"  RequestLog.record call (on the request path)     {record_us:6.1f} us",
        sep="\n",
    )
    summary = {"rss_ratio": rss_ratio, "log_p50_ms": log_ms, "record_us": record_us, "peaks_mib": peaks}
    print(json.dumps({"new_tokens": args.new_tokens, "tiny": args.tiny, **summary, "results": results}))

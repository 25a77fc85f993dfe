"""Edge serving on CPU: `tuneline serve` vs llama.cpp's `llama-server` on the version's F16 and Q8_0 GGUF exports.

    python bench/edge_bench.py                  # the demo's trained adapter (run `make demo` first); builds llama.cpp once
    python bench/edge_bench.py --tiny           # the tests' tiny random Llama: checks the script, figures are not real
    python bench/edge_bench.py --build-only     # only build bench/.llama.cpp/build/bin/llama-server
    python bench/edge_bench.py --llama-server /usr/local/bin/llama-server   # an existing build instead

1. llama-server is built from the llama.cpp that the pinned llama-cpp-python sdist vendors (bench/_llama_cpp.py:
   cmake, Ninja, this machine's compilers, only the server target, into bench/.llama.cpp/, ignored by git).
2. A throwaway SQLite registry gets one champion version: the demo's adapter (artifacts/align/adapter) with the
   evaluation report it was registered with (artifacts/evaluate/eval_report.json); --tiny: a random adapter on
   the tiny model, evaluated on 8 golden prompts.
3. `tuneline export gguf` exports it to F16 and Q8_0 with its check through llama-server on the evaluated golden
   prompts (engine=llama-server): agreement, fact accuracy and the gate of each file, as users would run it.
4. Four servers on 127.0.0.1, loaded together and measured round-robin: (a) `tuneline serve`, (b) llama-server
   on the F16 file, (c) on the Q8_0 file, (d) `tuneline serve --backend llama_cpp` (the Q8_0 file's llama-server
   behind tuneline's control plane: what its proxy costs), each llama-server with 8 parallel slots (-np 8) for
   c=8. p50 latency at c=1 and req/s at c=8 on golden prompts with a fixed answer length (min = max new tokens; llama-server:
   ignore_eos), then each server's golden fact accuracy (greedy, the evaluation's answer length) and peak RSS.

Rows go to bench/results/edge_bench.json with a table of the exact commands and flags; `python bench/report.py`
renders them into bench/RESULTS.md. Nothing here runs in `make test` or `make demo`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _results import record  # bench/_results.py; imported first: the load average at start
from serving_bench import (
    NAME,
    bench_environment,
    build_tiny_base,
    free_port,
    measure,
    server_system,
    wait_ready,
)
from serving_online_bench import peak_rss_mb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from _llama_cpp import build_llama_server, server_command  # noqa: E402  (bench/ helper)

SLOTS = 8  # llama-server -np: parallel sequences, one per client at c=8
BACKEND_LABEL = "tuneline serve --backend llama_cpp Q8_0"  # that llama-server behind tuneline's control plane
CONTEXT = 1024  # tokens per slot: a golden prompt (< 200 tokens) plus its answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny random Llama instead of the demo's model")
    parser.add_argument("--build-only", action="store_true", help="only build llama-server, then stop")
    parser.add_argument("--llama-server", type=Path, help="an existing llama-server binary (no build)")
    parser.add_argument("--adapter", type=Path, default=REPO / "artifacts" / "align" / "adapter")
    parser.add_argument(
        "--eval-report", type=Path, default=REPO / "artifacts" / "evaluate" / "eval_report.json"
    )
    for flag, default, text in (
        ("--new-tokens", 32, "fixed answer length for the speed rounds (min = max)"),
        ("--rounds", 3, "measurement rounds (systems interleaved)"),
        ("--single", 3, "sequential requests per system per round (c=1)"),
        ("--per-client", 2, "requests per client per round at c=8"),
        (
            "--threads",
            os.cpu_count() or 2,
            "CPU threads: llama-server -t and OMP_NUM_THREADS for tuneline serve",
        ),
    ):
        parser.add_argument(flag, type=int, default=default, help=text)
    args = parser.parse_args(argv)
    binary, cmake_flags, build_s = (args.llama_server, [], 0.0) if args.llama_server else build_llama_server()
    print(
        f"llama-server: {binary} (built in {build_s:.0f} s)" if build_s else f"llama-server: {binary}",
        flush=True,
    )
    if args.build_only:
        return 0
    work, env, version, report = setup_version(args)
    exported, export_s = export_version(version, binary, env, work, args.threads)
    golden = golden_prompts(report)
    processes, systems, commands = {}, {}, {}
    try:
        port = free_port()
        commands["tuneline serve"] = [
            sys.executable,
            "-m",
            "serving",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        processes["tuneline serve"] = start(commands["tuneline serve"], env, work / "tuneline-serve.log")
        wait_ready(port, "/ready", processes["tuneline serve"])
        systems["tuneline serve"] = client(port, tuneline=True)
        for quant, export in exported.items():
            label, port = f"llama-server {quant.upper()}", free_port()
            commands[label] = server_command(binary, Path(export["file"]), port, SLOTS, args.threads, CONTEXT)
            processes[label] = start(commands[label], env, work / f"{label.replace(' ', '-')}.log")
            wait_ready(port, "/health", processes[label])
            systems[label] = client(port, tuneline=False)
        if "q8_0" in exported:  # the same Q8_0 file behind tuneline's control plane (serving/llama_cpp.py)
            label, port = BACKEND_LABEL, free_port()
            commands[label] = [sys.executable, "-m", "serving", "--port", str(port), "--log-level", "warning",
                               "--backend", "llama_cpp", "--llama-server", str(binary), "--quantization", "q8_0",
                               "--llama-slots", str(SLOTS), "--llama-threads", str(args.threads)]  # fmt: skip
            processes[label] = start(commands[label], env, work / "tuneline-serve-llama-cpp.log")
            wait_ready(port, "/ready", processes[label])
            systems[label] = client(port, tuneline=True)
        speed = measure(
            {k: server_system(speed_ask(ask, golden, args.new_tokens)) for k, ask in systems.items()}, args
        )
        facts = {label: fact_accuracy(ask, report, golden) for label, ask in systems.items()}
        peaks = {label: tree_peak_rss_mb(process.pid) for label, process in processes.items()}
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=60)
    rows = figures(speed, facts, peaks, exported, args, export_s, build_s, len(golden))
    table = summary_table(speed, facts, peaks, exported, commands, cmake_flags, args, work)
    print("\n".join(table))
    record("edge_bench", rows, tiny=args.tiny, threads=args.threads, table=table)
    return 0


def setup_version(args) -> tuple[Path, dict[str, str], str, dict]:
    """A throwaway registry with the version as champion; (work folder, environment, version, its eval report)."""
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="tuneline-edge-bench-"))
    env = bench_environment(work) | {"OMP_NUM_THREADS": str(args.threads)}
    os.environ.update(env)
    from components.common.config import load_config
    from components.common.step import offline_environment
    from components.register import registry
    from components.register.config import RegisterConfig
    from components.register.core import run as register

    offline_environment()
    adapter, report = tiny_evaluated(work) if args.tiny else (args.adapter, args.eval_report)
    if not (adapter / "adapter_config.json").is_file() or not report.is_file():
        raise SystemExit(f"{adapter} or {report} is missing: run `make demo` first (or use --tiny)")
    cfg = load_config(RegisterConfig, adapter_dir=str(adapter), eval_report=str(report),
                      registered_model_name=NAME, out_dir=str(work / "register"))  # fmt: skip
    version = register(cfg)["version"]
    registry.move_alias(NAME, "champion", version, None, "promote", "edge benchmark")
    print(f"registered models:/{NAME}/{version} from {adapter}; store {work}", flush=True)
    return work, env, version, json.loads(report.read_text())


def tiny_evaluated(work: Path) -> tuple[Path, Path]:
    """A random adapter on the tiny model and its evaluation on 8 golden prompts (configs/smoke/evaluate.yaml)."""
    from components.common.config import load_config
    from components.evaluate_model.config import EvaluateConfig
    from components.evaluate_model.core import run as evaluate

    base = build_tiny_base(work / "tiny-base")  # puts tests/ on sys.path
    from conftest import build_tiny_adapter  # tests/conftest.py

    adapter = build_tiny_adapter(Path(base), work / "adapter")
    cfg = load_config(EvaluateConfig, REPO / "configs" / "smoke" / "evaluate.yaml", candidate=str(adapter),
                      champion=base, preference_file=None, golden_file=str(REPO / "data" / "raw" / "golden.jsonl"),
                      out_dir=str(work / "evaluate"), cache_dir=str(work / "gen-cache"))  # fmt: skip
    evaluate(cfg)
    return adapter, work / "evaluate" / "eval_report.json"


def export_version(version: str, binary: Path, env: dict, work: Path, threads: int) -> tuple[dict, float]:
    """`tuneline export gguf` checked through llama-server; the files and their check, refused ones included."""
    command = [str(Path(sys.executable).with_name("tuneline")), "export", "gguf", "--config", "configs/export.yaml",
               f"source=models:/{NAME}/{version}", "engine=llama-server", f"llama_server.binary={binary}",
               f"llama_server.args=[-t,'{threads}']", f"out_dir={work / 'export'}"]  # fmt: skip
    print("$", " ".join(command), flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    check_file = work / "export" / "export_check.json"
    if not check_file.is_file():
        raise RuntimeError(f"tuneline export gguf failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    if done.returncode:
        print(
            f"the export gate refused (exit {done.returncode}); measuring the files anyway:\n{done.stderr[-800:]}"
        )
    exports = json.loads(check_file.read_text())["exports"]
    return {e["quantization"]: e for e in exports}, seconds


def golden_prompts(report: dict) -> list[dict]:
    """The evaluated golden rows: id, prompt, key and wrong facts, the evaluated answer."""
    from components.common.datasets import read_golden

    rows = read_golden(REPO / report["golden_set"]["file"], int(report["golden_set"]["n"]))
    answers = {row["id"]: row["candidate_answer"] for row in report["examples"]}
    return [{"example": e, "evaluated": answers[e.id]} for e in rows if e.id in answers]


def tree_peak_rss_mb(pid: int) -> float:
    """Peak RSS of a server and the processes it started (tuneline's llama_cpp backend runs a llama-server)."""
    kids = {int(c) for f in Path(f"/proc/{pid}/task").glob("*/children") for c in f.read_text().split()}
    return peak_rss_mb(pid) + sum(tree_peak_rss_mb(kid) for kid in kids)  # children of every thread


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            command, env={**os.environ, **env}, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )


def client(port: int, tuneline: bool):
    """ask(messages, max_tokens, fixed) -> (text, completion tokens): one chat completion, greedy; `fixed`
    makes the answer exactly max_tokens long (tuneline: min_tokens; llama.cpp: ignore_eos)."""
    from components.export_gguf.engines import chat_request, post_json

    def ask(messages: list[dict], max_tokens: int, fixed: bool) -> tuple[str, int]:
        generation = {
            "max_new_tokens": max_tokens,
            "do_sample": False,
            "min_new_tokens": max_tokens if fixed else 0,
        }
        if tuneline:
            body = {"model": NAME, "messages": messages, "max_tokens": max_tokens, "temperature": 0}
            body |= {"min_tokens": max_tokens} if fixed else {}
        else:
            body = chat_request(messages, "", generation)  # golden prompts bring their system message
        reply = post_json(f"http://127.0.0.1:{port}/v1/chat/completions", body, timeout=900)
        return reply["choices"][0]["message"]["content"] or "", int(reply["usage"]["completion_tokens"])

    return ask


def speed_ask(ask, golden: list[dict], new_tokens: int):
    def one(i: int) -> None:
        _, tokens = ask(golden[i % len(golden)]["example"].prompt, new_tokens, True)
        assert tokens == new_tokens, f"{tokens} tokens, expected {new_tokens}"

    return one


def fact_accuracy(ask, report: dict, golden: list[dict]) -> dict:
    """Greedy answers to every evaluated golden prompt (8 at a time): fact accuracy and identical share."""
    from components.export_gguf.decision import fact_accurate

    max_tokens = int(report["generation"]["max_new_tokens"])
    with ThreadPoolExecutor(max_workers=SLOTS) as pool:
        answers = list(pool.map(lambda g: ask(g["example"].prompt, max_tokens, False)[0], golden))
    right = [
        fact_accurate(a, g["example"].key_facts, g["example"].wrong_facts)
        for a, g in zip(answers, golden, strict=True)
    ]
    same = [a == g["evaluated"] for a, g in zip(answers, golden, strict=True)]
    return {"fact_accuracy": sum(right) / len(golden), "identical": sum(same) / len(golden), "n": len(golden)}


def figures(speed, facts, peaks, exported, args, export_s, build_s, n) -> list[dict]:
    ours, setup = (
        "tuneline serve",
        f"{args.new_tokens} new tokens, {args.rounds} rounds, {args.threads} threads",
    )
    rows = []
    for quant in exported:
        peer = f"llama-server {quant.upper()}"
        rows += [
            {"figure": f"edge: p50 latency at c=1, `tuneline serve` vs {peer} ({setup})",
             "ours": speed[ours]["c1"]["p50"], "peer": speed[peer]["c1"]["p50"], "unit": "s"},
            {"figure": f"edge: req/s at c=8, `tuneline serve` vs {peer} -np {SLOTS} ({setup})",
             "ours": speed[ours]["c8"]["rps"], "peer": speed[peer]["c8"]["rps"], "unit": "req/s"},
            {"figure": f"edge: peak RSS, `tuneline serve` (fp32, merged) vs {peer}",
             "ours": round(peaks[ours], 1), "peer": round(peaks[peer], 1), "unit": "MiB"},
            {"figure": f"edge: golden fact accuracy, `tuneline serve` vs {peer} (greedy, {n} prompts)",
             "ours": round(facts[ours]["fact_accuracy"], 4), "peer": round(facts[peer]["fact_accuracy"], 4),
             "unit": "fact accuracy"},
        ]  # fmt: skip
    if BACKEND_LABEL in speed:  # what tuneline's control plane costs in front of the same llama-server
        peer = "llama-server Q8_0"
        rows += [
            {"figure": f"edge: p50 latency at c=1, `tuneline serve --backend llama_cpp` vs bare {peer} ({setup})",
             "ours": speed[BACKEND_LABEL]["c1"]["p50"], "peer": speed[peer]["c1"]["p50"], "unit": "s"},
            {"figure": f"edge: req/s at c=8, `tuneline serve --backend llama_cpp` vs bare {peer} -np {SLOTS} ({setup})",
             "ours": speed[BACKEND_LABEL]["c8"]["rps"], "peer": speed[peer]["c8"]["rps"], "unit": "req/s"},
            {"figure": f"edge: golden fact accuracy, `tuneline serve --backend llama_cpp` vs bare {peer} ({n} prompts)",
             "ours": round(facts[BACKEND_LABEL]["fact_accuracy"], 4),
             "peer": round(facts[peer]["fact_accuracy"], 4), "unit": "fact accuracy"},
        ]  # fmt: skip
    rows.append({"figure": f"edge: `tuneline export gguf` ({', '.join(exported)}; checked through llama-server on "
                 f"{n} golden prompts), wall time", "ours": round(export_s, 1), "unit": "s"})  # fmt: skip
    if build_s:
        rows.append({"figure": "edge: building llama-server from the pinned sdist (bench only)",
                     "ours": round(build_s, 1), "unit": "s"})  # fmt: skip
    return rows


def summary_table(speed, facts, peaks, exported, commands, cmake_flags, args, work: Path) -> list[str]:
    """The three systems side by side, with the exact command each ran (paths shortened)."""
    lines = ["| system | p50 c=1 (s) | req/s c=8 | peak RSS (MiB) | golden fact accuracy | identical to evaluated | "
             "export check | command |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for label, command in commands.items():
        verdict = "(the evaluated version, fp32)"
        if label.startswith("llama-server") or label == BACKEND_LABEL:
            check = exported[label.split()[-1].lower()]["check"]
            verdict = (f"{'passed' if check['passed'] else 'REFUSED'}: {check['identical']}/{check['checked']} "
                       f"identical, fact accuracy {check['source_fact_accuracy']:.3f} -> "
                       f"{check['export_fact_accuracy']:.3f}")  # fmt: skip
        shown = (
            " ".join(command)
            .replace(sys.executable, "python")
            .replace(str(work), "<work>")
            .replace(f"{REPO}/", "")
        )
        lines.append(f"| {label} | {speed[label]['c1']['p50']:.3f} | {speed[label]['c8']['rps']:.3f} | "
                     f"{peaks[label]:.0f} | {facts[label]['fact_accuracy']:.3f} | {facts[label]['identical']:.3f} | "
                     f"{verdict} | `{shown}` |")  # fmt: skip
    flags = " ".join(cmake_flags) or "(an existing binary)"
    lines += [
        "",
        f"llama-server build: `cmake {flags}`, target llama-server; {args.threads} threads for every server.",
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())

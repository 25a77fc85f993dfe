"""Serving benchmark: this server vs `mlflow models serve` vs raw in-process generate, one registered version.

    python bench/serving_bench.py            # SmolLM2-135M-Instruct, up to 32 new tokens (minutes on 2 cores)
    python bench/serving_bench.py --tiny     # the tiny random Llama the tests use (about a minute)
    python bench/serving_bench.py --online   # routing + request log: peak RSS, latency, canary req/s (serving_online_bench.py)
    python bench/serving_bench.py --baseline-tree /work/base17   # also `tuneline serve` from an older checkout
    python bench/serving_bench.py --fixed-length   # every answer exactly 32 tokens (min = max), as until 2026-12-01

A throwaway SQLite registry gets one version: a LoRA adapter with random non-zero weights on the base, whose
versioned generation defaults set max new tokens; every system decodes the same greedy answers, up to that
long (`mlflow models serve` ignores request params for this model; the version's defaults reach it). (Until
2026-12-01 they pinned min = max; a minimum length now decodes through `generate`, not continuous batching.
`--fixed-length` pins it again, for the default windowed batching only, and records to
bench/results/serving_bench_fixed_length.json: the same rows on the workload the targets were first met on.)
Prints p50/p95 latency and requests/s at concurrency 1 and 8 for (a) `tuneline serve`, (b) `mlflow models
serve --env-manager local` of the same version, (c) `ChatModel.generate` in process (one prompt; 8 batched),
then the ratios the serving issue targets. Both servers bind 127.0.0.1 and get the same plain HTTP client.
The systems are measured round-robin (all loaded at once, idle while another runs), so load from other
jobs on a shared machine spreads over all of them instead of skewing whichever ran during a busy minute.
`--baseline-tree PATH` (a second checkout, e.g. `git worktree add /work/base17 <commit>`) adds a `tuneline
serve` started from that tree (its `serving` and `components`, this venv, the same registry) to the same
rounds, so before (that tree) and after (this one) are compared within one run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
NAME = "bench-assistant"
FIXED = [False]  # --fixed-length: the version's defaults and every request pin min = max new tokens
PROMPTS = [
    "How do I export a page to PDF?",
    "What does error QN-409 mean?",
    "How much is the Plus plan per month?",
    "Can I share a notebook with someone outside my workspace?",
    "How do I restore a deleted page?",
    "Why is sync slow on my phone?",
    "How do I change my billing email?",
    "Can I use Quillnote offline?",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny random Llama instead of SmolLM2-135M")
    parser.add_argument("--skip-mlflow", action="store_true", help="leave out `mlflow models serve`")
    parser.add_argument(
        "--online",
        action="store_true",
        help="instead: peak RSS of one vs two versions over one base, and p50 with the request log on vs off",
    )
    for flag, default, text in (
        ("--new-tokens", 32, "max answer length (greedy: the same answers on every system)"),
        ("--rounds", 3, "measurement rounds (systems interleaved)"),
        ("--single", 3, "sequential requests per system per round (c=1)"),
        ("--per-client", 2, "requests per client per round at c=8"),
        ("--threads", 0, "torch threads for all three (OMP_NUM_THREADS); 0: torch's default"),
    ):
        parser.add_argument(flag, type=int, default=default, help=text)
    parser.add_argument(
        "--fixed-length",
        action="store_true",
        help="pin every answer to exactly --new-tokens (min = max; measures `generate`, not continuous batching)",
    )
    add_baseline_flag(parser)
    args = parser.parse_args(argv)
    if args.fixed_length and args.online:
        parser.error("--fixed-length measures the serving rows; --online runs without it")
    FIXED[0] = args.fixed_length
    work, env, base, version = setup_registry(args.tiny, args.new_tokens, args.threads)
    if args.online:
        from serving_online_bench import measure_online  # bench/ is on sys.path when this file runs

        return measure_online(args, work, env, base, version)
    servers = {"tuneline serve": ("tuneline", REPO)}
    if args.baseline_tree:
        servers["tuneline serve (before)"] = ("tuneline", args.baseline_tree)
    if not args.skip_mlflow:
        servers["mlflow models serve"] = ("mlflow", REPO)
    processes = []
    try:
        systems = {"raw generate": raw_system(version, args.new_tokens)}
        ports = {}
        for label, (kind, tree) in servers.items():
            slug = label.replace(" ", "-").replace("(", "").replace(")", "")
            process, ask, ports[label] = start_server(kind, version, env, args.new_tokens, None, slug, tree)
            processes.append(process)
            systems[label] = server_system(ask)
        results = measure(systems, args)
        report(results, args)
        print_batch_sizes(ports["tuneline serve"])
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
    record_figures(results, args)
    return 0


def record_figures(results: dict, args) -> None:
    """The targeted ratios as rows of bench/results/serving_bench.json (bench/_results.py)."""
    ours, raw, ml = results["tuneline serve"], results["raw generate"], results.get("mlflow models serve")
    setup = f"{'exactly' if FIXED[0] else 'up to'} {args.new_tokens} new tokens, {args.rounds} rounds"
    rows = [
        {"figure": f"serving: p50 latency at c=1, `tuneline serve` vs raw generate one prompt ({setup})",
         "ours": ours["c1"]["p50"], "peer": raw["c1"]["p50"], "target": "<= 1.10", "unit": "s"},
        {"figure": f"serving: req/s at c=8, `tuneline serve` vs raw generate 8 batched ({setup})",
         "ours": ours["c8"]["rps"], "peer": raw["c8"]["rps"], "target": ">= 0.80", "unit": "req/s"},
    ]  # fmt: skip
    if ml:
        rows.append({"figure": f"serving: req/s at c=8, `tuneline serve` vs `mlflow models serve` ({setup})",
                     "ours": ours["c8"]["rps"], "peer": ml["c8"]["rps"], "target": ">= 3.00", "unit": "req/s"})  # fmt: skip
        # tuneline serve batches through `generate`: raw batched `generate` over mlflow bounds the row above
        rows.append({"figure": f"serving: req/s at c=8, raw generate 8 batched vs `mlflow models serve`, the bound of the row above ({setup})",
                     "ours": raw["c8"]["rps"], "peer": ml["c8"]["rps"], "unit": "req/s"})  # fmt: skip
    if before := results.get("tuneline serve (before)"):
        rows += [{"figure": f"serving: p50 latency at c=1, `tuneline serve` after vs before ({args.baseline_tree}) ({setup})",
                  "ours": ours["c1"]["p50"], "peer": before["c1"]["p50"], "unit": "s"},
                 {"figure": f"serving: req/s at c=8, `tuneline serve` after vs before ({args.baseline_tree}) ({setup})",
                  "ours": ours["c8"]["rps"], "peer": before["c8"]["rps"], "unit": "req/s"}]  # fmt: skip
    script = "serving_bench_fixed_length" if FIXED[0] else "serving_bench"
    record(script, rows, tiny=args.tiny, threads=args.threads or None)


def measure(systems: dict, args) -> dict:
    """Round-robin over the systems, so load from other jobs on the machine hits them alike."""
    samples = {name: {"c1": [], "c8": [], "c8_requests": 0, "c8_seconds": 0.0} for name in systems}
    for round_no in range(args.rounds):
        for name, system in systems.items():
            got = samples[name]
            got["c1"] += [timed(lambda i=i, one=system["one"]: one(i)) for i in range(args.single)]
            latencies, elapsed = system["eight"](args.per_client)
            got["c8"] += latencies
            got["c8_requests"] += 8 * args.per_client
            got["c8_seconds"] += elapsed
            print(
                f"round {round_no + 1}/{args.rounds} {name}: c1 {got['c1'][-1]:.2f} s, c8 {elapsed:.2f} s",
                flush=True,
            )
    return {
        name: {
            "c1": summarize(got["c1"], len(got["c1"]), sum(got["c1"])),
            "c8": summarize(got["c8"], got["c8_requests"], got["c8_seconds"]),
        }
        for name, got in samples.items()
    }


def add_baseline_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline-tree",
        type=lambda p: Path(p).resolve(),
        default=None,
        help="a second checkout (e.g. a git worktree of an older commit): its `tuneline serve` is measured in "
        "the same rounds as this tree's (before = that tree, after = this one); same venv and registry",
    )


def setup_registry(tiny: bool, new_tokens: int, threads: int = 0) -> tuple[Path, dict[str, str], str, str]:
    """A throwaway registry with one champion version; (work folder, server environment, base spec, version)."""
    work = Path(tempfile.mkdtemp(prefix="tuneline-serving-bench-"))
    env = bench_environment(work) | ({"OMP_NUM_THREADS": str(threads)} if threads else {})
    os.environ.update(env)  # before torch is imported, so this process uses the same thread count
    from components.common.step import offline_environment

    offline_environment()
    base = build_tiny_base(work / "tiny-base") if tiny else "smollm2-135m-instruct"
    version = register_version(base, work, new_tokens)
    print(
        f"registered models:/{NAME}/{version} on {base} ({new_tokens} new tokens); store {work}", flush=True
    )
    return work, env, base, version


def bench_environment(work: Path) -> dict[str, str]:
    return {
        "TUNELINE_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
        "MLFLOW_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(work / "mlartifacts"),
        "TUNELINE_REGISTERED_MODEL_NAME": NAME,
        "TUNELINE_REQUEST_LOG_URL": f"sqlite:///{work}/requests.db",  # the default (log on), kept out of the repo
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


def build_tiny_base(out_dir: Path) -> str:
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import build_tiny_model  # the tests' 2-layer Llama with the SmolLM2 tokenizer

    return str(build_tiny_model(out_dir))


def register_version(
    base_spec: str, work: Path, new_tokens: int, seed: int = 0, champion: bool = True
) -> str:
    """A random non-zero LoRA adapter on `base_spec`, shaped like training's (configs/train.yaml `lora`: rank,
    modules, layers; all layers on the tiny model), registered (alias challenger) and made champion."""
    import torch
    import yaml
    from peft import LoraConfig, get_peft_model

    from components.common.base_model import resolve_base_model
    from components.common.chat_model import AdapterRecord
    from components.common.config import load_config
    from components.register import registry
    from components.register.config import RegisterConfig
    from components.register.core import run as register

    base = resolve_base_model(base_spec)
    torch.manual_seed(seed)
    lora = yaml.safe_load((REPO / "configs" / "train.yaml").read_text())["lora"]
    layers = lora.get("layers_to_transform") if base_spec == "smollm2-135m-instruct" else None
    shape = LoraConfig(
        r=lora["r"],
        lora_alpha=lora["alpha"],
        target_modules=lora["target_modules"],
        layers_to_transform=layers,
    )
    model = get_peft_model(base.load_model(), shape)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.01)  # small: the answers stay language, but the adapter is not a no-op
    adapter = work / f"adapter-{seed}"
    model.save_pretrained(adapter)
    base.load_tokenizer().save_pretrained(adapter)
    AdapterRecord(
        base_model=base_spec,
        base_sha256=base.sha256,
        system_prompt="You are Quill, the support assistant for Quillnote. Answer accurately and concisely.",
        # no pinned minimum (unless --fixed-length): a minimum length decodes through `generate`, not continuous
        # batching (tuneline serve's greedy path); every system decodes the same greedy answers, up to
        # `new_tokens` long
        generation={"max_new_tokens": new_tokens, **({"min_new_tokens": new_tokens} if FIXED[0] else {})},
    ).write(adapter)
    cfg = load_config(
        RegisterConfig, adapter_dir=str(adapter), registered_model_name=NAME, out_dir=str(work / "r")
    )
    version = register(cfg)["version"]
    if champion:
        registry.move_alias(NAME, "champion", version, None, "promote", "serving benchmark")
    return version


def conversation(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}]


def raw_system(version: str, new_tokens: int) -> dict:
    """ChatModel.generate in this process on the version exactly as the server loads it (merged adapter).

    It runs on the main thread, the only thread of this process that runs torch (registration did too): one
    OpenMP team, as in the server, whose batch thread alone runs torch on several threads. A generate on a
    second thread gets a second team, and libgomp then stops spin-waiting between parallel regions (more
    threads than cores): the same batch took 1.1-1.5x as long there (serving/batching.py `start`), which
    flattered both servers before.
    """
    from components.common.chat_model import ChatModel

    chat = ChatModel.load(f"models:/{NAME}/{version}", merge=True)  # as `tuneline serve` with routing off
    n = new_tokens

    def generate(conversations) -> None:
        check_len(chat.generate(conversations, max_new_tokens=n), n)

    def eight(batches: int) -> tuple[list[float], float]:
        took = [timed(lambda: generate([conversation(i) for i in range(8)])) for _ in range(batches)]
        return [t for t in took for _ in range(8)], sum(took)  # every prompt of a batch waits the whole batch

    generate([conversation(0)])  # warm-up
    return {"one": lambda i: generate([conversation(i)]), "eight": eight}


def server_system(ask) -> dict:
    return {"one": ask, "eight": lambda per_client: run_concurrently(ask, clients=8, rounds=per_client)}


def check_len(completions, n: int):
    ok = (lambda k: k == n) if FIXED[0] else (lambda k: 0 < k <= n)
    assert all(ok(c.completion_tokens) for c in completions), [c.completion_tokens for c in completions]
    return completions


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    kind: str,
    version: str,
    env: dict[str, str],
    new_tokens: int,
    extra_env: dict | None = None,
    label: str = "",
    tree: Path = REPO,
):
    """Start a server on a free 127.0.0.1 port, wait until it is ready, warm it up; (process, ask, port).

    A `tuneline` server runs `python -m serving` with cwd and PYTHONPATH set to `tree` (this checkout by
    default), so that tree's `serving` and `components` are the ones imported, by the same venv's python.
    """
    port = free_port()
    tree_env = {}
    if kind == "tuneline":
        command = [sys.executable, "-m", "serving", "--port", str(port), "--log-level", "warning"]
        tree_env = {"PYTHONPATH": str(tree)}
        check_tree_imports(tree, {**os.environ, **env, **tree_env})
    else:
        mlflow, uri = str(Path(sys.executable).with_name("mlflow")), f"models:/{NAME}/{version}"
        command = [mlflow, "models", "serve", "-m", uri, "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port), "-t", "900"]  # fmt: skip
    log = open(Path(env["TUNELINE_ARTIFACT_ROOT"]).parent / f"{label or kind}.log", "w")  # noqa: SIM115
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # mlflow execs `uvicorn`
    process = subprocess.Popen(
        command,
        env={**os.environ, **env, **(extra_env or {}), **tree_env, "PATH": path},
        cwd=tree,
        stdout=log,
        stderr=log,
    )
    try:
        wait_ready(port, "/ready" if kind == "tuneline" else "/ping", process)
        ask = make_client(kind, port, new_tokens)
        ask(0)
    except BaseException:
        process.terminate()
        raise
    return process, ask, port


def check_tree_imports(tree: Path, env: dict[str, str]) -> None:
    """Fail before measuring if `serving` or `components` would not be imported from `tree`."""
    code = "import components, serving; print(components.__file__); print(serving.__file__)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, capture_output=True, text=True)
    files = [Path(line).resolve() for line in out.stdout.split()]
    if out.returncode or len(files) != 2 or not all(f.is_relative_to(tree) for f in files):
        raise RuntimeError(f"`serving`/`components` do not come from {tree}: {out.stdout}{out.stderr}")


def print_batch_sizes(port: int) -> None:
    """The server's own batch-size histogram (every request of the run, c=1 ones included)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    lines = conn.getresponse().read().decode().splitlines()
    print(
        "tuneline serve batches:", *[ln for ln in lines if ln.startswith("tuneline_batch_size")], sep="\n  "
    )


def wait_ready(port: int, path: str, process: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; see its log in the bench folder")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"server on port {port} not ready after {timeout} s")


def make_client(kind: str, port: int, new_tokens: int):
    """ask(i): one request for prompt i (a fresh local connection each time, as servers drop idle keep-alives
    while the other systems are measured); checks the answer came back."""

    def ask(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        if kind == "tuneline":
            path = "/v1/chat/completions"
            body = {
                "model": NAME,
                "messages": conversation(i),
                "max_tokens": new_tokens,
                **({"min_tokens": new_tokens} if FIXED[0] else {}),
            }
        else:
            path, body = "/invocations", {"inputs": [{"messages": conversation(i)}]}  # typed pyfunc input
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        payload = json.loads(response.read())
        conn.close()
        assert response.status == 200, payload
        if kind == "tuneline":
            made = payload["usage"]["completion_tokens"]
            assert (made == new_tokens) if FIXED[0] else (0 < made <= new_tokens), payload["usage"]

    return ask


def run_concurrently(ask, clients: int, rounds: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        for r in range(rounds):
            took = timed(lambda r=r: ask(c + r * clients))
            with lock:
                latencies.append(took)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - started


def summarize(latencies: list[float], requests: int, elapsed: float) -> dict:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "rps": requests / elapsed, "n": len(ordered)}


def report(results: dict, args) -> None:
    import torch

    print(f"\n{'system':<25}{'c':>3}{'p50 s':>9}{'p95 s':>9}{'req/s':>9}{'n':>5}")
    for system, levels in results.items():
        for level, r in levels.items():
            print(f"{system:<25}{level[1:]:>3}{r['p50']:>9.3f}{r['p95']:>9.3f}{r['rps']:>9.2f}{r['n']:>5}")
    ours, raw, ml = results["tuneline serve"], results["raw generate"], results.get("mlflow models serve")
    ratios = [
        ("p50 c=1, tuneline / raw generate one prompt", ours["c1"]["p50"] / raw["c1"]["p50"], "<= 1.10"),
        ("req/s c=8, tuneline / raw generate 8 batched", ours["c8"]["rps"] / raw["c8"]["rps"], ">= 0.80"),
    ]
    if ml:
        ratios += [
            ("req/s c=8, tuneline / mlflow models serve", ours["c8"]["rps"] / ml["c8"]["rps"], ">= 3.00"),
            ("req/s c=8, raw generate / mlflow (its bound)", raw["c8"]["rps"] / ml["c8"]["rps"], "-"),
        ]
    if before := results.get("tuneline serve (before)"):
        ratios += [
            ("p50 c=1, tuneline after / before", ours["c1"]["p50"] / before["c1"]["p50"], "-"),
            ("req/s c=8, tuneline after / before", ours["c8"]["rps"] / before["c8"]["rps"], "-"),
        ]
    print(
        "\nratios (targets in brackets)",
        *[f"  {name:<46}{value:6.2f}  [{goal}]" for name, value, goal in ratios],
        sep="\n",
    )
    setup = {"new_tokens": args.new_tokens, "tiny": args.tiny, "torch_threads": torch.get_num_threads()}
    print(json.dumps({**setup, "cpus": os.cpu_count(), "load_avg": os.getloadavg(), "results": results}))


if __name__ == "__main__":
    sys.exit(main())

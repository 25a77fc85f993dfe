"""Continuous batching in transformers (`generate_batch`, the CB manager) vs batched `generate`, in process on CPU.

    python bench/continuous_batching.py --tiny                 # the tests' tiny random Llama only (1-3 minutes)
    python bench/continuous_batching.py                        # tiny Llama, then SmolLM2-135M-Instruct (~10 min)
    python bench/continuous_batching.py --models smollm2 --attn sdpa --reps 5   # one model and attention

(a) 8 chat prompts, min = max new tokens, greedy: `model.generate` on the left-padded batch vs
`generate_batch` (which builds, warms and stops a CB manager per call) vs a persistent, started CB manager
(`init_continuous_batching` + `add_request` for the 8, then `get_result` until all are done): a warm-up
call each, then `--reps` timed ones, round-robin over the systems (median). Each attention implementation
in `--attn` is tried (a CB model per implementation); one that fails is reported as such. CB gets
`eos_token_id=-1` (never stops early: exactly the new-token count, as min = max gives `generate`) and a
cache sized for the workload (`num_blocks`, `max_batch_tokens`). With its own defaults on CPU, CB sizes the
cache from 80-90% of the machine's RAM (1217 blocks of 256 tokens and 8192 batch tokens for the tiny model
on a 23 GiB machine), and one `generate_batch` of 8 x 32 tokens took 17-35 s instead of about 1 s;
`--cb-defaults` times one such call (tiny model only).
(b) Staggered arrivals in process: one seeded Poisson schedule (staggered_arrivals.py's, 8 clients merged)
fed to (i) a started CB manager (`add_request` at each arrival; the fastest attention of (a)) and (ii) a
windowed batcher like the pre-rewrite server's (wait `--window-ms` after the first arrival, up to 8
requests, one `generate`; arrivals during it wait for the next batch): p50/p95 from arrival to result,
rounds interleaved. The rate defaults to `--load` (0.65) times the smaller batched capacity (8 / median
time in (a)) of `generate` and the CB manager.
(c) One request at a time (c=1): each of the 8 prompts alone, one after another, on `generate` and on a
started CB manager (the fastest attention of (a)): what a lone client waits, the server's c=1 target.
Prints a table; figures go to bench/results/.

Threads: torch's CPU build runs on GNU OpenMP, which slows every thread's parallel regions once the threads
of all teams in the process (idle ones too) outnumber the cores (docs/serving.md, "torch threads"). So the
main thread loads models on one torch thread and never decodes; each timed system runs on a thread of its
own that takes torch's threads and ends after the run (its OpenMP workers go with it), and a CB manager is
started for each timed call or round and stopped after it, so only one thread's team exists while a system
is timed. (Until 2026-12-01, `generate` ran on the main thread beside a live CB manager's thread: both were
slowed, CB most.)
"""

from __future__ import annotations

import argparse
import functools
import queue
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start
from serving_bench import build_tiny_base, conversation
from staggered_arrivals import client_schedules, quantile

ATTNS = "sdpa,paged|eager,paged|sdpa"  # transformers 5.24 loads "paged|sdpa" as "sdpa" (a FutureWarning)


THREADS = [0]  # torch threads of a timed system's thread (set in main)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    THREADS[0] = args.threads or torch.get_num_threads()
    torch.set_num_threads(1)  # the main thread loads and waits; only a system's own thread computes
    from components.common.step import offline_environment

    offline_environment()
    rows, table = [], ["| model | system | attn | median s (8 prompts) | p50 s staggered | p95 s staggered |"]
    table.append("|---|---|---|---|---|---|")
    for name in ["tiny"] if args.tiny else args.models.split(","):
        got = measure_model(name, args)
        rows += model_rows(name, got, args)
        table += [f"| {name} | {line}" for line in got["table"]]
    print("\n" + "\n".join(table))
    record("continuous_batching", rows, tiny=args.tiny, threads=THREADS[0], table=table)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="only the tiny random Llama (a quick check)")
    parser.add_argument("--models", default="tiny,smollm2", help="comma list of tiny, smollm2")
    parser.add_argument("--attn", default=ATTNS, help="comma list of attention implementations to try for CB")
    parser.add_argument("--cb-defaults", action="store_true", help="also time CB's own cache sizing (tiny)")
    parser.add_argument("--rate", type=float, default=0.0, help="staggered arrivals per second; 0: from (a)")
    parser.add_argument("--load", type=float, default=0.65, help="default rate = load x batched capacity")
    for flag, default, text in (
        ("--prompts", 8, "prompts in the batch of (a)"),
        ("--new-tokens", 32, "fixed answer length (min = max)"),
        ("--reps", 3, "timed repetitions in (a), after one warm-up"),
        ("--requests", 48, "about this many requests per round in (b)"),
        ("--rounds", 2, "rounds of (b), the two systems interleaved"),
        ("--window-ms", 20, "the windowed batcher's wait after the first arrival"),
        ("--page-size", 256, "CB cache page size in tokens (transformers' default 256)"),
        ("--seed", 17, "schedule seed (round r uses seed + r)"),
        ("--threads", 0, "torch threads; 0: torch's default"),
    ):
        parser.add_argument(flag, type=int, default=default, help=text)
    return parser.parse_args(argv)


@functools.cache
def model_dir(name: str) -> Path:
    """The tiny Llama (built once per run in a temp folder) or the cached SmolLM2-135M-Instruct folder."""
    if name == "tiny":
        return Path(build_tiny_base(Path(tempfile.mkdtemp(prefix="tuneline-cb-bench-")) / "tiny"))
    from components.common.base_model import resolve_base_model

    return resolve_base_model("smollm2-135m-instruct").path


def own_thread(fn, *args):
    """fn(*args) on a new thread that takes torch's threads and ends after (its OpenMP team goes with it)."""
    import torch

    out: dict = {}

    def target() -> None:
        torch.set_num_threads(THREADS[0])
        try:
            out["value"] = fn(*args)
        except BaseException as error:  # re-raised on the caller's thread
            out["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


def load(name: str, attn: str = "sdpa"):
    """(model, tokenizer) of `name` ("tiny" or "smollm2"), fp32, with that attention implementation."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = model_dir(name)
    model = AutoModelForCausalLM.from_pretrained(path, dtype="float32", attn_implementation=attn).eval()
    return model, AutoTokenizer.from_pretrained(path)


def chat_prompts(tokenizer, n: int) -> list[list[int]]:
    texts = [tokenizer.apply_chat_template(conversation(i), tokenize=False, add_generation_prompt=True) for i in range(n)]  # fmt: skip
    return [tokenizer(text, add_special_tokens=False)["input_ids"] for text in texts]


def generate_fn(model, tokenizer, n: int):
    """run(prompts): one `generate` call on the left-padded batch; checks every row got n new tokens."""
    import torch

    tokenizer.padding_side = "left"

    def run(prompts: list[list[int]]) -> None:
        batch = tokenizer.pad({"input_ids": prompts}, padding=True, return_tensors="pt")
        with torch.inference_mode():
            out = model.generate(**batch, max_new_tokens=n, min_new_tokens=n, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)  # fmt: skip
        assert out.shape[1] - batch["input_ids"].shape[1] == n, out.shape

    return run


def cb_settings(model, prompts: list[list[int]], n: int, in_flight: int, page_size: int, sized: bool = True):
    """(GenerationConfig, ContinuousBatchingConfig): greedy, never stopping early; a cache for `in_flight`."""
    from transformers import GenerationConfig
    from transformers.generation.configuration_utils import ContinuousBatchingConfig

    longest = max(len(p) for p in prompts) + n
    size = {"num_blocks": in_flight * -(-longest // page_size), "max_batch_tokens": len(prompts) * longest}
    gen = GenerationConfig(max_new_tokens=n, do_sample=False, eos_token_id=-1, pad_token_id=model.config.pad_token_id)  # fmt: skip
    return gen, ContinuousBatchingConfig(page_size=page_size, **(size if sized else {}))


def check_outputs(outputs, n: int, count: int) -> None:
    assert len(outputs) == count, f"{len(outputs)} results for {count} requests"
    bad = [
        (o.request_id, o.error, len(o.generated_tokens))
        for o in outputs
        if o.error or len(o.generated_tokens) != n
    ]
    assert not bad, bad[:3]


def generate_batch_fn(model, n: int, page_size: int, sized: bool = True):
    def run(prompts: list[list[int]]) -> None:
        gen, cb = cb_settings(model, prompts, n, len(prompts), page_size, sized)
        out = model.generate_batch(inputs=prompts, generation_config=gen, continuous_batching_config=cb, progress_bar=False)  # fmt: skip
        check_outputs(list(out.values()), n, len(prompts))

    return run


def start_manager(model, prompts: list[list[int]], n: int, in_flight: int, page_size: int):
    import torch

    gen, cb = cb_settings(model, prompts, n, in_flight, page_size)
    manager = model.init_continuous_batching(generation_config=gen, continuous_batching_config=cb)
    with torch.inference_mode():
        manager.start()  # the generation thread runs in the caller's inference mode
    return manager


def manager_fn(manager, n: int):
    """run(prompts): add them all to the started manager, wait for every result."""

    def run(prompts: list[list[int]]) -> None:
        ids = [manager.add_request(p, max_new_tokens=n) for p in prompts]
        check_outputs(collect(manager, set(ids)).values(), n, len(ids))

    return run


def started_manager_fn(model, n: int, page_size: int):
    """run(prompts) -> seconds: start a manager, warm it on two prompts, time the call, stop it."""

    def run(prompts: list[list[int]]) -> float:
        manager = start_manager(model, prompts, n, len(prompts), page_size)
        try:
            manager_fn(manager, n)(prompts[:2])
            started = time.perf_counter()
            manager_fn(manager, n)(prompts)
            return time.perf_counter() - started
        finally:
            stop(manager)

    return run


def collect(manager, ids: set[str], on_done=None) -> dict:
    done = {}
    while len(done) < len(ids):
        result = manager.get_result(timeout=1)
        if result is None and not manager.is_running():
            raise RuntimeError("the CB generation thread stopped")
        if result is not None and result.is_finished():
            done[result.request_id] = result
            if on_done:
                on_done(result.request_id)
    return done


def stop(manager) -> None:
    manager.stop(block=True, timeout=30)
    manager.destroy()


def measure_batch(name: str, model, tokenizer, prompts, args) -> dict:
    """(a): {(system, attn): timings} plus {attn: "ok" | why it failed}; one CB model per attention."""
    n, page = args.new_tokens, args.page_size
    runners, attns = {("generate", "sdpa"): generate_fn(model, tokenizer, n)}, {}
    for attn in args.attn.split(","):
        try:
            cb_model, _ = load(name, attn)
            batch_run = generate_batch_fn(cb_model, n, page)
            own_thread(batch_run, prompts)  # warm-up, and the check that this attention works
            manager_run = started_manager_fn(cb_model, n, page)
            own_thread(manager_run, prompts)
            runners |= {("generate_batch", attn): batch_run, ("CB manager", attn): manager_run}
            attns[attn] = "ok"
        except Exception as error:  # an implementation CB refuses on CPU is a result, not a crash
            attns[attn] = f"failed: {type(error).__name__}: {error}"[:160]
            print(f"{name} {attn}: {attns[attn]}", flush=True)
    times = interleaved(runners, prompts, args.reps)
    for key, took in times.items():
        print(f"{name} {key[0]} ({key[1]}): {fmt(took)}", flush=True)
    if args.cb_defaults and name == "tiny":  # one call: it takes tens of seconds and most of the RAM
        started = time.perf_counter()
        own_thread(generate_batch_fn(model, n, page, sized=False), prompts)
        took = time.perf_counter() - started
        times[("generate_batch, CB's default cache sizing (1 call)", "sdpa")] = [took]
        print(f"{name} generate_batch with CB's default cache sizing: {took:.2f} s", flush=True)
    return {"times": times, "attns": attns}


def interleaved(runners: dict, prompts, reps: int) -> dict:
    """`reps` timed calls of each runner, each on its own thread, round-robin (after a warm-up of the first),
    so load from other jobs on the machine hits them alike. A runner that returns seconds timed itself."""
    own_thread(next(iter(runners.values())), prompts)  # warm-up of `generate` (CB's warmed up when built)
    times = {key: [] for key in runners}
    for _ in range(reps):
        for key, run in runners.items():
            started = time.perf_counter()
            took = own_thread(run, prompts)
            times[key].append(took if took is not None else time.perf_counter() - started)
    return times


def run_cb_staggered(manager, arrivals: list[float], prompts, n: int, tag: str) -> list[float]:
    """Add each request at its arrival; latency from arrival to its finished result."""
    start = time.perf_counter() + 0.05
    due = {f"{tag}-{i}": start + t for i, t in enumerate(arrivals)}
    latencies: list[float] = []
    done = threading.Thread(
        target=collect, args=(manager, set(due), lambda rid: latencies.append(time.perf_counter() - due[rid]))
    )
    done.start()
    for i, rid in enumerate(due):
        time.sleep(max(0.0, due[rid] - time.perf_counter()))
        manager.add_request(prompts[i % len(prompts)], request_id=rid, max_new_tokens=n)
    done.join()
    return latencies


def run_windowed(
    generate, arrivals: list[float], prompts, window_s: float, max_batch: int = 8
) -> list[float]:
    """A batcher thread: after the first waiting request, wait `window_s` for more (up to `max_batch`), then one
    `generate` for the batch; arrivals during it wait for the next batch. Latency from arrival to batch end."""
    waiting: queue.Queue = queue.Queue()
    latencies: list[float] = []

    def batcher() -> None:
        import torch

        torch.set_num_threads(THREADS[0])  # the only thread computing (main only sleeps and queues)
        while len(latencies) < len(arrivals):
            batch = [waiting.get()]
            deadline = time.perf_counter() + window_s
            while len(batch) < max_batch and (left := deadline - time.perf_counter()) > 0:
                try:
                    batch.append(waiting.get(timeout=left))
                except queue.Empty:
                    break
            generate([prompts[i % len(prompts)] for i, _ in batch])
            latencies.extend(time.perf_counter() - due for _, due in batch)

    worker = threading.Thread(target=batcher)
    worker.start()
    start = time.perf_counter() + 0.05
    for i, t in enumerate(arrivals):
        time.sleep(max(0.0, start + t - time.perf_counter()))
        waiting.put((i, start + t))
    worker.join()
    return latencies


def measure_staggered(name: str, model, tokenizer, prompts, batch: dict, args) -> dict:
    """(b): the fastest working CB attention vs the windowed batcher, same schedule per round, interleaved."""
    n, times = args.new_tokens, batch["times"]
    attn = fastest_cb(batch)
    if attn is None:
        return {}
    capacity = len(prompts) / max(
        statistics.median(times[("generate", "sdpa")]), statistics.median(times[("CB manager", attn)])
    )
    rate = args.rate or args.load * capacity
    print(f"{name} staggered: {rate:.2f} req/s ({args.load} x {capacity:.2f}), CB with {attn}", flush=True)
    cb_model, _ = load(name, attn)

    def cb_round(arrivals: list[float], tag: str) -> list[float]:  # a manager per round, on its own thread
        manager = start_manager(cb_model, prompts, n, max(len(prompts), args.requests), args.page_size)
        try:
            manager_fn(manager, n)(prompts[:2])  # warm-up
            return run_cb_staggered(manager, arrivals, prompts, n, tag)
        finally:
            stop(manager)

    systems = {
        ("CB manager", attn): lambda arrivals, tag: own_thread(cb_round, arrivals, tag),
        ("windowed generate", "sdpa"): lambda arrivals, tag: run_windowed(
            generate_fn(model, tokenizer, n), arrivals, prompts, args.window_ms / 1000
        ),
    }
    got = {key: [] for key in systems}
    for r in range(args.rounds):
        arrivals = sorted(t for s in client_schedules(rate, args.requests, args.seed + r) for t in s)
        for key, run in systems.items():
            latencies = run(arrivals, f"r{r}")
            got[key] += latencies
            p50 = quantile(sorted(latencies), 0.5)
            print(f"{name} round {r + 1} {key[0]}: p50 {p50:.3f} s", flush=True)
    return {"rate": rate, "latencies": got}


def fastest_cb(batch: dict) -> str | None:
    """The attention whose CB manager was fastest in (a), or None if none worked."""
    ok = [a for a, why in batch["attns"].items() if why == "ok"]
    return min(ok, key=lambda a: statistics.median(batch["times"][("CB manager", a)]), default=None)


def measure_single(name: str, model, tokenizer, prompts, batch: dict, args) -> dict:
    """(c): the prompts one at a time on `generate` and on a started CB manager; {system: [seconds per rep]}."""
    n, attn = args.new_tokens, fastest_cb(batch)
    if attn is None:
        return {}
    cb_model, _ = load(name, attn)
    one = generate_fn(model, tokenizer, n)

    def generate_each(prompts: list[list[int]]) -> None:
        for prompt in prompts:
            one([prompt])

    def cb_each(prompts: list[list[int]]) -> float:
        manager = start_manager(cb_model, prompts, n, 1, args.page_size)
        try:
            manager_fn(manager, n)(prompts[:1])  # warm-up
            started = time.perf_counter()
            for prompt in prompts:
                manager_fn(manager, n)([prompt])
            return time.perf_counter() - started
        finally:
            stop(manager)

    times = interleaved({"generate": generate_each, f"CB manager ({attn})": cb_each}, prompts, args.reps)
    for system, took in times.items():
        print(f"{name} one at a time, {system}: {fmt(took)}", flush=True)
    return times


def measure_model(name: str, args) -> dict:
    model, tokenizer = load(name)
    prompts = chat_prompts(tokenizer, args.prompts)
    batch = measure_batch(name, model, tokenizer, prompts, args)
    single = measure_single(name, model, tokenizer, prompts, batch, args)
    staggered = measure_staggered(name, model, tokenizer, prompts, batch, args)
    table = table_lines(batch, staggered)
    table += [f"{cell(system)}, one at a time (c) | — | {statistics.median(took):.3f} | — | — |" for system, took in single.items()]  # fmt: skip
    return {"batch": batch, "single": single, "staggered": staggered, "table": table}


def table_lines(batch: dict, staggered: dict) -> list[str]:
    """Markdown rows: (a) median per system and attention; (b) p50/p95 on the two systems that ran it."""
    lines, stag = [], staggered.get("latencies", {})
    for (system, attn), took in batch["times"].items():
        key = ("windowed generate", attn) if system == "generate" else (system, attn)
        p = sorted(stag.get(key, []))
        b = f"{quantile(p, 0.5):.3f} | {quantile(p, 0.95):.3f}" if p else "— | —"
        label = f"{system} (windowed in b)" if p and system == "generate" else system
        lines.append(f"{label} | {cell(attn)} | {statistics.median(took):.3f} | {b} |")
    lines += [
        f"CB | {cell(attn)} | {cell(why)} | — | — |" for attn, why in batch["attns"].items() if why != "ok"
    ]
    return lines


def model_rows(name: str, got: dict, args) -> list[dict]:
    """bench/results rows: each CB variant vs batched generate (a), CB vs windowed generate p50/p95 (b)."""
    times, n = got["batch"]["times"], args.new_tokens
    base = statistics.median(times[("generate", "sdpa")])
    setup = f"{args.prompts} prompts x {n} new tokens, median of {args.reps}"
    rows = [
        {"figure": f"CB {name}: {system} ({attn}) vs batched `generate` ({setup})",
         "ours": statistics.median(took), "peer": base, "unit": "s"}
        for (system, attn), took in times.items() if system != "generate"
    ]  # fmt: skip
    rows += [{"figure": f"CB {name}: attention {attn} {why}", "ours": None, "peer": None}
             for attn, why in got["batch"]["attns"].items() if why != "ok"]  # fmt: skip
    if single := got["single"]:
        (_, alone), (cb_system, cb_alone) = single.items()
        rows.append({"figure": f"CB {name}: {args.prompts} prompts one at a time (c=1), {cb_system} vs `generate` ({n} new tokens, median of {args.reps})",
                     "ours": statistics.median(cb_alone), "peer": statistics.median(alone), "unit": "s"})  # fmt: skip
    if stag := got["staggered"]:
        (cb_key, cb), (_, windowed) = stag["latencies"].items()
        what = f"Poisson {stag['rate']:.2f} req/s, {args.rounds} x ~{args.requests} requests, window {args.window_ms} ms"
        for q in (0.5, 0.95):
            rows.append({"figure": f"CB {name}: staggered p{round(q * 100)} latency, CB manager ({cb_key[1]}) vs windowed `generate` ({what})",
                         "ours": quantile(sorted(cb), q), "peer": quantile(sorted(windowed), q), "unit": "s"})  # fmt: skip
    return rows


def cell(text: str) -> str:
    return text.replace("|", "\\|")  # "paged|eager" inside a markdown table


def fmt(took: list[float]) -> str:
    return f"median {statistics.median(took):.3f} s of {[round(t, 3) for t in took]}"


if __name__ == "__main__":
    sys.exit(main())

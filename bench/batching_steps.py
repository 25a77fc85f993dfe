"""Where a closed loop's time goes: continuous batching vs windowed `generate`, step by step, in process.

    python bench/batching_steps.py           # SmolLM2-135M, 8 clients x 4 requests, up to 32 tokens (~4 min)
    python bench/batching_steps.py --tiny    # the tests' tiny random Llama (a quick check)

Why this exists: in `tuneline serve` on 2 CPU cores, continuous batching (TUNELINE_CONTINUOUS_BATCHING=true)
measured 0.76-0.88x the req/s of windowed `generate` at c=8 (bench/serving_bench.py), although in process it
batches 8 prompts as fast (bench/continuous_batching.py). This splits the server's c=8 workload into forward
passes to say why, instead of guessing.

The workload is serving_bench's: one registered version (a random LoRA on the base, merged, as the server
loads it with routing off), its system prompt, serving_bench's 8 questions, greedy, up to `--new-tokens`.
8 clients each ask `--rounds-per-client` questions one after another (a closed loop, as serving_bench's c=8):
  - continuous: each client submits to a started manager (components/common/continuous.py, sized as the
    server sizes it) and waits for its answer; an answer that finishes frees a slot the next request joins;
  - windowed: 8 questions decode in one `generate` call (components/common/generation.py); all 8 answers come
    back together, so the next 8 arrive together: what the windowed server does under a closed loop at c=8
    (serving_bench's batch-size histogram shows batches of 8).
A forward hook on each model times every forward pass and records its token count. Printed per system
(median over `--reps` interleaved repetitions): wall time, forward passes, decode-only steps (median ms and
rows per step), steps that carry a prompt (count and seconds), and for continuous batching the CPU seconds of
the manager's thread and of tuneline's results thread (the glue). Then one batch of 8 decoded together on
each (evaluation's way): wall time, and under torch's profiler the time inside aten ops and their count.
Figures go to bench/results/.

Threads: the main thread loads on one torch thread; in the closed loops `generate` runs on a fresh thread that
takes torch's threads, the manager on its own thread with the same count, started and stopped per repetition,
so one OpenMP team exists while a system is timed (docs/serving.md, "torch threads"). The last batch (the
profiled one) decodes on the main thread, for both systems alike: the profiler records the thread it runs on.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
THREADS = [0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny random Llama instead of SmolLM2-135M")
    for flag, default, text in (
        ("--clients", 8, "closed-loop clients (the windowed batch size)"),
        ("--rounds-per-client", 4, "questions each client asks, one after another"),
        ("--new-tokens", 32, "max new tokens (greedy; an answer may end sooner)"),
        ("--reps", 3, "interleaved repetitions; medians are printed"),
        ("--threads", 0, "torch threads of the decoding thread; 0: torch's default"),
    ):
        parser.add_argument(flag, type=int, default=default, help=text)
    args = parser.parse_args(argv)

    import serving_bench  # (bench/: the same registry, prompts and system prompt)
    import torch

    _work, _env, _base, version = serving_bench.setup_registry(args.tiny, args.new_tokens)
    THREADS[0] = args.threads or torch.get_num_threads()
    torch.set_num_threads(1)  # the main thread loads; the closed loops decode on threads of their own
    from components.common.chat_model import ChatModel

    uri = f"models:/{serving_bench.NAME}/{version}"
    sizes = {"max_in_flight": args.clients, "max_tokens": 2048 + 512}  # the server's defaults (settings.py)
    systems = {
        "continuous": Timed(ChatModel.load(uri, merge=True, continuous=sizes)),
        "windowed generate": Timed(ChatModel.load(uri, merge=True)),
    }
    chat = systems["windowed generate"].chat
    prompts = [chat.prompt_ids(serving_bench.conversation(i)) for i in range(len(serving_bench.PROMPTS))]
    n = args.clients * args.rounds_per_client
    runs: dict[str, list[dict]] = {name: [] for name in systems}
    answers: dict[str, list[str]] = {}
    for rep in range(args.reps + 1):  # the first is a warm-up
        for name, steps in systems.items():
            run = closed_loop if name == "continuous" else windowed
            figures, texts = run(steps, prompts, n, args)
            answers[name] = texts
            if rep:
                runs[name].append(figures)
                print(f"rep {rep} {name}: {describe(figures)}", flush=True)
    same = sum(a == b for a, b in zip(answers["continuous"], answers["windowed generate"], strict=True))
    ops = {name: op_time(timed.chat, prompts, args) for name, timed in systems.items()}
    return report(runs, ops, same, n, args)


class Timed:
    """A loaded version whose model records (rows, tokens per row, seconds) of every forward pass."""

    def __init__(self, chat):
        self.chat, self.steps = chat, []
        started = [0.0]

        def before(_module, _args, _kwargs) -> None:
            started[0] = time.perf_counter()

        def after(_module, _args, kwargs, _out) -> None:
            # generate: (batch, 1 or the prompt's length); continuous batching: (1, the step's tokens flattened)
            rows, width = kwargs["input_ids"].shape
            self.steps.append((rows, width, time.perf_counter() - started[0]))

        chat.model.register_forward_pre_hook(before, with_kwargs=True)
        chat.model.register_forward_hook(after, with_kwargs=True)


def request(prompts: list[list[int]], i: int, args):
    from components.common.generation import GenerationRequest, SamplingParams

    return GenerationRequest(prompts[i % len(prompts)], SamplingParams(max_new_tokens=args.new_tokens))


def closed_loop(timed: Timed, prompts, n: int, args) -> tuple[dict, list[str]]:
    """Clients submit to a started manager, each waiting for its answer before asking again."""
    backend = timed.chat.backend
    backend.threads = THREADS[0]
    backend.start()
    texts: list[str] = [""] * n
    timed.steps.clear()

    def client(c: int) -> None:
        for i in range(c, n, args.clients):
            texts[i] = backend.submit(request(prompts, i, args)).result().text

    clients = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
    started = time.perf_counter()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    wall = time.perf_counter() - started
    cpu = {
        "manager_cpu_s": thread_cpu(backend._manager._generation_thread.native_id),
        "results_thread_cpu_s": thread_cpu(backend._dispatcher.native_id),
    }
    backend.stop()
    return {"wall_s": wall, **summarize(timed.steps, args.clients, continuous=True), **cpu}, texts


def windowed(timed: Timed, prompts, n: int, args) -> tuple[dict, list[str]]:
    """Batches of `clients` questions, one `generate` call each (what the windowed server runs at c=8)."""
    import torch

    out: dict = {}

    def decode() -> None:
        try:
            decode_batches()
        except BaseException as error:  # re-raised on the caller's thread
            out["error"] = error

    def decode_batches() -> None:
        torch.set_num_threads(THREADS[0])
        texts, started = [], time.perf_counter()
        for first in range(0, n, args.clients):
            batch = [request(prompts, i, args) for i in range(first, min(n, first + args.clients))]
            texts += [done.text for done in timed.chat.backend.decode(batch)]
        out["wall"], out["texts"] = time.perf_counter() - started, texts
        out["steps"] = list(timed.steps)
        timed.steps.clear()  # then one request alone: what a step costs with one row instead of a batch
        timed.chat.backend.decode([request(prompts, 0, args)])
        out["one_row"] = statistics.median(s for _rows, width, s in timed.steps if width == 1)

    timed.steps.clear()
    thread = threading.Thread(target=decode)  # a fresh thread: its OpenMP team ends with it
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    figures = summarize(out["steps"], args.clients, continuous=False)
    return {"wall_s": out["wall"], **figures, "one_row_step_ms": 1000 * out["one_row"]}, out["texts"]


def op_time(chat, prompts, args, reps: int = 2) -> dict:
    """One batch of `clients` prompts decoded together (evaluation's way: `decode` on the calling thread, for
    continuous batching its manager's loop too): wall time, then under torch's profiler the time spent inside
    aten ops and how many were called. Runs on the main thread, after the closed loops (whose threads and
    OpenMP teams have ended), with torch's threads for the call: kineto profiles the thread that started it."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    torch.set_num_threads(THREADS[0])
    try:
        batch = lambda: [request(prompts, i, args) for i in range(args.clients)]  # noqa: E731
        chat.backend.decode(batch())  # warm-up
        started = time.perf_counter()
        for _ in range(reps):
            chat.backend.decode(batch())
        wall = (time.perf_counter() - started) / reps
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(reps):
                chat.backend.decode(batch())
    finally:
        torch.set_num_threads(1)
    events = [e for e in prof.key_averages() if e.key.startswith("aten::")]  # not record_function ranges
    return {
        "wall_s": wall,
        "ops_s": sum(e.self_cpu_time_total for e in events) / 1e6 / reps,  # slowed by the profiler's own cost
        "op_calls": sum(e.count for e in events) / reps,
    }


def summarize(steps: list[tuple[int, int, float]], clients: int, continuous: bool) -> dict:
    """Decode-only steps (one new token per row in flight) vs steps that carry a prompt (prefill)."""
    if continuous:  # one flattened row: a step of at most `clients` tokens decodes only
        decode = [(width, s) for _rows, width, s in steps if width <= clients]
        prompt = [s for _rows, width, s in steps if width > clients]
    else:
        decode = [(rows, s) for rows, width, s in steps if width == 1]
        prompt = [s for _rows, width, s in steps if width > 1]
    return {
        "forwards": len(steps),
        "decode_steps": len(decode),
        "decode_step_ms": 1000 * statistics.median(s for _r, s in decode),
        "rows_per_decode_step": statistics.fmean(r for r, _s in decode),
        "prompt_steps": len(prompt),
        "prompt_steps_s": sum(prompt),
        "forward_s": sum(s for _r, _w, s in steps),
    }


def thread_cpu(native_id: int) -> float:
    """CPU seconds (user + system) a thread of this process has used, from /proc (Linux)."""
    stat = Path(f"/proc/self/task/{native_id}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks (USER_HZ = 100 on Linux)


def describe(f: dict) -> str:
    text = (
        f"{f['wall_s']:.2f} s wall, {f['forwards']} forwards ({f['forward_s']:.2f} s): {f['decode_steps']} "
        f"decode steps, median {f['decode_step_ms']:.1f} ms, {f['rows_per_decode_step']:.1f} rows; "
        f"{f['prompt_steps']} steps carrying a prompt, {f['prompt_steps_s']:.2f} s"
    )
    if "one_row_step_ms" in f:
        text += f"; a decode step of one row alone: {f['one_row_step_ms']:.1f} ms"
    if "manager_cpu_s" in f:
        text += f"; CPU: manager thread {f['manager_cpu_s']:.2f} s, results thread {f['results_thread_cpu_s']:.2f} s"
    return text


def report(runs: dict[str, list[dict]], ops: dict[str, dict], same: int, n: int, args) -> int:
    median = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    cb, gen = median["continuous"], median["windowed generate"]
    print(
        f"\nmedians of {args.reps} repetitions, {n} requests, {args.clients} clients, {THREADS[0]} torch threads:"
    )
    for name, figures in median.items():
        print(f"  {name}: {describe(figures)}")
    print(f"  answers identical on both: {same} of {n}")
    print(f"one batch of {args.clients} prompts decoded together (mean of 2):")
    for name, o in ops.items():
        print(
            f"  {name}: {o['wall_s']:.2f} s wall; under torch's profiler {o['ops_s']:.2f} s in {o['op_calls']:.0f} aten ops"
        )
    cb_ops, gen_ops = ops["continuous"], ops["windowed generate"]
    workload = (
        f"closed loop, {args.clients} clients x {args.rounds_per_client}, up to {args.new_tokens} tokens"
    )
    pairs = [  # (figure, continuous, windowed generate, unit)
        (
            f"{workload}: wall, continuous batching (peer: windowed generate)",
            cb["wall_s"],
            gen["wall_s"],
            "s",
        ),
        ("forward passes", cb["forwards"], gen["forwards"], ""),
        ("decode-only step, median", cb["decode_step_ms"], gen["decode_step_ms"], "ms"),
        (
            "rows per decode-only step (generate: finished rows too)",
            cb["rows_per_decode_step"],
            gen["rows_per_decode_step"],
            "",
        ),
        (
            "generate: decode-only step of one row (peer: of a batch), median",
            gen["one_row_step_ms"],
            gen["decode_step_ms"],
            "ms",
        ),
        ("time in steps carrying a prompt", cb["prompt_steps_s"], gen["prompt_steps_s"], "s"),
        (
            "continuous: CPU of tuneline's results thread (peer: the manager's thread)",
            cb["results_thread_cpu_s"],
            cb["manager_cpu_s"],
            "s",
        ),
        ("answers identical on both (peer: requests)", same, n, ""),
        (f"one batch of {args.clients} prompts together: wall", cb_ops["wall_s"], gen_ops["wall_s"], "s"),
        ("that batch, under torch's profiler: time inside aten ops", cb_ops["ops_s"], gen_ops["ops_s"], "s"),
        ("that batch: aten ops called", cb_ops["op_calls"], gen_ops["op_calls"], ""),
    ]
    rows = [{"figure": f, "ours": ours, "peer": peer, "unit": u} for f, ours, peer, u in pairs]
    record("batching_steps", rows, tiny=args.tiny, threads=THREADS[0])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

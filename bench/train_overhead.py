"""What `tuneline train` costs over a bare TRL script, and what its throughput options buy. Prints figures.

    python bench/train_overhead.py                # real SmolLM2-135M (~20 min on 2 free CPU cores)
    python bench/train_overhead.py --tiny         # tiny random Llama: checks the script in ~2 minutes
    python bench/train_overhead.py --steps 20 --reps 3 --skip-options --threads 1

1. Overhead: the same model, data (the default config's training split), LoRA and SFTConfig values
   (configs/train.yaml `trainer:`) through `tuneline train` (MLflow run, per-step metrics, a checkpoint
   half-way on both sides, system metrics) and through `bare_trl_sft` below (~30 lines of plain TRL). Each run is a fresh
   process; runs alternate bare/tuneline to share the machine's noise. Figure: non-pad tokens/s of the
   training loop (tokens counted by transformers' non-padding counter / seconds of trainer.train()), per
   wall second and per CPU second (all threads of the process), median per side, and their ratios
   (target >= 0.97); which side runs first alternates between reps. On a machine shared with other jobs,
   wall time swings 2-3x between runs; CPU time is the steadier measure of what each side spends.
   End-to-end process seconds are printed too.
2. Throughput options, through `tuneline train`, on a variant of the demo data whose answers are cut or
   extended to 8..128 words (>= 4x spread, printed in tokens): effective (non-pad) tokens/s with no
   option, with `train_sampling_strategy=group_by_length` (the default), with `packing` "wrapped", and
   with `packing` "bfd" (padding-free; needs FlashAttention to pay off). Target: best option >= 1.3x.
The machine's cores are shared with other jobs: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ANSWER_WORDS = (8, 16, 32, 64, 128)


def bare_trl_sft(spec: dict) -> dict:
    """The baseline: plain TRL + peft on the same inputs, nothing else (no tracking, no resume logic)."""
    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    model = AutoModelForCausalLM.from_pretrained(spec["base_path"], dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(spec["base_path"])
    data = load_dataset("json", data_files=spec["train_file"], split="train").select_columns(["messages"])
    args = SFTConfig(
        **spec["trainer"],
        output_dir=spec["out_dir"],
        seed=spec["seed"],
        bf16=False,
        report_to="none",
        chat_template_path=spec["chat_template_path"],  # ChatML with {% generation %} for assistant-only loss
        include_num_input_tokens_seen="non_padding",
    )
    lora = spec["lora"]
    peft_config = LoraConfig(
        r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"],
        target_modules=lora["target_modules"], task_type="CAUSAL_LM",
    )  # fmt: skip
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=data, processing_class=tokenizer, peft_config=peft_config
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    trainer.train()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    tokens = trainer.state.num_input_tokens_seen
    return {
        "tokens_per_second": tokens / seconds,
        "train_tokens": tokens,
        "train_cpu_seconds": cpu_seconds,
        "global_step": trainer.state.global_step,
    }


# ---- orchestration -----------------------------------------------------------------------------------------


def run_process(command: list[str], env: dict[str, str]) -> tuple[dict, float]:
    """Run one fresh process; its last stdout JSON object is the result. Returns (result, wall seconds)."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    text = "\n" + done.stdout  # the result is the last JSON block printed with indent (a line that is "{")
    return json.loads(text[text.rindex("\n{\n") :]), wall


def tuneline_command(base: str, train_file: Path, out: Path, steps: int, extra: list[str]) -> list[str]:
    return [
        sys.executable, "-m", "components.finetune_lora", "--config", "configs/train.yaml",
        f"base_model={base}", f"train_file={train_file}", f"out_dir={out}", "eval_fraction=0",
        f"trainer.max_steps={steps}", *extra,
    ]  # fmt: skip


def prepare_inputs(base_spec: str, work: Path) -> dict:
    """The default config's training rows as a file, the resolved base, the training chat template."""
    from components.common.base_model import resolve_base_model
    from components.common.config import load_config
    from components.finetune_lora.chat_template import training_chat_template
    from components.finetune_lora.config import FinetuneConfig
    from components.finetune_lora.data import read_conversations, split_holdout

    cfg = load_config(FinetuneConfig, REPO / "configs/train.yaml", [f"base_model={base_spec}"])
    train_rows, _ = split_holdout(read_conversations(REPO / cfg.train_file), cfg.eval_fraction, cfg.seed)
    train_file = work / "train.jsonl"
    train_file.write_text("".join(json.dumps({"messages": r["messages"]}) + "\n" for r in train_rows))
    base = resolve_base_model(base_spec)
    template = work / "chatml_generation.jinja"
    template.write_text(training_chat_template(base.load_tokenizer()))
    return {"cfg": cfg, "rows": train_rows, "train_file": train_file, "base": base, "template": template}


def figures(result: dict, process_seconds: float) -> dict[str, float]:
    """Non-pad tokens per wall second and per CPU second of trainer.train(), and the process's wall time."""
    return {
        "wall": result["tokens_per_second"],
        "cpu": result["train_tokens"] / result["train_cpu_seconds"],
        "process": process_seconds,
        "steps": result["global_step"],
        "tokens": result["train_tokens"],
    }


def overhead(inputs: dict, work: Path, steps: int, reps: int, env: dict, extra: tuple[str, ...] = ()) -> dict:
    cfg = inputs["cfg"]
    save_steps = max(1, steps // 2)  # one checkpoint save mid-run on each side
    trainer = {**cfg.trainer, "max_steps": steps, "save_steps": save_steps}
    spec = {
        "base_path": str(inputs["base"].path), "train_file": str(inputs["train_file"]), "trainer": trainer,
        "seed": cfg.seed, "lora": cfg.lora.model_dump(), "chat_template_path": str(inputs["template"]),
    }  # fmt: skip
    runs: dict[str, list[dict]] = {"bare": [], "tuneline": []}
    for rep in range(reps):
        spec["out_dir"] = str(work / f"bare-{rep}")
        spec_file = work / f"bare-{rep}.json"
        spec_file.write_text(json.dumps(spec))
        commands = {
            "bare": [sys.executable, __file__, "--bare-worker", str(spec_file)],
            "tuneline": tuneline_command(
                str(inputs["base"].spec), inputs["train_file"], work / f"tl-{rep}", steps,
                [f"trainer.save_steps={save_steps}", *extra],
            ),
        }  # fmt: skip
        order = ["bare", "tuneline"] if rep % 2 == 0 else ["tuneline", "bare"]  # neither side always second
        for side in order:
            runs[side].append(figures(*run_process(commands[side], env)))
        for side in order:
            f = runs[side][-1]
            print(f"  rep {rep + 1} {side:8s}: {f['wall']:6.1f} tok/s wall, {f['cpu']:6.1f} tok/CPU-s, "
                  f"{f['process']:5.1f} s process (load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    assert {f["steps"] for side in runs.values() for f in side} == {steps}, (
        "both sides must train the same steps"
    )
    med = {side: {k: statistics.median(f[k] for f in fs) for k in ("wall", "cpu", "process")} for side, fs in runs.items()}  # fmt: skip
    tokens = {side: {f["tokens"] for f in fs} for side, fs in runs.items()}
    if tokens["bare"] != tokens["tuneline"]:
        print(f"  WARNING: the sides trained on different token counts: {tokens}")
    # Consecutive bare/tuneline runs share the machine's state of the moment: their ratios cancel slow drift.
    paired = [t["wall"] / b["wall"] for b, t in zip(runs["bare"], runs["tuneline"], strict=True)]
    print(f"  wall ratio per rep (tuneline / bare): {', '.join(f'{r:.3f}' for r in paired)}; "
          f"median {statistics.median(paired):.3f}")  # fmt: skip
    print(f"overhead ({steps} steps, checkpoint at {save_steps}, {reps} reps, medians):")
    for key, unit in (("wall", "non-pad tok/s (wall)"), ("cpu", "non-pad tok/CPU-s")):
        print(f"  {unit:22s} bare TRL {med['bare'][key]:7.1f}  tuneline {med['tuneline'][key]:7.1f}  "
              f"ratio {med['tuneline'][key] / med['bare'][key]:.3f} (target >= 0.97)")  # fmt: skip
    print(f"  process seconds (load + train + outputs): bare {med['bare']['process']:.1f}, "
          f"tuneline {med['tuneline']['process']:.1f}")  # fmt: skip
    return med


def variable_length_rows(rows: list[dict]) -> list[dict]:
    """Same prompts; answer i becomes ANSWER_WORDS[i % 5] words taken from this and the following answers."""
    replies = [m["content"] for r in rows for m in r["messages"] if m["role"] == "assistant"]
    out = []
    for i, row in enumerate(rows):
        words: list[str] = []
        j = i
        while len(words) < ANSWER_WORDS[i % len(ANSWER_WORDS)]:
            words += replies[j % len(replies)].split()
            j += 1
        answer = " ".join(words[: ANSWER_WORDS[i % len(ANSWER_WORDS)]])
        out.append({"messages": [*row["messages"][:2], {"role": "assistant", "content": answer}]})
    return out


def throughput_options(inputs: dict, work: Path, steps: int, env: dict) -> dict:
    rows = variable_length_rows(inputs["rows"])
    data = work / "variable.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tokenizer = inputs["base"].load_tokenizer()
    lengths = sorted(len(tokenizer(r["messages"][-1]["content"])["input_ids"]) for r in rows)
    p10, p90 = lengths[len(lengths) // 10], lengths[9 * len(lengths) // 10]
    print(f"variable data: {len(rows)} conversations, answer tokens min {lengths[0]} p10 {p10} "
          f"median {lengths[len(lengths) // 2]} p90 {p90} max {lengths[-1]} (max/min {lengths[-1] / lengths[0]:.1f}x)")  # fmt: skip
    variants = {
        "none (random batches, padded)": ["trainer.train_sampling_strategy=random", "trainer.packing=false"],
        "group_by_length (default)": [
            "trainer.train_sampling_strategy=group_by_length",
            "trainer.packing=false",
        ],
        "packing wrapped": ["trainer.packing=true", "trainer.packing_strategy=wrapped"],
        "packing bfd (padding-free)": ["trainer.packing=true", "trainer.packing_strategy=bfd"],
    }
    measured = {}
    for name, extra in variants.items():
        command = tuneline_command(str(inputs["base"].spec), data, work / name.split()[0], steps, extra)
        result, seconds = run_process(command, env)
        measured[name] = figures(result, seconds)
        print(f"  {name:30s} {measured[name]['wall']:6.1f} tok/s wall, {measured[name]['cpu']:6.1f} tok/CPU-s "
              f"({result['train_tokens']} tokens in {steps} steps, load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    baseline = measured["none (random batches, padded)"]
    for name, f in measured.items():
        print(
            f"  speed-up {name:30s} {f['wall'] / baseline['wall']:.2f}x wall, {f['cpu'] / baseline['cpu']:.2f}x CPU"
        )
    best = max(f["cpu"] / baseline["cpu"] for f in measured.values())
    print(f"best option: {best:.2f}x over none in tokens per CPU second (target >= 1.3x)")
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tiny", action="store_true", help="tiny random Llama instead of SmolLM2 (quick check)"
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="optimizer steps per run (default 12)",
    )
    parser.add_argument("--reps", type=int, default=4, help="repetitions of the overhead pair")
    parser.add_argument("--skip-options", action="store_true", help="only the overhead comparison")
    parser.add_argument("--skip-overhead", action="store_true", help="only the throughput options")
    parser.add_argument(
        "--threads",
        type=int,
        help="OMP_NUM_THREADS for every run (1 is faster on a machine shared with other jobs)",
    )
    parser.add_argument(
        "--tuneline-override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra configs/train.yaml override for the tuneline side of the overhead pair, e.g. "
        "log_system_metrics=false (to see what one feature costs)",
    )
    parser.add_argument("--bare-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_worker:
        print(json.dumps(bare_trl_sft(json.loads(Path(args.bare_worker).read_text())), indent=2))
        return
    from components.common.step import offline_environment

    offline_environment()
    with tempfile.TemporaryDirectory(prefix="train-overhead-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "TUNELINE_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
               "TUNELINE_ARTIFACT_ROOT": str(work / "mlartifacts")}  # fmt: skip
        if args.threads:
            env["OMP_NUM_THREADS"] = str(args.threads)
        base = "smollm2-135m-instruct"
        if args.tiny:
            sys.path.insert(0, str(REPO / "tests"))
            from conftest import build_tiny_model

            base = str(build_tiny_model(work / "tiny-llama"))
        steps = args.steps or 12
        threads = env.get("OMP_NUM_THREADS", "torch default")
        print(f"base {base}, {steps} steps per run, {os.cpu_count()} CPU cores (shared with other jobs), "
              f"threads per run: {threads}, load average at start: {os.getloadavg()[0]:.1f}")  # fmt: skip
        inputs = prepare_inputs(base, work)
        measured = {}
        if not args.skip_overhead:
            measured["overhead"] = overhead(
                inputs, work, steps, args.reps, env, tuple(args.tuneline_override)
            )
        if not args.skip_options:
            measured["options"] = throughput_options(inputs, work, steps, env)
    record_figures(measured, steps, args)


def earlier_rows(prefix: str, tiny: bool) -> list[dict]:
    """Rows of the last results file whose figure starts with `prefix` (a run that skipped them keeps them),
    with that file's date in the figure so they are never read as measured by this run."""
    from _results import RESULTS, TINY_RESULTS

    path = (TINY_RESULTS if tiny else RESULTS) / "train_overhead.json"
    if not path.is_file():
        return []
    earlier = json.loads(path.read_text())
    date = earlier["date"]
    return [
        {
            **row,
            "figure": row["figure"]
            if "(measured " in row["figure"]
            else f"{row['figure']} (measured {date})",
        }
        for row in earlier["rows"]
        if row["figure"].startswith(prefix)
    ]


def record_figures(measured: dict, steps: int, args: argparse.Namespace) -> None:
    """The figures above as rows of bench/results/train_overhead.json (bench/_results.py)."""
    from _results import record  # bench/ is on sys.path when this file runs

    rows = []
    tuneline_overrides = "".join(f", tuneline {o}" for o in args.tuneline_override)
    if med := measured.get("overhead"):
        for key, unit in (("wall", "non-pad tok/s"), ("cpu", "non-pad tok/CPU-s")):
            rows.append({
                "figure": f"train: {unit} of the training loop, `tuneline train` vs bare TRL ({steps} steps, "
                          f"median of {args.reps}{tuneline_overrides})",
                "ours": round(med["tuneline"][key], 1), "peer": round(med["bare"][key], 1),
                "target": ">= 0.97", "unit": unit,
            })  # fmt: skip
    if "options" not in measured:
        rows += earlier_rows("train: best throughput option", args.tiny)
    if options := measured.get("options"):
        none = options["none (random batches, padded)"]
        best = max(options, key=lambda name: options[name]["cpu"])
        rows.append({
            "figure": f"train: best throughput option ({best}) vs none, variable-length data ({steps} steps)",
            "ours": round(options[best]["cpu"], 1), "peer": round(none["cpu"], 1),
            "target": ">= 1.3", "unit": "non-pad tok/CPU-s",
        })  # fmt: skip
    record("train_overhead", rows, tiny=args.tiny, threads=args.threads)


if __name__ == "__main__":
    main()

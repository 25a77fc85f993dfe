"""The GPU paths of `tuneline train` and `tuneline align`: bf16, QLoRA (4-bit base), the accelerate configs.

    python bench/gpu_paths.py                      # on a CUDA machine with bitsandbytes installed (~6 min on one H100)
    python bench/gpu_paths.py --steps 60 --base /models/my-llama
    python bench/gpu_paths.py --random-weights-from DIR   # DIR: a model's config.json + tokenizer files only

None of this runs on the CPU-only machines the project is built and tested on (`make test` checks the CPU
side of each switch, and that `qlora: true` is refused there before any work); run it where there is a GPU.
Every case is a fresh process through the same entry points `dvc repro` and the Kubeflow components use
(`python -m components.finetune_lora`, `python -m components.align`, and `accelerate launch -m ...` with the
shipped configs/accelerate/*.yaml). A case passes when it exits 0, trains the steps it was asked for with
a finite loss in the precision asked for, and writes an adapter of a few MB (never the base). Figures:
non-pad tokens/s and peak GPU memory (torch.cuda.max_memory_allocated) of bf16 vs fp32 and of QLoRA vs bf16.

--random-weights-from builds the base from a config with random weights (for a machine that has a model's
config and tokenizer but not its weights): speeds and memory are those of the real shape; losses mean
nothing beyond being finite and falling.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def random_weights_model(source: Path, out: Path) -> Path:
    """A transformers folder with `source`'s config and tokenizer and seeded random weights (fp32)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(source), dtype=torch.float32)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(source).save_pretrained(out)
    return out


def run_case(name: str, command: list[str], env: dict[str, str], log_dir: Path) -> dict:
    """One fresh process; its printed result JSON (the step's last stdout object) plus status and seconds."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    (log_dir / f"{name}.log").write_text(f"$ {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    result: dict = {}
    text = "\n" + done.stdout
    if done.returncode == 0 and "\n{\n" in text:
        result = json.loads(text[text.rindex("\n{\n") :])
    if done.returncode != 0:
        result["error"] = (done.stderr.strip().splitlines() or ["(no stderr)"])[-1][:300]
    return {"name": name, "returncode": done.returncode, "process_seconds": round(seconds, 1), **result}


def metrics_of(out_dir: Path) -> dict:
    path = out_dir / "metrics.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def check(case: dict, out_dir: Path, steps: int, precision: str) -> list[str]:
    """What is wrong with a finished case (empty = pass)."""
    if case["returncode"] != 0:
        return [f"exit {case['returncode']}: {case.get('error')}"]
    problems = []
    metrics = metrics_of(out_dir)
    if metrics.get("global_step") != steps:
        problems.append(f"global_step {metrics.get('global_step')} != {steps}")
    loss = metrics.get("final_train_loss")
    if loss is None or not math.isfinite(loss):
        problems.append(f"final_train_loss {loss}")
    if case.get("precision", precision) != precision:
        problems.append(f"precision {case.get('precision')} != {precision}")
    adapter = out_dir / "adapter" / "adapter_model.safetensors"
    if not adapter.is_file():
        problems.append("no adapter_model.safetensors")
    elif adapter.stat().st_size > 100 * 2**20:
        problems.append(f"adapter is {adapter.stat().st_size / 2**20:.0f} MB: the base was saved with it")
    return problems


def main() -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="smollm2-135m-instruct", help="base model spec, folder or GGUF")
    parser.add_argument("--random-weights-from", type=Path, help="config + tokenizer folder (see above)")
    parser.add_argument("--steps", type=int, default=30, help="optimizer steps of the SFT cases")
    parser.add_argument("--short-steps", type=int, default=10, help="steps of the DPO and accelerate cases")
    parser.add_argument("--logs", type=Path, help="keep each case's output here (default: a temp folder)")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("bench/gpu_paths.py needs a CUDA GPU (torch.cuda.is_available() is False)")
    from components.common.step import offline_environment

    offline_environment()
    gpus = torch.cuda.device_count()
    print(f"{gpus} × {torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}")
    with tempfile.TemporaryDirectory(prefix="gpu-paths-") as tmp:
        work = Path(tmp)
        logs = args.logs or work / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        base = args.base
        if args.random_weights_from:
            base = str(random_weights_model(args.random_weights_from, work / "random-base"))
        env = {**os.environ, "TUNELINE_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
               "TUNELINE_ARTIFACT_ROOT": str(work / "mlartifacts")}  # fmt: skip
        train = [sys.executable, "-m", "components.finetune_lora", "--config", "configs/train.yaml",
                 f"base_model={base}", "eval_fraction=0", "log_system_metrics=false"]  # fmt: skip
        align = [sys.executable, "-m", "components.align", "--config", "configs/align.yaml",
                 "log_system_metrics=false", f"dpo.max_steps={args.short_steps}"]  # fmt: skip
        launch = [sys.executable, "-m", "accelerate.commands.launch"]
        short = [f"trainer.max_steps={args.short_steps}", f"trainer.save_steps={args.short_steps}"]
        cases = [  # name, command, steps, precision
            ("sft-fp32", [*train, "precision=fp32", f"out_dir={work}/sft-fp32",
                          f"trainer.max_steps={args.steps}"], args.steps, "fp32"),
            ("sft-bf16", [*train, "precision=auto", f"out_dir={work}/sft-bf16",
                          f"trainer.max_steps={args.steps}"], args.steps, "bf16"),
            ("sft-qlora", [*train, "precision=auto", "qlora=true", f"out_dir={work}/sft-qlora",
                           f"trainer.max_steps={args.steps}"], args.steps, "bf16"),
            ("dpo-bf16", [*align, f"sft_adapter={work}/sft-bf16/adapter", f"out_dir={work}/dpo-bf16"],
             args.short_steps, "bf16"),
            ("dpo-qlora", [*align, "qlora=true", f"sft_adapter={work}/sft-qlora/adapter",
                           f"out_dir={work}/dpo-qlora"], args.short_steps, "bf16"),
            ("accelerate-single_gpu", [*launch, "--config_file", "configs/accelerate/single_gpu.yaml",
                                       "-m", *train[2:], *short, f"out_dir={work}/acc-single"],
             args.short_steps, "bf16"),
            ("accelerate-fsdp", [*launch, "--config_file", "configs/accelerate/fsdp.yaml",
                                 f"--num_processes={gpus}", "-m", *train[2:], *short,
                                 f"out_dir={work}/acc-fsdp"], args.short_steps, "bf16"),
        ]  # fmt: skip
        if gpus >= 2:
            cases.append(("accelerate-ddp", [*launch, "--config_file", "configs/accelerate/multi_gpu_ddp.yaml",
                                             f"--num_processes={gpus}", "-m", *train[2:], *short,
                                             f"out_dir={work}/acc-ddp"], args.short_steps, "bf16"))  # fmt: skip
        else:
            print("accelerate-ddp: skipped (needs 2+ GPUs; configs/accelerate/multi_gpu_ddp.yaml)")
        results, failed = {}, []
        for name, command, steps, precision in cases:
            case = run_case(name, command, env, logs)
            out_dir = Path(next(a.split("=", 1)[1] for a in command if a.startswith("out_dir=")))
            case |= {"metrics": metrics_of(out_dir), "problems": check(case, out_dir, steps, precision)}
            results[name] = case
            m = case["metrics"]
            status = "PASS" if not case["problems"] else "FAIL: " + "; ".join(case["problems"])
            print(f"{name:24s} {status:6s} {m.get('tokens_per_second', '-')!s:>9} tok/s  "
                  f"peak {m.get('peak_gpu_memory_mb', '-')!s:>8} MB  loss {m.get('final_train_loss', '-')}  "
                  f"{case['process_seconds']:.0f} s", flush=True)  # fmt: skip
            if case["problems"]:
                failed.append(name)
        (logs / "gpu_paths.json").write_text(json.dumps(results, indent=2, default=str))
    record_figures(results, args.steps)
    print("all GPU paths pass" if not failed else f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


def record_figures(results: dict, steps: int) -> None:
    """bf16 vs fp32 and QLoRA vs bf16 (tokens/s, peak memory) as rows of bench/results/gpu_paths.json."""
    from _results import record  # bench/ is on sys.path when this file runs

    def figure(case: str, key: str):
        """A passing case's metric; None for a failed or missing case (no figure from a broken run)."""
        outcome = results.get(case, {})
        return None if outcome.get("problems", ["missing"]) else outcome["metrics"].get(key)

    rows = [
        {"figure": f"GPU train: non-pad tok/s, bf16 vs fp32 ({steps} steps)", "unit": "non-pad tok/s",
         "ours": figure("sft-bf16", "tokens_per_second"), "peer": figure("sft-fp32", "tokens_per_second")},
        {"figure": f"GPU train: peak GPU memory, QLoRA (4-bit base) vs bf16 ({steps} steps)", "unit": "MB",
         "ours": figure("sft-qlora", "peak_gpu_memory_mb"), "peer": figure("sft-bf16", "peak_gpu_memory_mb")},
        {"figure": f"GPU train: non-pad tok/s, QLoRA vs bf16 ({steps} steps)", "unit": "non-pad tok/s",
         "ours": figure("sft-qlora", "tokens_per_second"), "peer": figure("sft-bf16", "tokens_per_second")},
    ]  # fmt: skip
    record("gpu_paths", rows)


if __name__ == "__main__":
    sys.exit(main())

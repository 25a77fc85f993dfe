"""Peak memory (RSS) of DPO versus SFT on SmolLM2-135M, each step in its own subprocess.

    python bench/align_memory.py                     # 3 steps each, default configs, prints both peaks and the ratio
    python bench/align_memory.py --steps 5 --threads 2 --json artifacts/bench/align_memory.json

The SFT step runs first (configs/train.yaml with `trainer.max_steps=--steps`) and its adapter is what the DPO
step (configs/align.yaml with `dpo.max_steps=--steps`) continues, exactly as in the pipeline; batch sizes and
max lengths are the configs' own. Peak RSS is the child's ru_maxrss (os.wait4), so model loading, training
steps and the step's held-out scoring all count. Target: DPO <= 1.3 x SFT, i.e. the reference policy is a
frozen copy of the adapter, not a second model. Both runs track into a throwaway MLflow store.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 1.3


def measure(command: list[str], env: dict[str, str], log: Path) -> dict[str, float]:
    """Run `command`, return its peak RSS (MB) and wall time; raise with the log tail if it fails."""
    started = time.perf_counter()
    with open(log, "w") as handle:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text()[-3000:]
        raise SystemExit(
            f"{' '.join(command[2:4])} failed ({proc.returncode}), logs in {log.parent}:\n{tail}"
        )
    return {
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "wall_s": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3, help="training steps of each step (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (OMP_NUM_THREADS)")
    parser.add_argument(
        "--sft-adapter", default=None, help="reuse this SFT adapter for DPO (else the SFT run's)"
    )
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="align-memory-"))
    env = {
        **os.environ,
        "OMP_NUM_THREADS": str(args.threads),
        "TUNELINE_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(work / "mlartifacts"),
        "HF_HUB_OFFLINE": "1",
    }
    python = [sys.executable, "-m"]
    common = ["log_system_metrics=false", "resume=never"]
    sft_cmd = [
        *python,
        "components.finetune_lora",
        "--config",
        "configs/train.yaml",
        f"out_dir={work / 'train'}",
    ]
    sft = measure([*sft_cmd, f"trainer.max_steps={args.steps}", *common], env, work / "sft.log")
    adapter = args.sft_adapter or str(work / "train" / "adapter")
    dpo_cmd = [*python, "components.align", "--config", "configs/align.yaml", f"out_dir={work / 'align'}"]
    dpo = measure(
        [*dpo_cmd, f"sft_adapter={adapter}", f"dpo.max_steps={args.steps}", *common], env, work / "dpo.log"
    )
    shutil.rmtree(work)  # kept (with the logs) only when a step failed
    ratio = dpo["peak_rss_mb"] / sft["peak_rss_mb"]
    figures = {
        "steps": args.steps,
        "threads": args.threads,
        "sft": sft,
        "dpo": dpo,
        "dpo_over_sft_peak_rss": round(ratio, 3),
        "target": TARGET_RATIO,
        "within_target": ratio <= TARGET_RATIO,
    }
    print(f"SFT peak RSS {sft['peak_rss_mb']:.0f} MB ({sft['wall_s']:.0f} s, {args.steps} steps)")
    print(f"DPO peak RSS {dpo['peak_rss_mb']:.0f} MB ({dpo['wall_s']:.0f} s, {args.steps} steps)")
    print(f"DPO / SFT = {ratio:.2f} (target <= {TARGET_RATIO})")
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    figure = f"align: peak RSS of a DPO step vs an SFT step ({args.steps} steps each, default configs)"
    row = {"figure": figure, "ours": dpo["peak_rss_mb"], "peer": sft["peak_rss_mb"], "unit": "MB"}
    record("align_memory", [{**row, "target": f"<= {TARGET_RATIO}"}], threads=args.threads)
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())

"""What a training step leaves behind: MLflow per-step metrics, training log, loss curve, metrics, adapter.

Generic over TRL trainer type (SFT, DPO, reward, GRPO): they all log through `Trainer.log` and save
through `Trainer.save_model`.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from components.common.chat_model import AdapterRecord


class MlflowStepMetrics(TrainerCallback):
    """Logs every numeric training log (loss, learning_rate, grad_norm, ...) plus non-pad tokens/s to MLflow.

    tokens/s comes from `state.num_input_tokens_seen` (tuneline turns on its non-padding count); it is also
    written into `state.log_history`, so checkpoints and the training log keep it. Rank 0 only. Metrics
    are queued (MLflow async logging) so a slow store never stalls a training step; flushed at train end.
    """

    def __init__(self, run_id: str | None = None, prefix: str = ""):
        self.run_id = run_id
        self.prefix = prefix  # e.g. "reward." when two trainers log into one run (align's rlhf stages)
        self._clock = time.perf_counter()
        self._tokens = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self._clock, self._tokens = time.perf_counter(), state.num_input_tokens_seen

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        now, tokens = time.perf_counter(), state.num_input_tokens_seen
        metrics = {
            k: float(v) for k, v in logs.items() if isinstance(v, int | float) and not isinstance(v, bool)
        }
        if "loss" in logs and tokens > self._tokens and now > self._clock:
            metrics["tokens_per_second"] = (tokens - self._tokens) / (now - self._clock)
            if state.log_history and state.log_history[-1].get("step") == state.global_step:
                state.log_history[-1]["tokens_per_second"] = round(metrics["tokens_per_second"], 2)
            self._clock, self._tokens = now, tokens
        import mlflow

        metrics = {f"{self.prefix}{key}": value for key, value in metrics.items()}
        mlflow.log_metrics(metrics, step=state.global_step, run_id=self.run_id, synchronous=False)

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            import mlflow

            mlflow.flush_async_logging()


def peak_gpu_memory() -> dict[str, float]:
    """{"peak_gpu_memory_mb": ...}: the most CUDA memory torch held at once in this process; {} without a GPU."""
    import torch

    if not torch.cuda.is_available():
        return {}
    return {"peak_gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1)}


LOG_COLUMNS = ("step", "epoch", "loss", "learning_rate", "grad_norm", "tokens_per_second")
_CUMULATIVE = {"train_runtime", "train_tokens_per_second", "num_tokens", "total_flos"}  # not per-step values


def training_log_rows(log_history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per-step training rows (entries with a loss) from a trainer's log history, one per step."""
    rows: dict[int, dict[str, Any]] = {}
    for entry in log_history:
        if "loss" in entry and "step" in entry:
            rows[int(entry["step"])] = {
                k: v for k, v in entry.items() if isinstance(v, int | float) and k not in _CUMULATIVE
            }
    return [rows[step] for step in sorted(rows)]


def write_training_log(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """CSV with a fixed leading column order (step first) for `dvc plots` (x: step, y: loss)."""
    path = Path(path)
    extra = sorted({k for row in rows for k in row} - set(LOG_COLUMNS))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*LOG_COLUMNS, *extra], restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def plot_loss_curve(
    rows: list[dict[str, Any]], path: str | Path, reference: Mapping[str, float] = {}
) -> Path:
    """Training loss per step, with held-out losses (e.g. base vs adapter) as dashed lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.plot([r["step"] for r in rows], [r["loss"] for r in rows], label="training loss", color="tab:blue")
    for (label, value), color in zip(reference.items(), ("tab:red", "tab:green", "tab:purple"), strict=False):
        ax.axhline(value, linestyle="--", color=color, label=f"{label} = {value:.3f}")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (assistant tokens)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def write_metrics(metrics: Mapping[str, Any], path: str | Path) -> Path:
    """metrics.json for `dvc metrics` (sorted keys, stable diffs)."""
    tmp = Path(path).with_name(f".{Path(path).name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(metrics), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return Path(path)


def save_adapter(trainer, tokenizer, adapter_dir: str | Path, record: AdapterRecord) -> Path:
    """Adapter (safetensors) + tokenizer + tuneline_adapter.json (the record serving and the registry read),
    staged then moved into place.

    Call it on every rank: `trainer.save_model` gathers sharded (FSDP) weights; rank 0 writes. Pickled
    files the trainer adds (training_args.bin) are dropped: the adapter folder holds no pickles.
    """
    target = Path(adapter_dir)
    staging = target.with_name(f".{target.name}.staging")
    main = trainer.is_world_process_zero()
    if main and staging.exists():
        shutil.rmtree(staging)
    trainer.save_model(str(staging))
    if not main:
        return target
    tokenizer.save_pretrained(staging)
    for pickled in [p for pattern in ("*.bin", "*.pt", "*.pth", "*.pkl") for p in staging.glob(pattern)]:
        pickled.unlink()
    record.write(staging)
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)
    return target


def folder_megabytes(path: str | Path, pattern: str = "*.safetensors") -> float:
    """Size of the matching files in a folder, in MB (10^6 bytes)."""
    return sum(p.stat().st_size for p in Path(path).glob(pattern)) / 1e6


def system_info() -> dict[str, str]:
    """Versions and hardware a run used, as MLflow tags (system.*)."""
    import peft
    import torch
    import transformers
    import trl

    device = f"cuda:{torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "cpu"
    return {
        "system.python": platform.python_version(),
        "system.platform": platform.platform(terse=True),
        "system.torch": torch.__version__,
        "system.transformers": transformers.__version__,
        "system.trl": trl.__version__,
        "system.peft": peft.__version__,
        "system.device": device,
        "system.cpu_count": str(os.cpu_count()),
        "system.torch_threads": str(torch.get_num_threads()),
        "system.world_size": os.environ.get("WORLD_SIZE", "1"),
    }

"""What both training steps (SFT in finetune_lora, alignment in align) share around their trainers: where they
write, and their MLflow run.

    layout = TrainingLayout.of(cfg.out_dir, cfg.checkpoint_dir)     # adapter/, metrics.json, train_log.csv, ...
    with training_run("train", cfg, is_main, base=base, data_files=[cfg.train_file]) as run:
        mark_interrupted_run_killed(plan.previous_run_id)
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from components.common.base_model import ResolvedBase
from components.common.tracking import step_run

log = logging.getLogger(__name__)


@dataclasses.dataclass
class TrainingLayout:
    """Where a training step writes; evaluate and register read `adapter/` (with tuneline_adapter.json)."""

    root: Path
    checkpoints: Path

    @classmethod
    def of(cls, out_dir: str, checkpoint_dir: str | None):
        root = Path(out_dir)
        return cls(root, Path(checkpoint_dir) if checkpoint_dir else root / "checkpoints")

    adapter = property(lambda self: self.root / "adapter")
    metrics = property(lambda self: self.root / "metrics.json")
    train_log = property(lambda self: self.root / "train_log.csv")


@contextlib.contextmanager
def training_run(
    step: str, cfg: Any, is_main: bool, base: ResolvedBase, data_files: list[str], **run_args: Any
) -> Iterator[Any]:
    """One MLflow run on rank 0 (other ranks: None), sampling system metrics when `cfg.log_system_metrics`."""
    if not is_main:
        yield None
        return
    key = "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING"
    previous = os.environ.get(key)
    os.environ[key] = "true" if cfg.log_system_metrics else "false"
    try:
        with step_run(step, cfg, base=base, data_files=data_files, **run_args) as run:
            yield run
    finally:
        if previous is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = previous


def mark_interrupted_run_killed(previous_run_id: str | None) -> None:
    """A resumed training's earlier run, left RUNNING by the kill, is marked KILLED (not the active run)."""
    import mlflow

    if not previous_run_id or previous_run_id == mlflow.active_run().info.run_id:
        return
    try:
        client = mlflow.MlflowClient()
        if client.get_run(previous_run_id).info.status == "RUNNING":
            client.set_terminated(previous_run_id, status="KILLED")
    except mlflow.exceptions.MlflowException as exc:
        log.warning("could not mark the interrupted run %s as KILLED: %s", previous_run_id, exc)

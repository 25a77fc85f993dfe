"""Crash-safe checkpoints for the training steps: find the newest complete one, decide how to resume.

    plan = plan_resume("artifacts/train/checkpoints", fingerprint, "auto")
    trainer.train(resume_from_checkpoint=str(plan.checkpoint) if plan.checkpoint else None)

transformers writes a checkpoint's files one after another (weights, optimizer, scheduler, RNG, and
trainer_state.json last), so a process killed mid-save leaves a partial folder; those are skipped. The
folder also records the fingerprint (config + base + data) its checkpoints belong to, so a changed
training never continues from another training's state.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from components.common.training import TrainingInputError

log = logging.getLogger(__name__)

FINGERPRINT_FILE = "tuneline_checkpoints.json"


def checkpoint_step(path: Path) -> int | None:
    """Global step of a complete checkpoint folder, None when it is partial or damaged (e.g. killed mid-write)."""
    state_file = path / "trainer_state.json"
    try:
        step = int(json.loads(state_file.read_text())["global_step"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    weights = [path / "adapter_model.safetensors", path / "model.safetensors"]
    needed = [path / "optimizer.pt", path / "scheduler.pt"]
    if not any(_nonempty(p) for p in weights) or not all(_nonempty(p) for p in needed):
        return None
    if not any(_nonempty(p) for p in path.glob("rng_state*.pth")):
        return None
    return step


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def find_resume_checkpoint(checkpoint_dir: str | Path) -> Path | None:
    """Newest valid `checkpoint-N` folder (highest step), skipping partial ones; None when there is none."""
    folder = Path(checkpoint_dir)
    if not folder.is_dir():
        return None
    steps = {p: checkpoint_step(p) for p in folder.glob("checkpoint-*") if p.is_dir()}
    valid = [(step, path) for path, step in steps.items() if step is not None]
    return max(valid)[1] if valid else None


@dataclasses.dataclass(frozen=True)
class ResumePlan:
    """Where training starts: a checkpoint (and the MLflow run that wrote it) or from scratch, and why."""

    checkpoint: Path | None
    step: int
    previous_run_id: str | None
    reason: str
    tokens_seen: int = 0  # state.num_input_tokens_seen at the checkpoint (read now: rotation may delete it)

    @classmethod
    def from_checkpoint(cls, path: Path, run_id: str | None, reason: str) -> ResumePlan:
        state = json.loads((path / "trainer_state.json").read_text())
        return cls(
            path, int(state["global_step"]), run_id, reason, int(state.get("num_input_tokens_seen", 0))
        )


def plan_resume(checkpoint_dir: str | Path, fingerprint: str, resume: str) -> ResumePlan:
    """Decide what `resume` (auto | never | <checkpoint path>) means given the checkpoints on disk.

    Checkpoints written for another fingerprint (config, base model or data changed) are stale: `auto`
    deletes them and starts fresh rather than continue a different training.
    """
    folder = Path(checkpoint_dir)
    recorded = _read_json(folder / FINGERPRINT_FILE)
    if resume not in ("auto", "never"):
        path = Path(resume)
        step = checkpoint_step(path)
        if step is None:
            raise TrainingInputError(
                f"resume: {path} is not a complete checkpoint "
                "(needs trainer_state.json, adapter weights, optimizer.pt, scheduler.pt, rng_state*.pth)"
            )
        return ResumePlan.from_checkpoint(path, None, f"resume from {path} as asked")
    if resume == "never" or recorded.get("fingerprint") != fingerprint:
        removed = clear_checkpoints(folder)
        why = "resume: never" if resume == "never" else "no checkpoints for this config, base and data"
        if removed:
            log.warning("%s: removed %d old checkpoint(s) in %s", why, removed, folder)
        return ResumePlan(None, 0, None, why)
    found = find_resume_checkpoint(folder)
    if found is None:
        return ResumePlan(None, 0, recorded.get("mlflow_run_id"), "no complete checkpoint yet")
    return ResumePlan.from_checkpoint(found, recorded.get("mlflow_run_id"), f"resume from {found.name}")


def record_checkpoint_owner(checkpoint_dir: str | Path, fingerprint: str, run_id: str | None) -> None:
    """Remember which training (fingerprint) and MLflow run the checkpoints in this folder belong to."""
    folder = Path(checkpoint_dir)
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"fingerprint": fingerprint, "mlflow_run_id": run_id}
    _atomic_write(folder / FINGERPRINT_FILE, json.dumps(payload, indent=2) + "\n")


def clear_checkpoints(checkpoint_dir: str | Path) -> int:
    """Delete the checkpoints tuneline wrote in this folder (only those); returns how many were removed."""
    folder = Path(checkpoint_dir)
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.glob("checkpoint-*"):
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    for name in (FINGERPRINT_FILE, "README.md"):  # README.md: the model card TRL writes next to checkpoints
        (folder / name).unlink(missing_ok=True)
    if not any(folder.iterdir()):
        folder.rmdir()
    return removed


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

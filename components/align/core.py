"""Preference alignment of the SFT adapter: SFT adapter + preference pairs -> aligned adapter, metrics, MLflow run.

    python -m components.align --config configs/align.yaml
    tuneline align --config configs/align.yaml dpo.beta=0.2 dpo.loss_type=ipo
    tuneline align --config configs/align.yaml method=rlhf

Output folder (`out_dir`): adapter/ (one LoRA adapter over the original base, same format as the train step's,
tuneline_adapter.json with method, SFT and align run ids), reward_model/ (rlhf), metrics.json, train_log.csv,
reward_log.csv (rlhf), curves/{reward_margin,reward_accuracy,kl}.csv, alignment_curves.png. Training uses only
the pairs evaluation does not hold out. Checkpoints go to `checkpoint_dir` (default <out_dir>/checkpoints),
one folder per stage; a killed run restarted with `resume: auto` continues from the newest complete one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
import time
from datetime import UTC, datetime
from typing import Any

from components.align.config import METHOD_SECTIONS, NOT_IN_FINGERPRINT, AlignConfig
from components.align.data import feedback_hash, read_feedback_pairs, read_preference_pairs, split_pairs
from components.align.policy import SftAdapter, describe_sft_adapter
from components.align.reporting import write_outputs
from components.align.stages import AlignRun, train_policy, train_reward_model
from components.align.tracking import align_tracking, log_outputs, start_notes
from components.common.checkpoints import clear_checkpoints
from components.common.config import config_hash
from components.common.hashing import content_hash
from components.common.training import check_qlora_supported, resolve_precision
from components.common.training_run import TrainingLayout

log = logging.getLogger(__name__)


class OutputLayout(TrainingLayout):
    """Where the step writes; evaluate and register read `adapter/`, evaluate may read `reward_model/`."""

    reward_model = property(lambda self: self.root / "reward_model")
    curves = property(lambda self: self.root / "curves")
    plot = property(lambda self: self.root / "alignment_curves.png")


@dataclasses.dataclass
class AlignOutcome:
    """The step's result dict, plus the trainers (policy, and reward model for rlhf) for callers that inspect them."""

    result: dict[str, Any]
    trainer: Any
    reward_trainer: Any = None


def run(cfg: AlignConfig) -> dict[str, Any]:
    """Align the SFT adapter and write the output folder; returns paths, run ids, held-out scores, timings."""
    return align(cfg).result


def fingerprint(cfg: AlignConfig, sft: SftAdapter, data_sha256: str, sections: tuple[str, ...]) -> str:
    """Identity of one training stage: the shared settings, the stage's sections, base, SFT adapter and data.

    Settings of methods not in use are left out, so editing them does not discard checkpoints.
    """
    unused = {s for names in METHOD_SECTIONS.values() for s in names} - set(sections)
    values = {k: v for k, v in cfg.model_dump(mode="json").items() if k not in NOT_IN_FINGERPRINT | unused}
    payload = {
        "config": values,
        "base": sft.base.sha256,
        "sft_adapter": content_hash(sft.path),
        "data": data_sha256,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def prepare(cfg: AlignConfig) -> AlignRun:
    """Config, hardware and input checks, the held-out split and the fingerprints: all before loading a model."""
    from accelerate import PartialState

    precision = resolve_precision(cfg.precision)
    if cfg.qlora:
        check_qlora_supported()
    layout = OutputLayout.of(cfg.out_dir, cfg.checkpoint_dir)
    sft = describe_sft_adapter(cfg.sft_adapter)
    pairs = read_preference_pairs(cfg.preference_file)
    train_pairs, eval_pairs = split_pairs(
        pairs,
        cfg.preference_eval_fraction,
        cfg.preference_split_seed,
        cfg.max_train_pairs,
        cfg.rejection_types,
    )
    feedback = read_feedback_pairs(cfg.feedback_dir, pairs, eval_pairs)  # training side only
    if feedback:
        log.info(
            "adding %d feedback pairs from %s to %d training pairs",
            len(feedback),
            cfg.feedback_dir,
            len(train_pairs),
        )
    train_pairs = train_pairs + feedback
    data_sha256 = content_hash(cfg.preference_file)
    if feedback:  # unchanged without feedback, so existing checkpoints still resume
        data_sha256 = hashlib.sha256(f"{data_sha256}:{feedback_hash(cfg.feedback_dir)}".encode()).hexdigest()
    return AlignRun(
        cfg=cfg,
        precision=precision,
        sft=sft,
        train_pairs=train_pairs,
        eval_pairs=eval_pairs,
        data_sha256=data_sha256,
        policy_fingerprint=fingerprint(cfg, sft, data_sha256, METHOD_SECTIONS[cfg.method]),
        reward_fingerprint=fingerprint(cfg, sft, data_sha256, ("reward", "reward_lora")),
        checkpoints=layout.checkpoints,
        is_main=PartialState().is_main_process,
        feedback_pairs=len(feedback),
    )


def align(cfg: AlignConfig) -> AlignOutcome:
    """Everything `run` does, keeping the trainers; config, hardware and data errors come before any work."""
    started = time.perf_counter()
    prep = prepare(cfg)
    layout = OutputLayout.of(cfg.out_dir, cfg.checkpoint_dir)
    if cfg.method == "none":
        return pass_through(prep, layout, started)
    with align_tracking(cfg, prep) as mlflow_run:
        prep.run_id = mlflow_run.info.run_id if mlflow_run else None
        if prep.is_main:
            start_notes(prep)
        reward = train_reward_model(prep, layout.reward_model) if cfg.method == "rlhf" else None
        policy = train_policy(prep, layout.adapter, reward)
        result = _result(prep, layout, policy, reward)
        if prep.is_main:
            reward_rows = reward.rows if reward else []
            metrics = write_outputs(cfg.method, layout.root, policy.rows, reward_rows, result)
            log_outputs(layout, result, metrics)
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
    if prep.is_main and not cfg.keep_checkpoints:
        for stage in ("policy", "reward"):
            clear_checkpoints(layout.checkpoints / stage)
        if layout.checkpoints.is_dir() and not any(layout.checkpoints.iterdir()):
            layout.checkpoints.rmdir()
    return AlignOutcome(result, policy.trainer, reward.trainer if reward else None)


def pass_through(prep: AlignRun, layout: OutputLayout, started: float) -> AlignOutcome:
    """method: none: the SFT adapter, byte for byte, becomes the step's adapter; the run, metrics.json, logs,
    curves and figure say that nothing was aligned, so every later step and DVC see the usual outputs."""
    if layout.adapter.exists():
        shutil.rmtree(layout.adapter)
    shutil.copytree(prep.sft.path, layout.adapter)
    with align_tracking(prep.cfg, prep) as mlflow_run:
        prep.run_id = mlflow_run.info.run_id if mlflow_run else None
        result = {
            "method": "none",
            "out_dir": str(layout.root),
            "adapter_dir": str(layout.adapter),
            "metrics_file": str(layout.metrics),
            "train_log": str(layout.train_log),
            "plot": str(layout.plot),
            "mlflow_run_id": prep.run_id,
            "sft_run_id": prep.sft.run_id,
            "config_hash": config_hash(prep.cfg),
            "adapter_sha256": content_hash(layout.adapter),
            "note": "no alignment (method: none): the SFT adapter is passed on unchanged",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if prep.is_main:
            start_notes(prep)
            metrics = write_outputs("none", layout.root, [], [], result)
            log_outputs(layout, result, metrics)
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return AlignOutcome(result, None)


def _result(prep: AlignRun, layout: OutputLayout, policy, reward) -> dict[str, Any]:
    result = {
        "method": prep.cfg.method,
        "out_dir": str(layout.root),
        "adapter_dir": str(layout.adapter),
        "metrics_file": str(layout.metrics),
        "train_log": str(layout.train_log),
        "plot": str(layout.plot),
        "checkpoint_dir": str(layout.checkpoints),
        "mlflow_run_id": prep.run_id,
        "sft_run_id": prep.sft.run_id,
        "config_hash": config_hash(prep.cfg),
        "train_pairs": len(prep.train_pairs),
        "feedback_pairs": prep.feedback_pairs,
        **policy.summary,
    }
    if reward:
        result["reward_model_dir"] = str(layout.reward_model)
        result.update(reward.summary)
    result["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return result

"""The align step's training stages: the policy (every method) and, for rlhf, the reward model before it.

Each stage has its own checkpoint folder (<checkpoint_dir>/policy, <checkpoint_dir>/reward) keyed by its own
fingerprint, so a kill during the policy stage of rlhf resumes the policy and reuses the finished reward
model's last checkpoint (a resume at the final step trains nothing and only re-saves it).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components.align.config import AlignConfig
from components.align.dpo import make_preference_trainer, reference_beta, trainer_args
from components.align.policy import (
    SftAdapter,
    drop_reference_adapter,
    load_sft_policy,
    preference_scores,
    preference_summary,
    scoring_tokenizer,
)
from components.align.reporting import log_rows
from components.align.rlhf import (
    frozen_reward_function,
    load_reward_base,
    make_grpo_trainer,
    make_reward_trainer,
    reward_model_accuracy,
)
from components.align.tracking import resume_notes
from components.common.chat_model import AdapterRecord
from components.common.checkpoints import ResumePlan, plan_resume, record_checkpoint_owner
from components.common.config import config_hash
from components.common.hashing import content_hash
from components.common.training import Precision, run_trainer
from components.common.training_outputs import MlflowStepMetrics, save_adapter

log = logging.getLogger(__name__)


@dataclasses.dataclass
class AlignRun:
    """Everything decided before a model is loaded, plus the MLflow run id once the run has started."""

    cfg: AlignConfig
    precision: Precision
    sft: SftAdapter
    train_pairs: list[dict[str, Any]]
    eval_pairs: list[dict[str, Any]]
    data_sha256: str
    policy_fingerprint: str
    reward_fingerprint: str
    checkpoints: Path
    is_main: bool
    run_id: str | None = None
    feedback_pairs: int = 0  # of train_pairs, how many came from serving feedback (feedback_dir)


@dataclasses.dataclass
class StageOutcome:
    """A finished stage: its trainer, per-step log rows, summary figures and (reward stage) the scorer."""

    trainer: Any
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    plan: ResumePlan
    scorer: Any = None
    scorer_tokenizer: Any = None
    folder: Path | None = None


def _plan(prep: AlignRun, stage: str, fingerprint: str, resume: str) -> tuple[Path, ResumePlan]:
    folder = prep.checkpoints / stage
    plan = plan_resume(folder, fingerprint, resume)
    if prep.is_main:
        record_checkpoint_owner(folder, fingerprint, prep.run_id)
        resume_notes(stage, plan)
    log.info("align %s stage: %s", stage, plan.reason)
    return folder, plan


def _callbacks(prep: AlignRun, prefix: str = "") -> list:
    return [MlflowStepMetrics(prep.run_id, prefix=prefix)] if prep.is_main else []


def _train(trainer, plan: ResumePlan) -> tuple[Any, float]:
    output, seconds, _ = run_trainer(trainer, plan.checkpoint)
    return output, seconds


def train_reward_model(prep: AlignRun, reward_dir: Path) -> StageOutcome:
    """rlhf stage 1: LoRA reward model on the training pairs, scored on held-out and training pairs, saved."""
    cfg = prep.cfg
    folder, plan = _plan(
        prep, "reward", prep.reward_fingerprint, "never" if cfg.resume == "never" else "auto"
    )
    tokenizer = scoring_tokenizer(prep.sft)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    model = load_reward_base(prep.sft.base, prep.precision, tokenizer.pad_token_id)
    args = trainer_args(cfg, "reward", prep.precision, str(folder))
    trainer = make_reward_trainer(
        model,
        tokenizer,
        args,
        cfg.reward_lora,
        prep.train_pairs,
        _callbacks(prep, "reward."),
    )
    _, seconds = _train(trainer, plan)
    summary = {
        **reward_model_accuracy(
            trainer.model, scoring_tokenizer(prep.sft), prep.train_pairs, prep.eval_pairs
        ),
        "reward_model_global_step": trainer.state.global_step,
        "reward_model_resumed_from_step": plan.step,
        "reward_model_train_seconds": round(seconds, 1),
    }
    save_adapter(trainer, tokenizer, reward_dir, _reward_record(prep, trainer.state.global_step, summary))
    rows = log_rows(trainer.state.log_history)
    return StageOutcome(
        trainer, rows, summary, plan, frozen_reward_function(trainer), tokenizer, folder=reward_dir
    )


def train_policy(prep: AlignRun, adapter_dir: Path, reward: StageOutcome | None) -> StageOutcome:
    """Continue the SFT adapter with the method's trainer; score held-out pairs before and after; save."""
    cfg = prep.cfg
    folder, plan = _plan(prep, "policy", prep.policy_fingerprint, cfg.resume)
    policy, tokenizer = load_sft_policy(prep.sft, prep.precision, cfg.qlora)
    before = preference_scores(policy, prep.sft, prep.eval_pairs) if prep.eval_pairs else []
    section = "grpo" if cfg.method == "rlhf" else cfg.method
    args = trainer_args(cfg, section, prep.precision, str(folder))
    if reward is not None:
        trainer = make_grpo_trainer(
            policy,
            tokenizer,
            reward.scorer,
            reward.scorer_tokenizer,
            args,
            prep.train_pairs,
            _callbacks(prep),
        )
    else:
        trainer = make_preference_trainer(
            cfg.method, policy, tokenizer, args, prep.train_pairs, _callbacks(prep)
        )
    output, seconds = _train(trainer, plan)
    after = preference_scores(trainer.model, prep.sft, prep.eval_pairs) if prep.eval_pairs else []
    beta = float(args.beta) if cfg.method == "rlhf" else reference_beta(cfg.method, args)
    tokens = trainer.state.num_input_tokens_seen - plan.tokens_seen
    summary = {
        "global_step": trainer.state.global_step,
        "resumed_from": str(plan.checkpoint) if plan.checkpoint else None,
        "resumed_from_step": plan.step,
        "mean_train_loss": round(output.training_loss, 4),
        "train_seconds": round(seconds, 1),
        "seconds_per_step": round(seconds / max(1, trainer.state.global_step - plan.step), 2),
        "trainable_parameters": sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        "beta": beta,
        **({"tokens_per_second": round(tokens / seconds, 1)} if tokens > 0 and seconds > 0 else {}),
        **(preference_summary(before, after, beta) if after else {}),
    }
    drop_reference_adapter(trainer.model)
    save_adapter(trainer, tokenizer, adapter_dir, _aligned_record(prep, trainer.state.global_step, reward))
    return StageOutcome(trainer, log_rows(trainer.state.log_history), summary, plan, folder=adapter_dir)


def _lineage(prep: AlignRun, global_step: int) -> dict[str, Any]:
    sft = prep.sft.record.extra
    return {
        "base_model_kind": sft.get("base_model_kind"),
        "mlflow_run_id": prep.run_id,
        "align_run_id": prep.run_id,
        "sft_run_id": prep.sft.run_id,
        "sft_config_hash": sft.get("config_hash"),
        "sft_data_sha256": sft.get("data_sha256"),
        "sft_adapter_sha256": content_hash(prep.sft.path),
        "config_hash": config_hash(prep.cfg),
        "data_sha256": prep.data_sha256,
        "global_step": global_step,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _aligned_record(prep: AlignRun, global_step: int, reward: StageOutcome | None) -> AdapterRecord:
    """The SFT adapter's record carried over (base, system prompt, generation defaults) with align lineage."""
    sft = prep.sft.record
    extra = _lineage(prep, global_step)
    if reward is not None and reward.folder is not None:
        extra["reward_model_sha256"] = content_hash(reward.folder)
    # the split evaluation must score this adapter on: recorded here, not repeated in evaluate's config
    extra["held_out_pair_ids"] = sorted(str(pair["id"]) for pair in prep.eval_pairs)
    return AdapterRecord(
        base_model=sft.base_model,
        base_sha256=sft.base_sha256,
        method=prep.cfg.method,
        system_prompt=sft.system_prompt,
        generation=dict(sft.generation),
        extra={k: v for k, v in extra.items() if v is not None},
    )


def _reward_record(prep: AlignRun, global_step: int, summary: dict[str, Any]) -> AdapterRecord:
    """tuneline_adapter.json of the reward model: a SEQ_CLS adapter on the same base (evaluate reads it)."""
    extra = {**_lineage(prep, global_step), "task_type": "SEQ_CLS"}
    extra["held_out_accuracy"] = summary["reward_model_held_out_accuracy"]
    return AdapterRecord(
        base_model=prep.sft.record.base_model,
        base_sha256=prep.sft.record.base_sha256,
        method="reward_model",
        system_prompt=prep.sft.record.system_prompt,
        extra={k: v for k, v in extra.items() if v is not None},
    )

"""LoRA supervised fine-tuning: base model + chat data -> adapter folder, metrics, training log, MLflow run.

    python -m components.finetune_lora --config configs/train.yaml
    tuneline train --config configs/train.yaml trainer.max_steps=20 lora.r=16
    accelerate launch --config_file configs/accelerate/multi_gpu_ddp.yaml \\
        -m components.finetune_lora --config configs/train.yaml

Output folder (`out_dir`): adapter/ (PEFT adapter safetensors + tokenizer + tuneline_adapter.json),
metrics.json, train_log.csv, loss_curve.png; checkpoints go to `checkpoint_dir` (default
<out_dir>/checkpoints) and are removed after a successful run unless keep_checkpoints is set.
A killed run restarted with `resume: auto` continues from its newest complete checkpoint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from components.common.base_model import ResolvedBase, resolve_base_model
from components.common.chat_model import AdapterRecord
from components.common.checkpoints import ResumePlan, clear_checkpoints, plan_resume, record_checkpoint_owner
from components.common.config import config_hash
from components.common.hashing import content_hash
from components.common.training import (
    build_lora_config,
    build_trainer_args,
    check_qlora_supported,
    load_base_for_training,
    resolve_precision,
    run_trainer,
)
from components.common.training_outputs import (
    MlflowStepMetrics,
    folder_megabytes,
    peak_gpu_memory,
    plot_loss_curve,
    save_adapter,
    system_info,
    training_log_rows,
    write_metrics,
    write_training_log,
)
from components.common.training_run import TrainingLayout, mark_interrupted_run_killed, training_run
from components.finetune_lora.chat_template import training_chat_template
from components.finetune_lora.config import NOT_IN_FINGERPRINT, FinetuneConfig
from components.finetune_lora.data import (
    dominant_system_prompt,
    read_conversations,
    split_holdout,
    to_dataset,
)

log = logging.getLogger(__name__)


class OutputLayout(TrainingLayout):
    """Where the step writes; the registry step reads `adapter/` and `tuneline_adapter.json` from here."""

    loss_curve = property(lambda self: self.root / "loss_curve.png")


@dataclasses.dataclass
class TrainingOutcome:
    """The step's result dict, plus the trainer (its model is the PeftModel) for callers that inspect weights."""

    result: dict[str, Any]
    trainer: Any


def run(cfg: FinetuneConfig) -> dict[str, Any]:
    """Train the adapter and write the output folder; returns paths, run id, losses, steps, timings."""
    return train(cfg).result


def training_fingerprint(cfg: FinetuneConfig, base_sha256: str, data_sha256: str) -> str:
    """Identity of what is being trained; checkpoints are only resumed by the same fingerprint."""
    values = {k: v for k, v in cfg.model_dump(mode="json").items() if k not in NOT_IN_FINGERPRINT}
    payload = json.dumps({"config": values, "base": base_sha256, "data": data_sha256}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclasses.dataclass
class Setup:
    """Everything decided and loaded before training starts (errors in config, hardware or data come first)."""

    cfg: FinetuneConfig
    layout: OutputLayout
    args: Any  # trl.SFTConfig
    base: ResolvedBase
    train_rows: list[dict[str, Any]]
    eval_rows: list[dict[str, Any]]
    data_sha256: str
    fingerprint: str
    plan: ResumePlan
    model: Any
    tokenizer: Any
    original_chat_template: str | None
    is_main: bool


def setup(cfg: FinetuneConfig) -> Setup:
    """Check the config and hardware, split the data, plan the resume, load base + tokenizer for training."""
    from trl import SFTConfig

    precision = resolve_precision(cfg.precision)
    if cfg.qlora:
        check_qlora_supported()
    layout = OutputLayout.of(cfg.out_dir, cfg.checkpoint_dir)
    args = build_trainer_args(
        SFTConfig, cfg.trainer, precision=precision, output_dir=str(layout.checkpoints), seed=cfg.seed
    )
    rows = read_conversations(cfg.train_file)
    train_rows, eval_rows = split_holdout(rows, cfg.eval_fraction, cfg.seed)
    base = resolve_base_model(cfg.base_model)
    data_sha256 = content_hash(cfg.train_file)
    fingerprint = training_fingerprint(cfg, base.sha256, data_sha256)
    with args.main_process_first(desc="checkpoint discovery"):  # rank 0 clears stale ones first
        plan = plan_resume(layout.checkpoints, fingerprint, cfg.resume)
    log.info("train: %d conversations, %d held out; %s", len(train_rows), len(eval_rows), plan.reason)
    model, tokenizer = load_base_for_training(base, precision, cfg.qlora)
    original = tokenizer.chat_template
    if args.assistant_only_loss and args.chat_template_path is None:
        tokenizer.chat_template = training_chat_template(tokenizer)
    return Setup(
        cfg, layout, args, base, train_rows, eval_rows, data_sha256, fingerprint, plan, model, tokenizer,
        original, args.process_index == 0,
    )  # fmt: skip


def make_trainer(prepared: Setup, callbacks: list | None = None):
    """The TRL SFTTrainer: LoRA wrapped by TRL (peft_config), datasets tokenised and masked by TRL."""
    from trl import SFTTrainer

    return SFTTrainer(
        model=prepared.model,
        args=prepared.args,
        train_dataset=to_dataset(prepared.train_rows),
        eval_dataset=to_dataset(prepared.eval_rows) if prepared.eval_rows else None,
        processing_class=prepared.tokenizer,
        peft_config=build_lora_config(prepared.cfg.lora),
        callbacks=callbacks or [],
    )


def train(cfg: FinetuneConfig) -> TrainingOutcome:
    """Everything `run` does, keeping the trainer; config, hardware and data errors come before any work."""
    started = time.perf_counter()
    prep = setup(cfg)
    layout, plan = prep.layout, prep.plan
    with training_run(
        "train", cfg, prep.is_main, prep.base, [cfg.train_file], run_name=cfg.run_name
    ) as mlflow_run:
        run_id = mlflow_run.info.run_id if mlflow_run else None
        if prep.is_main:
            record_checkpoint_owner(layout.checkpoints, prep.fingerprint, run_id)
            _start_notes(plan, len(prep.train_rows), len(prep.eval_rows))
        trainer = make_trainer(prep, [MlflowStepMetrics(run_id)] if prep.is_main else [])
        output, train_seconds, cpu_seconds = run_trainer(trainer, plan.checkpoint)
        held_out = _held_out_losses(trainer) if prep.eval_rows else {}
        prep.tokenizer.chat_template = prep.original_chat_template  # the adapter ships the base's template
        save_adapter(
            trainer, prep.tokenizer, layout.adapter, _adapter_record(prep, run_id, trainer.state.global_step)
        )
        result = _result(prep, trainer, output.training_loss, train_seconds, held_out, run_id)
        result["train_cpu_seconds"] = round(
            cpu_seconds, 1
        )  # all threads; steadier than wall on a busy machine
        if prep.is_main:
            _write_outputs(trainer, layout, result)
        result["wall_seconds"] = round(time.perf_counter() - started, 1)
    if prep.is_main and not cfg.keep_checkpoints:
        clear_checkpoints(layout.checkpoints)
    return TrainingOutcome(result, trainer)


def _result(prep: Setup, trainer, mean_loss: float, seconds: float, held_out: dict, run_id) -> dict[str, Any]:
    """What `run` returns (paths, run id, steps, losses, timings); metrics.json holds the numeric part."""
    layout, plan = prep.layout, prep.plan
    session_tokens = trainer.state.num_input_tokens_seen - plan.tokens_seen
    return {
        "out_dir": str(layout.root),
        "adapter_dir": str(layout.adapter),
        "metrics_file": str(layout.metrics),
        "train_log": str(layout.train_log),
        "loss_curve": str(layout.loss_curve),
        "checkpoint_dir": str(layout.checkpoints),
        "mlflow_run_id": run_id,
        "global_step": trainer.state.global_step,
        "resumed_from": str(plan.checkpoint) if plan.checkpoint else None,
        "resumed_from_step": plan.step,
        "mean_train_loss": round(mean_loss, 4),
        **held_out,
        "train_rows": len(prep.train_rows),
        "eval_rows": len(prep.eval_rows),
        "trainable_parameters": sum(p.numel() for p in trainer.model.parameters() if p.requires_grad),
        "train_seconds": round(seconds, 1),
        "train_tokens": session_tokens,
        "tokens_per_second": round(session_tokens / seconds, 1) if seconds > 0 else 0.0,
        "precision": "bf16" if prep.args.bf16 else "fp16" if prep.args.fp16 else "fp32",
        **peak_gpu_memory(),
    }


def _adapter_record(prep: Setup, run_id: str | None, global_step: int) -> AdapterRecord:
    """tuneline_adapter.json: the base pinned by hash, the system prompt the data used, where it came from."""
    return AdapterRecord(
        base_model=prep.base.spec,
        base_sha256=prep.base.sha256,
        method="sft",
        system_prompt=dominant_system_prompt(prep.train_rows) or "",
        extra={
            "base_model_kind": prep.base.kind,
            "mlflow_run_id": run_id,
            "config_hash": config_hash(prep.cfg),
            "data_sha256": prep.data_sha256,
            "global_step": global_step,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )


def _start_notes(plan: ResumePlan, train_rows: int, eval_rows: int) -> None:
    """Tags and params that say how this run started; an interrupted earlier run is marked KILLED."""
    import mlflow

    mlflow.set_tags(
        {**system_info(), "tuneline.training_method": "sft", "tuneline.resume": plan.reason}
        | ({"tuneline.resumed_from_step": str(plan.step)} if plan.checkpoint else {})
        | ({"tuneline.previous_run_id": plan.previous_run_id} if plan.previous_run_id else {})
    )
    mlflow.log_params({"data.train_rows": train_rows, "data.eval_rows": eval_rows})
    mark_interrupted_run_killed(plan.previous_run_id)


def _held_out_losses(trainer) -> dict[str, float]:
    """Held-out loss (assistant tokens) with the adapter and with it disabled (= the base model)."""
    adapter = trainer.evaluate(metric_key_prefix="eval_adapter")["eval_adapter_loss"]
    with trainer.model.disable_adapter():
        base = trainer.evaluate(metric_key_prefix="eval_base")["eval_base_loss"]
    return {
        "eval_loss_base": round(base, 4),
        "eval_loss_adapter": round(adapter, 4),
        "eval_loss_reduction": round(base - adapter, 4),
    }


def _write_outputs(trainer, layout: OutputLayout, result: dict[str, Any]) -> None:
    """Training log, loss curve and metrics.json into the output folder, and all of it into MLflow."""
    import mlflow

    rows = training_log_rows(trainer.state.log_history)
    write_training_log(rows, layout.train_log)
    reference = {
        label: result[key]
        for label, key in (("held-out base", "eval_loss_base"), ("held-out adapter", "eval_loss_adapter"))
        if key in result
    }
    plot_loss_curve(rows, layout.loss_curve, reference)
    result["final_train_loss"] = round(rows[-1]["loss"], 4) if rows else None
    result["adapter_mb"] = round(folder_megabytes(layout.adapter), 2)
    metric_keys = (
        "global_step", "final_train_loss", "mean_train_loss", "eval_loss_base", "eval_loss_adapter",
        "eval_loss_reduction", "train_seconds", "tokens_per_second", "adapter_mb", "trainable_parameters",
        "peak_gpu_memory_mb",
    )  # fmt: skip
    metrics = {key: result[key] for key in metric_keys if result.get(key) is not None}
    write_metrics(metrics, layout.metrics)
    mlflow.log_metrics({f"final.{k}": float(v) for k, v in metrics.items()})
    mlflow.log_artifacts(str(layout.adapter), artifact_path="adapter")
    for path in (layout.loss_curve, layout.metrics, layout.train_log):
        mlflow.log_artifact(str(path))
    mlflow.flush_async_logging()  # the held-out evaluations' metrics were queued by the callback

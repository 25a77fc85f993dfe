"""The align step's MLflow run: lineage tags linking it to the SFT run, resume notes, artifacts at the end."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from components.common.checkpoints import ResumePlan
from components.common.training_outputs import system_info
from components.common.training_run import mark_interrupted_run_killed, training_run

if TYPE_CHECKING:
    from components.align.core import OutputLayout
    from components.align.stages import AlignRun

log = logging.getLogger(__name__)


@contextlib.contextmanager
def align_tracking(cfg, prep: AlignRun) -> Iterator[Any]:
    """One MLflow run on rank 0 (none on other ranks), tagged with the SFT run it continues."""
    tags = {"tuneline.align_method": cfg.method, "tuneline.sft_adapter": str(prep.sft.path)}
    if prep.sft.run_id:
        tags["tuneline.sft_run_id"] = prep.sft.run_id
    with training_run(
        "align",
        cfg,
        prep.is_main,
        prep.sft.base,
        [cfg.preference_file, cfg.sft_adapter],
        run_name=cfg.run_name or f"align-{cfg.method}",
        extra_tags=tags,
    ) as run:
        yield run


def start_notes(prep: AlignRun) -> None:
    """Versions, hardware, method and data sizes as tags/params."""
    import mlflow

    mlflow.set_tags({**system_info(), "tuneline.training_method": prep.cfg.method})
    mlflow.log_params(
        {
            "data.train_pairs": len(prep.train_pairs),
            "data.held_out_pairs": len(prep.eval_pairs),
            "data.feedback_pairs": prep.feedback_pairs,
        }
    )


def resume_notes(stage: str, plan: ResumePlan) -> None:
    """How a stage started; an interrupted earlier run of the same training is marked KILLED."""
    import mlflow

    tags = {f"tuneline.resume.{stage}": plan.reason}
    if plan.checkpoint:
        tags[f"tuneline.resumed_from_step.{stage}"] = str(plan.step)
    if plan.previous_run_id:
        tags["tuneline.previous_run_id"] = plan.previous_run_id
    mlflow.set_tags(tags)
    mark_interrupted_run_killed(plan.previous_run_id)


def log_outputs(layout: OutputLayout, result: dict[str, Any], metrics: dict[str, float]) -> None:
    """Final metrics and the output folder (adapter, reward model, logs, curves, figure) into the run."""
    import mlflow

    mlflow.log_metrics({f"final.{k}": float(v) for k, v in metrics.items()})
    mlflow.log_artifacts(str(layout.adapter), artifact_path="adapter")
    if "reward_model_dir" in result:
        mlflow.log_artifacts(str(layout.reward_model), artifact_path="reward_model")
    mlflow.log_artifacts(str(layout.curves), artifact_path="curves")
    for path in layout.root.glob("*"):
        if path.is_file():
            mlflow.log_artifact(str(path))
    mlflow.flush_async_logging()

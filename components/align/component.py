"""KFP component: the `align` step as a pipeline task (logic lives in core.run)."""

from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

from components.common.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE)
def align_op(
    trained: Input[Model],
    preference_data: Input[Dataset],
    feedback: Input[Dataset],
    aligned: Output[Model],
    metrics: Output[Metrics],
    config_yaml: str = "",
    overrides: list = [],  # noqa: B006 - KFP parameters are declared with literal defaults
) -> str:
    """Align the SFT adapter in `trained`/adapter on `preference_data`, plus the pairs in `feedback` (a folder of
    `tuneline feedback export` files, added to the training side only; an empty folder adds none). `aligned`
    holds adapter/ (same format, so evaluate and register take it like the train step's output), reward_model/
    (rlhf), metrics.json, train_log.csv, curves/ and alignment_curves.png.

    `config_yaml` is the text of configs/align.yaml (the pipeline reads it at compile time); `overrides` are
    key=value strings as on the command line. Returns the MLflow run id.
    """
    from pathlib import Path

    from components.align.config import AlignConfig
    from components.align.core import run
    from components.common.task import log_metrics, task_config

    pinned = {
        "sft_adapter": str(Path(trained.path) / trained.metadata.get("adapter_subdir", "adapter")),
        "preference_file": preference_data.path,
        "feedback_dir": feedback.path,
        "out_dir": aligned.path,
        "checkpoint_dir": None,
    }
    result = run(task_config(AlignConfig, config_yaml, overrides, **pinned))
    keys = (
        "sft_preference_accuracy", "aligned_preference_accuracy", "held_out_reward_margin",
        "reward_model_held_out_accuracy", "final_train_loss", "global_step", "adapter_mb", "train_pairs",
        "feedback_pairs",
    )  # fmt: skip
    log_metrics(metrics, result, keys)
    aligned.metadata.update(
        {"mlflow_run_id": result["mlflow_run_id"], "adapter_subdir": "adapter", "method": result["method"]}
    )
    return result["mlflow_run_id"]

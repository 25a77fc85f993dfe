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
    import tempfile
    from pathlib import Path

    from components.align.config import AlignConfig
    from components.align.core import run
    from components.common.config import load_config
    from components.common.step import offline_environment

    offline_environment()
    config_file = Path(tempfile.mkdtemp()) / "align.yaml"
    config_file.write_text(config_yaml)
    if Path(feedback.path).is_file():  # core reads a folder; a file there would silently add nothing
        raise ValueError(
            f"feedback {feedback.uri} is a file: give the folder `tuneline feedback export` writes"
        )
    sft_adapter = Path(trained.path) / trained.metadata.get("adapter_subdir", "adapter")
    pinned = [
        f"sft_adapter={sft_adapter}",
        f"preference_file={preference_data.path}",
        f"feedback_dir={feedback.path}",
        f"out_dir={aligned.path}",
        "checkpoint_dir=null",
    ]
    result = run(load_config(AlignConfig, config_file, [*overrides, *pinned]))
    keys = (
        "sft_preference_accuracy", "aligned_preference_accuracy", "held_out_reward_margin",
        "reward_model_held_out_accuracy", "final_train_loss", "global_step", "adapter_mb", "train_pairs",
        "feedback_pairs",
    )  # fmt: skip
    for key in keys:
        if result.get(key) is not None:
            metrics.log_metric(key, result[key])
    aligned.metadata.update(
        {"mlflow_run_id": result["mlflow_run_id"], "adapter_subdir": "adapter", "method": result["method"]}
    )
    return result["mlflow_run_id"]

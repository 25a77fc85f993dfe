"""KFP component: the `train` step as a pipeline task (logic lives in core.run)."""

from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics, Model, Output

from components.common.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE)
def finetune_lora_op(
    sft_data: Input[Dataset],
    trained: Output[Model],
    metrics: Output[Metrics],
    config_yaml: str = "",
    overrides: list = [],  # noqa: B006 - KFP parameters are declared with literal defaults
) -> str:
    """Train a LoRA adapter on `sft_data`; `trained` holds adapter/, metrics.json, train_log.csv, loss_curve.png.

    `config_yaml` is the text of configs/train.yaml (the pipeline reads it at compile time); `overrides`
    are key=value strings as on the command line. Returns the MLflow run id.
    """
    import tempfile
    from pathlib import Path

    from components.common.config import load_config
    from components.common.step import offline_environment
    from components.finetune_lora.config import FinetuneConfig
    from components.finetune_lora.core import run

    offline_environment()
    config_file = Path(tempfile.mkdtemp()) / "train.yaml"
    config_file.write_text(config_yaml)
    pinned = [f"train_file={sft_data.path}", f"out_dir={trained.path}", "checkpoint_dir=null"]
    result = run(load_config(FinetuneConfig, config_file, [*overrides, *pinned]))
    for key in ("eval_loss_base", "eval_loss_adapter", "final_train_loss", "global_step", "adapter_mb"):
        if result.get(key) is not None:
            metrics.log_metric(key, result[key])
    trained.metadata.update({"mlflow_run_id": result["mlflow_run_id"], "adapter_subdir": "adapter"})
    return result["mlflow_run_id"]

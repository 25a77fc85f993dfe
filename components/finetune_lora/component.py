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
    from components.common.task import log_metrics, task_config
    from components.finetune_lora.config import FinetuneConfig
    from components.finetune_lora.core import run

    pinned = {"train_file": sft_data.path, "out_dir": trained.path, "checkpoint_dir": None}
    result = run(task_config(FinetuneConfig, config_yaml, overrides, **pinned))
    keys = ("eval_loss_base", "eval_loss_adapter", "final_train_loss", "global_step", "adapter_mb")
    log_metrics(metrics, result, keys)
    trained.metadata.update({"mlflow_run_id": result["mlflow_run_id"], "adapter_subdir": "adapter"})
    return result["mlflow_run_id"]

"""KFP component: the `evaluate` step as a pipeline task (logic lives in core.run)."""

from typing import Optional

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output

from components.common.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE)
def evaluate_op(
    candidate: Input[Model],
    golden: Input[Dataset],
    evaluation: Output[Artifact],
    metrics: Output[Metrics],
    preference: Optional[Input[Dataset]] = None,  # noqa: UP045  (kfp reads typing.Optional only)
    champion: str = "auto",
    config_yaml: str = "",
    overrides: list = [],  # noqa: B006 - KFP parameters are declared with literal defaults
) -> str:
    """Evaluate the trained adapter in `candidate` against `champion`; `evaluation` holds eval_report.json,
    metrics.json, side_by_side.csv and comparison.png. `config_yaml` is the text of configs/evaluate.yaml;
    `overrides` are key=value strings as on the command line. Returns the MLflow run id."""
    from pathlib import Path

    from components.common.task import log_metrics, task_config
    from components.evaluate_model.config import EvaluateConfig
    from components.evaluate_model.core import run

    pinned = {
        "candidate": str(Path(candidate.path) / candidate.metadata.get("adapter_subdir", "")),
        "champion": champion,
        "golden_file": golden.path,
        "preference_file": preference.path if preference else None,
        "out_dir": evaluation.path,
    }
    result = run(task_config(EvaluateConfig, config_yaml, overrides, **pinned))
    keys = ("delta", "ci_low", "ci_high", "candidate", "champion", "win", "tie", "loss")
    log_metrics(metrics, result["primary"], keys, prefix=f"{result['primary']['metric']}_")
    evaluation.metadata.update({"champion": result["champion"], "mlflow_run_id": result["mlflow_run_id"]})
    return result["mlflow_run_id"]

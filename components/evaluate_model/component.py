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
    import tempfile
    from pathlib import Path

    from components.common.config import load_config
    from components.common.step import offline_environment
    from components.evaluate_model.config import EvaluateConfig
    from components.evaluate_model.core import run

    offline_environment()
    config_file = Path(tempfile.mkdtemp()) / "evaluate.yaml"
    config_file.write_text(config_yaml)
    adapter = Path(candidate.path) / candidate.metadata.get("adapter_subdir", "")
    pinned = {
        "candidate": str(adapter),
        "champion": champion,
        "golden_file": golden.path,
        "preference_file": preference.path if preference else None,
        "out_dir": evaluation.path,
    }
    result = run(load_config(EvaluateConfig, config_file, overrides, **pinned))
    primary = result["primary"]
    for key in ("delta", "ci_low", "ci_high", "candidate", "champion", "win", "tie", "loss"):
        metrics.log_metric(f"{primary['metric']}_{key}", primary[key])
    evaluation.metadata.update({"champion": result["champion"], "mlflow_run_id": result["mlflow_run_id"]})
    return result["mlflow_run_id"]

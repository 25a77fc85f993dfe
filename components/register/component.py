"""KFP components: `register` and `promote` as pipeline tasks (logic lives in core.run / promote.promote).

Both talk to the MLflow server named by TUNELINE_TRACKING_URI in the task's environment (the pipeline sets it).
"""

from kfp import dsl
from kfp.dsl import Artifact, Input, Model, Output

from components.common.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE)
def register_op(
    trained: Input[Model],
    eval_report: Input[Artifact],
    registration: Output[Artifact],
    config_yaml: str = "",
    overrides: list = [],  # noqa: B006 - KFP parameters are declared with literal defaults
) -> str:
    """Register `trained`/adapter as a new version with alias challenger; returns the version number."""
    from pathlib import Path

    from components.common.task import task_config
    from components.register.config import RegisterConfig
    from components.register.core import run

    report = Path(eval_report.path)
    pinned = {
        "adapter_dir": str(Path(trained.path) / "adapter"),
        "eval_report": str(report / "eval_report.json" if report.is_dir() else report),
        "out_dir": registration.path,
    }
    result = run(task_config(RegisterConfig, config_yaml, overrides, **pinned))
    registration.metadata.update({"version": result["version"], "uri": result["uri"]})
    return str(result["version"])


@dsl.component(base_image=COMPONENT_IMAGE)
def promote_op(version: str, decision: Output[Artifact], config_yaml: str = "", reason: str = "") -> str:
    """Apply the promotion gate to `version`; returns the decision status (promote, reject, ...)."""
    from components.common.task import task_config
    from components.register.config import PromoteConfig
    from components.register.promote import promote

    result = promote(task_config(PromoteConfig, config_yaml, out_dir=decision.path), version, reason=reason)
    decision.metadata.update({"status": result["status"]})
    return str(result["status"])


@dsl.component(base_image=COMPONENT_IMAGE)
def gate_op(eval_report: Input[Artifact], config_yaml: str = "") -> str:
    """The promotion policy applied to the evaluation before anything is registered: "pass" or "fail".

    "pass" includes a verdict that only waits for a person's approval or for online evidence (promote_op
    records that).
    """
    from pathlib import Path

    from components.common.task import task_config
    from components.register.config import PromoteConfig
    from components.register.promote import gate

    return gate(task_config(PromoteConfig, config_yaml), Path(eval_report.path))

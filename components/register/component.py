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
    import tempfile
    from pathlib import Path

    from components.common.config import load_config
    from components.common.step import offline_environment
    from components.register.config import RegisterConfig
    from components.register.core import run

    offline_environment()
    config_file = Path(tempfile.mkdtemp()) / "register.yaml"
    config_file.write_text(config_yaml)
    report = Path(eval_report.path)
    report_file = report / "eval_report.json" if report.is_dir() else report
    pinned = [
        f"adapter_dir={Path(trained.path) / 'adapter'}",
        f"eval_report={report_file}",
        f"out_dir={registration.path}",
    ]
    result = run(load_config(RegisterConfig, config_file, [*overrides, *pinned]))
    registration.metadata.update({"version": result["version"], "uri": result["uri"]})
    return str(result["version"])


@dsl.component(base_image=COMPONENT_IMAGE)
def promote_op(version: str, decision: Output[Artifact], config_yaml: str = "", reason: str = "") -> str:
    """Apply the promotion gate to `version`; returns the decision status (promote, reject, ...)."""
    import tempfile
    from pathlib import Path

    from components.common.config import load_config
    from components.common.step import offline_environment
    from components.register.config import PromoteConfig
    from components.register.promote import promote

    offline_environment()
    config_file = Path(tempfile.mkdtemp()) / "promote.yaml"
    config_file.write_text(config_yaml)
    cfg = load_config(PromoteConfig, config_file, [f"out_dir={decision.path}"])
    result = promote(cfg, version, reason=reason)
    decision.metadata.update({"status": result["status"]})
    return str(result["status"])


@dsl.component(base_image=COMPONENT_IMAGE)
def gate_op(eval_report: Input[Artifact], config_yaml: str = "") -> str:
    """The promotion policy applied to the evaluation before anything is registered: "pass" or "fail".

    "pass" includes a verdict that only waits for a person's approval or for online evidence (promote_op
    records that).
    """
    import json
    import tempfile
    from pathlib import Path

    from components.common.config import load_config
    from components.register.config import PromoteConfig
    from components.register.decision import decide_promotion
    from components.register.promote import comparison_from_report

    config_file = Path(tempfile.mkdtemp()) / "promote.yaml"
    config_file.write_text(config_yaml)
    policy = load_config(PromoteConfig, config_file).policy
    report = Path(eval_report.path)
    report = report / "eval_report.json" if report.is_dir() else report
    decision = decide_promotion(comparison_from_report(json.loads(report.read_text())), policy)
    print("\n".join([f"gate: {decision.status}", *decision.reasons]))
    # waiting for a person or for online evidence (which needs the version registered and served) passes
    return (
        "pass" if decision.status in ("promote", "awaiting_approval", "awaiting_online_evidence") else "fail"
    )

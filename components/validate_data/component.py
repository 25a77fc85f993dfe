"""KFP component: the `validate_data` step as a pipeline task (logic lives in core.run).

The task fails (DataValidationError) when a blocking rule fails, so nothing downstream trains on the
data; report.json, summary.txt and the Data Docs site are in the `report` artifact either way.
"""

from typing import Optional

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Metrics, Output

from components.common.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE)
def validate_data_op(
    report: Output[Artifact],
    metrics: Output[Metrics],
    sft: Optional[Input[Dataset]] = None,  # noqa: UP045  (kfp reads typing.Optional only)
    preference: Optional[Input[Dataset]] = None,  # noqa: UP045  (kfp reads typing.Optional only)
    golden: Optional[Input[Dataset]] = None,  # noqa: UP045  (kfp reads typing.Optional only)
    base_model: str = "smollm2-135m-instruct",
    pii_action: str = "fail",
    config_yaml: str = "",
    overrides: list = [],  # noqa: B006  (KFP needs a literal default; it is never mutated)
) -> bool:
    """Validate whichever datasets are given; returns True (or fails the task) and fills both artifacts.

    Settings are ValidateDataConfig's code defaults (configs/ is not in the image) plus `overrides` in the
    CLI's key=value form, e.g. ["allowed_email_domains=[quillnote.com]", "max_tokens=1024"].
    """
    import json
    import os

    from components.common.task import log_metrics, task_config
    from components.validate_data.config import ValidateDataConfig
    from components.validate_data.core import run

    pinned = {
        "sft_file": sft.path if sft else None,
        "preference_file": preference.path if preference else None,
        "golden_file": golden.path if golden else None,
        "out_dir": report.path,
        "metrics_file": report.path + "/metrics.json",
        "base_model": base_model,
        "pii_action": pii_action,
    }
    cfg = task_config(ValidateDataConfig, config_yaml, overrides, **pinned)
    try:
        result = run(cfg)
    finally:  # the metrics are worth seeing on a failed task too
        if os.path.isfile(cfg.metrics_file):
            with open(cfg.metrics_file) as handle:
                values = json.load(handle)
            log_metrics(metrics, values, values)
    report.metadata.update({"passed": result["passed"], "warnings": result["warnings"]})
    return result["passed"]

"""What every Kubeflow op body does before calling its step's `core.run`: one helper, so the ops stay thin.

    from components.common.task import task_config
    cfg = task_config(FinetuneConfig, config_yaml, overrides, train_file=sft_data.path, out_dir=trained.path)
    result = run(cfg)
    log_metrics(metrics, result, ("final_train_loss", "global_step"))

A KFP op's body runs in the component image with the project installed; the pipeline passes the text of
configs/<step>.yaml (read at compile time, the same YAML `dvc repro` uses) and key=value overrides.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from components.common.config import StepConfig, load_config
from components.common.step import offline_environment

C = TypeVar("C", bound=StepConfig)


def task_config(cls: type[C], config_yaml: str, overrides: Sequence[str] = (), **pinned: Any) -> C:
    """The step's config inside a pipeline task: the YAML text, then `overrides`, then the values the op pins
    (its artifact paths: a user override cannot move them). Switches the process to offline first."""
    offline_environment()
    config_file = None
    if config_yaml:
        config_file = Path(tempfile.mkdtemp()) / "config.yaml"
        config_file.write_text(config_yaml)
    return load_config(cls, config_file, overrides, **pinned)


def log_metrics(metrics: Any, result: dict[str, Any], keys: Iterable[str], prefix: str = "") -> None:
    """Log the numeric `keys` of a step result to a KFP Metrics artifact (missing or None ones are skipped)."""
    for key in keys:
        value = result.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            metrics.log_metric(f"{prefix}{key}", value)

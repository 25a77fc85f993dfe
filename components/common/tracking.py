"""MLflow helpers every step uses: where to track, lineage tags, one run per step execution.

    with step_run("train", cfg, base=base, data_files=[cfg.train_file]) as run:
        mlflow.log_metric("loss", 0.5)

Tracking defaults to a SQLite file plus a local artifact folder (no server needed); set
TUNELINE_TRACKING_URI=http://127.0.0.1:5000 for a server: the code path is the same.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from components.common.base_model import ResolvedBase
from components.common.config import StepConfig, config_hash, flatten
from components.common.hashing import content_hash
from components.common.settings import get_settings

MAX_PARAM_CHARS = 6000  # MLflow's limit on one param value


def configure_tracking() -> str:
    """Point MLflow at the configured store and return its URI."""
    import mlflow

    uri = get_settings().tracking_uri
    mlflow.set_tracking_uri(uri)
    return uri


def ensure_experiment(name: str | None = None) -> str:
    """Get or create the experiment; a new one stores artifacts under TUNELINE_ARTIFACT_ROOT."""
    import mlflow

    settings = get_settings()
    name = name or settings.experiment
    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    root = settings.artifact_root
    if "artifact_root" not in settings.model_fields_set and settings.tracking_uri.startswith("http"):
        return mlflow.create_experiment(name)  # a server's own root (proxied mlflow-artifacts:/ by default)
    location = root if "://" in root else Path(root).resolve().as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


def unreachable_tracking_message(exc: BaseException) -> str | None:
    """One line naming the tracking server when `exc` comes from a failed connection to it, else None."""
    import requests

    uri = get_settings().tracking_uri
    cause: BaseException | None = exc if uri.startswith("http") else None
    for _ in range(20):  # walk the chain MLflow's client builds around a refused connection
        if cause is None:
            return None
        if isinstance(cause, ConnectionError | requests.exceptions.ConnectionError):
            reason = type(cause).__name__
            return f"the MLflow tracking server {uri} cannot be reached ({reason}); retry when it is up"
        cause = cause.__cause__ or cause.__context__
    return None


@functools.cache
def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def git_commit() -> str:
    """HEAD commit, with `-dirty` when tracked files differ from it; empty outside a git checkout."""
    commit = _git("rev-parse", "HEAD")
    if commit and _git("status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    return commit


def dvc_data_hash(dvc_file: str | Path = "data.dvc") -> str:
    """The md5 DVC records for the tracked data folder (empty when there is no such .dvc file)."""
    path = Path(dvc_file)
    if not path.is_file():
        return ""
    outs = (yaml.safe_load(path.read_text()) or {}).get("outs") or [{}]
    return str(outs[0].get("md5", ""))


def lineage_tags(
    step: str,
    cfg: StepConfig | None = None,
    base: ResolvedBase | None = None,
    data_files: Iterable[str | Path] = (),
) -> dict[str, str]:
    """Tags that say where a run or version came from: code, data, config, base model, pipeline run."""
    tags = {
        "tuneline.step": step,
        "git.commit": git_commit(),
        "dvc.data_hash": dvc_data_hash(),
        "pipeline.run_id": get_settings().pipeline_run_id,
    }
    if cfg is not None:
        tags["config.hash"] = config_hash(cfg)
    if base is not None:
        tags.update(base.lineage())
    files = [Path(f) for f in data_files]
    if files:
        tags["data.inputs_hash"] = content_hash_many(files)
    return {key: value for key, value in tags.items() if value}


def content_hash_many(paths: Iterable[Path]) -> str:
    """One hash over several input files or folders, in the order given."""
    import hashlib

    digest = hashlib.sha256()
    for path in paths:
        digest.update(f"{path.name}\0{content_hash(path)}\n".encode())
    return digest.hexdigest()


def log_config_params(cfg: StepConfig) -> None:
    """Log the flattened config as params (long values are truncated to MLflow's limit)."""
    import mlflow

    params = {key: str(value)[:MAX_PARAM_CHARS] for key, value in flatten(cfg).items()}
    for start in range(0, len(params), 100):  # MLflow accepts at most 100 params per batch
        mlflow.log_params(dict(list(params.items())[start : start + 100]))


@contextlib.contextmanager
def step_run(
    step: str,
    cfg: StepConfig,
    base: ResolvedBase | None = None,
    data_files: Iterable[str | Path] = (),
    run_name: str | None = None,
    extra_tags: dict[str, str] | None = None,
) -> Iterator[Any]:
    """Start an MLflow run for one step execution with params and lineage tags; yields the run."""
    import mlflow

    configure_tracking()
    experiment_id = ensure_experiment()
    tags = {**lineage_tags(step, cfg, base, data_files), **(extra_tags or {})}
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name or step, tags=tags) as run:
        log_config_params(cfg)
        yield run

"""MLflow helpers every step uses: where to track, lineage tags, one run per step execution.

    with step_run("train", cfg, base=base, data_files=[cfg.train_file]) as run:
        mlflow.log_metric("loss", 0.5)

Tracking defaults to a SQLite file plus a local artifact folder (no server needed); set
TUNELINE_TRACKING_URI=http://127.0.0.1:5000 for a server: the code path is the same. A server with MLflow's
basic-auth app takes MLflow's own MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (or a token) from the
environment; a login the server refuses stops the step with one line (TrackingAuthError), before any write.
"""

from __future__ import annotations

import contextlib
import functools
import re
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
CREDENTIALS = "MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD"
_ACCEPTED_LOGINS: set[tuple[str, str | None, str | None, str | None]] = set()


class TrackingAuthError(RuntimeError):
    """The tracking server refused this process's login (HTTP 401); the message is one line naming it."""


def configure_tracking() -> str:
    """Point MLflow at the configured store and return its URI (a server's login is checked once first)."""
    import mlflow

    uri = get_settings().tracking_uri
    mlflow.set_tracking_uri(uri)
    if uri.startswith(("http://", "https://")):
        check_login(uri)
    return uri


def check_login(uri: str) -> None:
    """Raise TrackingAuthError when the server at `uri` refuses the credentials in the environment.

    One cheap read per process and login: a wrong password then fails here, naming the user, instead of
    surfacing later as "no such alias" from code that reads a refused request as a missing object. An
    unreachable or failing server is left to the real request that follows (its own error and retries).
    """
    import requests
    from mlflow.exceptions import MlflowException
    from mlflow.utils.credentials import get_default_host_creds
    from mlflow.utils.rest_utils import http_request

    creds = get_default_host_creds(uri)
    login = (uri, creds.username, creds.password, creds.token)
    if login in _ACCEPTED_LOGINS:
        return
    try:
        endpoint = "/api/2.0/mlflow/experiments/search"
        response = http_request(creds, endpoint, "GET", max_retries=0, timeout=10, params={"max_results": 1})
    except (requests.exceptions.RequestException, MlflowException):  # MLflow wraps a refused connection
        return
    if response.status_code == 401:
        raise TrackingAuthError(refused_login_message(uri))
    _ACCEPTED_LOGINS.add(login)


def refused_login_message(uri: str) -> str:
    """One line for HTTP 401 from the tracking server, naming the user the environment logs in as."""
    from mlflow.utils.credentials import get_default_host_creds

    creds = get_default_host_creds(uri)
    where = f"the tracking server at {uri}"
    if creds.username:
        return f"{where} refused the credentials of user '{creds.username}' (HTTP 401): check {CREDENTIALS}"
    if creds.token:
        return (
            f"{where} refused the token in MLFLOW_TRACKING_TOKEN (HTTP 401): check it, or set {CREDENTIALS}"
        )
    return f"{where} requires a login (HTTP 401): set {CREDENTIALS}"


def denied_message(uri: str, detail: str) -> str:
    """One line for HTTP 403: the login is valid but lacks the permission this request needs."""
    from mlflow.utils.credentials import read_mlflow_creds

    username = read_mlflow_creds().username
    endpoint = re.search(r"endpoint (\S+) failed", detail)
    what = f"this request ({endpoint[1]})" if endpoint else "this request"
    who = f"user '{username}'" if username else "an anonymous client"
    return (
        f"the tracking server at {uri} denied {who} {what} (HTTP 403): ask its admin for EDIT (log, register, "
        "move aliases) or MANAGE (delete) on the experiment or registered model"
    )


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


def tracking_error_message(exc: BaseException) -> str | None:
    """One line naming the tracking server when `exc` comes from talking to it, else None: it cannot be
    reached, it refused the login (401) or it denied the user the request (403)."""
    import requests

    uri = get_settings().tracking_uri
    cause: BaseException | None = exc if uri.startswith("http") else None
    for _ in range(20):  # walk the chain MLflow's client (and tuneline's own errors) build around the cause
        if cause is None:
            return None
        if isinstance(cause, TrackingAuthError):
            return str(cause)
        if isinstance(cause, ConnectionError | requests.exceptions.ConnectionError):
            reason = type(cause).__name__
            return f"the MLflow tracking server {uri} cannot be reached ({reason}); retry when it is up"
        status = _refusal_status(cause, uri)
        if status == 401:
            return refused_login_message(uri)
        if status == 403:
            return denied_message(uri, str(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _refusal_status(exc: BaseException, uri: str) -> int | None:
    """401 or 403 when `exc` is the tracking server refusing a request, else None."""
    import requests
    from mlflow.exceptions import MlflowException

    if isinstance(exc, MlflowException):  # MLflow's REST client talks to the tracking server only
        status = exc.get_http_status_code()
    elif isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        # the artifact proxy's errors; an artifact store elsewhere (S3, GCS) is not the tracking server
        status = exc.response.status_code if exc.response.url.startswith(uri.rstrip("/")) else None
    else:
        status = None
    return status if status in (401, 403) else None


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

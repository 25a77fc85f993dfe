"""Write side of the registry: the base registered once per content hash, adapter-only versions, aliases.

Alias moves are compare-and-set: the caller names the version it expects to replace; a short lease on the
registered model (a tag holding a random token, read back after a settle delay) keeps two promotions from
interleaving, and the loser gets `AliasRaceError`. Every move is recorded on the version (who, when, why,
previous) and as one run in the `<model>-audit` experiment: the append-only audit log, in the same store.
"""

from __future__ import annotations

import getpass
import json
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components.common.base_model import ResolvedBase
from components.common.registry_io import VersionRef

BASE_TAG = "base_model.sha256"
LOCK_TAG = "tuneline.alias_lock"
LEASE_SECONDS = 60.0
SETTLE_SECONDS = 0.3
FLAVOR_FILE = Path(__file__).with_name("flavor.py")


class AliasRaceError(RuntimeError):
    """Another promotion moved (or is moving) the alias first; nothing was changed by this one."""


def actor() -> str:
    """Who is acting: TUNELINE_ACTOR (CI sets it) or the OS user."""
    return os.environ.get("TUNELINE_ACTOR") or getpass.getuser()


def client():
    from mlflow import MlflowClient

    from components.common.tracking import configure_tracking

    configure_tracking()
    return MlflowClient()


def pinned_requirements() -> list[str]:
    """Exact versions of what loading a version needs (recorded in the logged model)."""
    from importlib.metadata import version

    names = [
        "torch",
        "transformers",
        "peft",
        "safetensors",
        "tokenizers",
        "mlflow",
        "pydantic",
        "pydantic-settings",
    ]
    return [f"{n}=={version(n).split('+')[0]}" for n in names]


def ensure_registered_model(name: str, description: str) -> None:
    from mlflow.exceptions import MlflowException

    c = client()
    try:
        c.get_registered_model(name)
    except MlflowException:
        c.create_registered_model(name, description=description)


def find_base_version(base_model_name: str, sha256: str) -> VersionRef | None:
    from mlflow.exceptions import MlflowException

    try:
        versions = client().search_model_versions(f"name = '{base_model_name}'")
    except MlflowException:
        return None
    for mv in versions:
        if mv.tags.get(BASE_TAG) == sha256 and mv.status == "READY":
            return VersionRef(base_model_name, str(mv.version))
    return None


def ensure_base_version(base: ResolvedBase, base_model_name: str, source: Path) -> VersionRef:
    """The registered version of this base (by content hash), logging its source once if it is new."""
    import mlflow

    found = find_base_version(base_model_name, base.sha256)
    if found:
        return found
    ensure_registered_model(
        base_model_name, "Base models fine-tuned versions point at; one version per content hash."
    )
    tags = {**base.lineage(), "tuneline.kind": "base"}
    from components.common.tracking import ensure_experiment

    # name the experiment: a nested run without one lands in MLflow's Default experiment (artifacts in ./mlruns)
    with mlflow.start_run(
        experiment_id=ensure_experiment(), run_name=f"base-{base.sha256[:12]}", nested=True, tags=tags
    ):
        info = mlflow.pyfunc.log_model(
            name="base",
            python_model=str(FLAVOR_FILE),
            artifacts={"base": str(source)},
            pip_requirements=pinned_requirements(),
        )
        mv = mlflow.register_model(info.model_uri, base_model_name, tags=tags)
    return VersionRef(base_model_name, str(mv.version))


@dataclass(frozen=True)
class AliasMove:
    name: str
    alias: str
    version: str
    previous: str | None
    action: str  # promote | approve | force | rollback | challenger
    reason: str
    actor: str
    at: str


@contextmanager
def alias_lease(name: str):
    """Hold a short lease on the registered model so alias moves do not interleave."""
    c = client()
    token = f"{uuid.uuid4().hex}:{time.time():.3f}"
    current = c.get_registered_model(name).tags.get(LOCK_TAG)
    if current and time.time() - float(current.split(":")[1]) < LEASE_SECONDS:
        raise AliasRaceError(
            f"another alias change on {name} is in progress (lease {current.split(':')[0][:8]})"
        )
    try:
        c.set_registered_model_tag(name, LOCK_TAG, token)
    except Exception as exc:  # e.g. SQLite's UNIQUE constraint when another writer inserted the tag first
        holder = c.get_registered_model(name).tags.get(LOCK_TAG)
        if holder and holder != token:
            raise AliasRaceError(
                f"another alias change on {name} took the lease at the same time; retry"
            ) from exc
        raise
    time.sleep(SETTLE_SECONDS)
    if c.get_registered_model(name).tags.get(LOCK_TAG) != token:
        raise AliasRaceError(f"another alias change on {name} started at the same time; retry")
    try:
        yield
    finally:
        if c.get_registered_model(name).tags.get(LOCK_TAG) == token:
            c.delete_registered_model_tag(name, LOCK_TAG)


def alias_version(name: str, alias: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def move_alias(
    name: str,
    alias: str,
    version: str,
    expected: str | None,
    action: str,
    reason: str,
    extra: dict[str, Any] | None = None,
) -> AliasMove:
    """Compare-and-set `alias` from `expected` to `version`, then record the move on the version and in the audit."""
    with alias_lease(name):
        current = alias_version(name, alias)
        if current != expected:
            raise AliasRaceError(
                f"{name}@{alias} is version {current}, not the expected {expected}: someone moved it first; nothing changed"
            )
        move = AliasMove(
            name, alias, str(version), current, action, reason, actor(), datetime.now(UTC).isoformat()
        )
        c = client()
        c.set_registered_model_alias(name, alias, str(version))
        prefix = f"{alias}."
        for key, value in {
            "moved_at": move.at,
            "moved_by": move.actor,
            "action": action,
            "reason": reason,
            "previous": current or "",
        }.items():
            c.set_model_version_tag(name, str(version), prefix + key, value)
    record_audit(move, extra or {})
    return move


def record_audit(move: AliasMove, extra: dict[str, Any]) -> None:
    """One run per alias move in the `<model>-audit` experiment (append-only history in the same store)."""
    import mlflow

    from components.common.tracking import ensure_experiment

    experiment_id = ensure_experiment(f"{move.name}-audit")
    tags = {f"audit.{k}": str(v) for k, v in move.__dict__.items() if v is not None}
    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name=f"{move.action} {move.alias}->v{move.version}",
        tags=tags,
        nested=True,
    ):
        mlflow.log_dict({**move.__dict__, **extra}, "audit.json")


def audit_history(name: str) -> list[dict[str, Any]]:
    """Alias moves of `name`, oldest first."""
    import mlflow

    experiment = mlflow.get_experiment_by_name(f"{name}-audit") if client() else None
    if experiment is None:
        return []
    runs = mlflow.search_runs(
        [experiment.experiment_id], order_by=["attributes.start_time ASC"], output_format="list"
    )
    return [
        {k.removeprefix("audit."): v for k, v in r.data.tags.items() if k.startswith("audit.")} for r in runs
    ]


def version_size_bytes(path: Path) -> int:
    """Bytes of a file, or of all files under a folder."""
    path = Path(path)
    return (
        path.stat().st_size
        if path.is_file()
        else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    )


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")

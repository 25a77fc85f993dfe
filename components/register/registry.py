"""Write side of the registry: the base registered once per content hash, adapter-only versions, aliases.

Alias moves are compare-and-set under a real lock (`alias_lock.py`): the caller names the version it expects
to replace, the lock is held across reading the alias, deciding and writing, and a writer that finds the alias
moved gets `AliasRaceError` naming the version it now points at. Every move is recorded on the version (who,
when, why, previous, lock fence) and as one run in the `<model>-audit` experiment, the append-only audit log in
the same store, before the lock is released.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import signal
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components.common.base_model import ResolvedBase
from components.common.registry_io import (
    MANIFEST_TAG,
    MISSING_CODES,
    REGISTERING_TAG,
    STATE_TAG,
    VersionRef,
    file_manifest,
    process_start,
    registering_process,
)
from components.register.alias_lock import AliasLockError, HeldLock, alias_lock

__all__ = ["AliasLockError", "AliasRaceError", "alias_lock", "move_alias", "registering_process"]
log = logging.getLogger(__name__)
BASE_TAG = "base_model.sha256"
FLAVOR_FILE = Path(__file__).with_name("flavor.py")


class AliasRaceError(RuntimeError):
    """Another promotion moved the alias first; nothing was changed by this one. `current` is where it points."""

    def __init__(self, message: str, current: str | None = None):
        super().__init__(message)
        self.current = current


def fault_point(point: str) -> None:
    """Fault drills only (tests/integration/test_fault_drills.py): TUNELINE_FAULT_POINT=<point> SIGKILLs this
    process here; <point>:stop SIGSTOPs it until the drill sends SIGCONT. Unset, it does nothing."""
    wanted, _, action = os.environ.get("TUNELINE_FAULT_POINT", "").partition(":")
    if wanted == point:
        log.warning("fault drill: %s reached, sending %s to myself", point, action or "kill")
        os.kill(os.getpid(), signal.SIGSTOP if action == "stop" else signal.SIGKILL)


def actor() -> str:
    """Who is acting: TUNELINE_ACTOR (CI sets it), else the tracking server login, else the OS user."""
    return os.environ.get("TUNELINE_ACTOR") or os.environ.get("MLFLOW_TRACKING_USERNAME") or getpass.getuser()


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
        if mv.tags.get(BASE_TAG) == sha256 and mv.status == "READY" and MANIFEST_TAG in mv.tags:
            return VersionRef(base_model_name, str(mv.version))
    return None


def ensure_base_version(
    base: ResolvedBase, base_model_name: str, source: Path, input_example: Any = None
) -> VersionRef:
    """The registered version of this base (by content hash), logging its source once if it is new."""
    import mlflow

    found = find_base_version(base_model_name, base.sha256)
    if found:
        return found
    ensure_registered_model(
        base_model_name, "Base models fine-tuned versions point at; one version per content hash."
    )
    tags = {**base.lineage(), "tuneline.kind": "base"}
    manifest = {MANIFEST_TAG: json.dumps({"base": file_manifest(source)}, sort_keys=True)}
    from components.common.tracking import ensure_experiment

    # name the experiment: a nested run without one lands in MLflow's Default experiment (artifacts in ./mlruns)
    with mlflow.start_run(
        experiment_id=ensure_experiment(), run_name=f"base-{base.sha256[:12]}", nested=True, tags=tags
    ):
        info = mlflow.pyfunc.log_model(
            name="base",
            python_model=str(FLAVOR_FILE),
            artifacts={"base": str(source)},
            input_example=input_example,  # the signature (components/common/pyfunc_signature.py)
            pip_requirements=pinned_requirements(),
        )
        mv = mlflow.register_model(info.model_uri, base_model_name, tags=tags | manifest)
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
    fence: int = 0  # the alias lock's fence when it moved: strictly increasing along the audit log


def _registration_alive(registering: str) -> bool | None:
    """True/False for a registration started on this host; None when it cannot tell (another host)."""
    host, _, rest = registering.partition(":")
    pid, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return process_start(int(pid)) == start and bool(start)


def collect_incomplete(name: str, older_than_s: float) -> list[str]:
    """Delete versions of `name` whose registration never finished: its process on this host is gone, or it
    started more than `older_than_s` ago. Returns the deleted version numbers (`tuneline registry gc`)."""
    from mlflow.exceptions import MlflowException

    c = client()
    try:
        versions = c.search_model_versions(f"name = '{name}'")
    except MlflowException:
        return []
    now_ms = datetime.now(UTC).timestamp() * 1000
    deleted = []
    for mv in versions:
        if mv.tags.get(STATE_TAG) != "incomplete":
            continue
        alive = _registration_alive(mv.tags.get(REGISTERING_TAG, ""))
        too_old = now_ms - mv.creation_timestamp > older_than_s * 1000
        if alive is False or (alive is None and too_old):
            log.warning("deleting %s v%s: its registration never finished", name, mv.version)
            c.delete_model_version(name, mv.version)
            deleted.append(str(mv.version))
    return sorted(deleted, key=int)


def verify_versions(name: str, version: str | None = None) -> list[str]:
    """Download `version` (default: every complete version) afresh from the artifact store and check each
    artifact against the sha256s the registry recorded; raises ArtifactIntegrityError naming the first file
    that differs. (Loading checks the same, but may use an already verified local copy.)"""
    import tempfile

    from components.common.registry_io import download_checked

    c = client()
    versions = (
        [c.get_model_version(name, version)] if version else c.search_model_versions(f"name = '{name}'")
    )
    checked = []
    for mv in sorted(versions, key=lambda v: int(v.version)):
        if mv.tags.get(STATE_TAG) == "incomplete" and not version:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            download_checked(VersionRef(name, str(mv.version), tags=dict(mv.tags)), Path(tmp))
        checked.append(str(mv.version))
    return checked


def alias_version(name: str, alias: str) -> str | None:
    """The version `name@alias` points at; None when the model or alias does not exist. A refused or failing
    request raises: reading "no champion" from a 403 or an outage would let a promotion skip its comparison."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client().get_model_version_by_alias(name, alias).version)
    except MlflowException as exc:
        if exc.error_code in MISSING_CODES:
            return None
        raise


def move_alias(
    name: str,
    alias: str,
    version: str,
    expected: str | None,
    action: str,
    reason: str,
    extra: dict[str, Any] | None = None,
    lock: HeldLock | None = None,
) -> AliasMove:
    """Compare-and-set `alias` from `expected` to `version` under the alias lock (taken here unless the caller
    holds it already), then record the move on the version and in the audit before the lock is released."""
    if lock is None:
        with alias_lock(name) as held:
            return move_alias(name, alias, version, expected, action, reason, extra, held)
    current = alias_version(name, alias)
    if current != expected:
        raise AliasRaceError(
            f"{name}@{alias} is version {current}, not the expected {expected}: someone moved it first; "
            "nothing changed",
            current,
        )
    move = AliasMove(
        name, alias, str(version), current, action, reason, actor(), datetime.now(UTC).isoformat(), lock.fence
    )
    fault_point("alias_write")
    lock.check()
    c = client()
    c.set_registered_model_alias(name, alias, str(version))
    prefix = f"{alias}."
    for key, value in {
        "moved_at": move.at,
        "moved_by": move.actor,
        "action": action,
        "reason": reason,
        "previous": current or "",
        "fence": str(lock.fence),
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

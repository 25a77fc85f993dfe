"""Read side of the model registry: resolve `models:/name@alias` URIs and fetch a version's adapter folder.

The write side (registering, aliases, audit) is the `register` step. Everything that loads a registered
version (evaluation's champion, serving) goes through `download_version`, which keeps one local copy per
(registry, name, version) so reloading an unchanged version costs no download.

Every load is verified: registration records the sha256 of every file of each artifact in the registry itself
(the version tag `tuneline.artifacts.sha256`), not only beside the weights, where whoever can rewrite the
artifact store could rewrite a checksum file too. A missing, extra or changed file, or a version whose
registration never finished (`tuneline.state=incomplete`), is refused with an error naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from components.common.base_model import ResolvedBase
from components.common.hashing import file_sha256
from components.common.settings import get_settings
from components.common.tracking import configure_tracking

ADAPTER_ARTIFACT = "adapter"  # pyfunc artifact key of the adapter folder in a registered version
MANIFEST_TAG = "tuneline.artifacts.sha256"  # {artifact: {relative file: sha256}} recorded at registration
STATE_TAG = "tuneline.state"  # incomplete while registering; complete once its round trip and alias are done
REGISTERING_TAG = "tuneline.registering"  # host:pid:start of the process registering an incomplete version
_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/]+)|/(?P<version>\d+))$")


class RegistryError(RuntimeError):
    """The registry cannot answer as asked (unknown model, alias or version; store unreachable)."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing  # True: the store answered "no such model/alias/version"


class ArtifactIntegrityError(RegistryError):
    """A version's files in the artifact store differ from the sha256s the registry recorded for them."""


# What MLflow stores answer for a model, alias or version that does not exist (other errors are outages).
MISSING_CODES = {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"}


@dataclass(frozen=True)
class VersionRef:
    name: str
    version: str
    alias: str | None = None
    tags: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # as read when resolved

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


def parse_model_uri(uri: str) -> tuple[str, str | None, str | None]:
    """`models:/name@alias` -> (name, alias, None); `models:/name/3` -> (name, None, "3")."""
    match = _URI.match(uri)
    if not match:
        raise RegistryError(
            f"{uri!r} is not a registry URI (models:/<name>@<alias> or models:/<name>/<version>)"
        )
    return match["name"], match["alias"], match["version"]


def resolve_version(uri: str) -> VersionRef:
    """Pin an alias URI to the concrete version it points at right now."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    name, alias, version = parse_model_uri(uri)
    configure_tracking()
    client = MlflowClient()
    try:
        mv = (
            client.get_model_version_by_alias(name, alias)
            if alias
            else client.get_model_version(name, version)
        )
    except MlflowException as exc:
        raise RegistryError(f"cannot resolve {uri}: {exc.message}", exc.error_code in MISSING_CODES) from exc
    return VersionRef(name, str(mv.version), alias, dict(mv.tags))


def alias_uri(name: str, alias: str) -> str | None:
    """`models:/name/<version>` the alias points at, None when it does not exist (e.g. no champion yet).

    An unreachable or failing store raises RegistryError: comparing against the base by accident is worse
    than stopping.
    """
    try:
        ref = resolve_version(f"models:/{name}@{alias}")
    except RegistryError as exc:
        if exc.missing:
            return None
        raise
    return ref.uri


def download_version(uri: str) -> Path:
    """Local adapter folder of a registered version (downloaded once per registry/name/version)."""
    return download_artifact_folder(uri, ADAPTER_ARTIFACT)


def file_manifest(path: str | Path) -> dict[str, str]:
    """sha256 of a file ({name: sha}) or of every file under a folder ({relative path: sha})."""
    path = Path(path)
    if path.is_file():
        return {path.name: file_sha256(path)}
    return {f.relative_to(path).as_posix(): file_sha256(f) for f in sorted(path.rglob("*")) if f.is_file()}


def registering_process() -> str:
    """host:pid:start of this process: tagged on a version while it registers (see `verify_artifact`)."""
    return f"{socket.gethostname()}:{os.getpid()}:{process_start(os.getpid())}"


def process_start(pid: int) -> str:
    """A process's start time in clock ticks since boot (Linux), telling a reused pid from the original."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def verify_artifact(uri: str, tags: dict[str, str], artifact: str, local: Path) -> None:
    """Refuse a local copy of `artifact` whose files differ from the sha256s the registry recorded, and a
    version still registering (except in the process registering it, for its round trip)."""
    if tags.get(STATE_TAG) == "incomplete" and tags.get(REGISTERING_TAG) != registering_process():
        raise RegistryError(
            f"{uri}: its registration never finished (tuneline.state=incomplete); not loading it"
        )
    if MANIFEST_TAG not in tags:
        raise ArtifactIntegrityError(
            f"{uri} records no sha256 of its files (tag {MANIFEST_TAG}): registered before tuneline verified "
            "artifacts; register it again"
        )
    expected = json.loads(tags[MANIFEST_TAG]).get(artifact)
    if expected is None:
        raise ArtifactIntegrityError(f"{uri}: the registry records no sha256 for its artifact {artifact!r}")
    actual = file_manifest(local)
    for rel, sha in sorted(expected.items()):
        if rel not in actual:
            raise ArtifactIntegrityError(f"{uri}: {artifact}/{rel} is missing from the artifact store")
        if actual[rel] != sha:
            raise ArtifactIntegrityError(
                f"{uri}: {artifact}/{rel} has sha256 {actual[rel][:16]}..., the registry recorded {sha[:16]}...: "
                "the artifact store copy was changed; refusing to load it"
            )
    if extra := sorted(set(actual) - set(expected)):
        raise ArtifactIntegrityError(
            f"{uri}: {artifact}/{extra[0]} is in the artifact store but not recorded"
        )


def download_checked(ref: VersionRef, dst: Path) -> Path:
    """Download the model folder of `ref` into `dst` and check every artifact the registry recorded for it."""
    import mlflow

    mlflow.artifacts.download_artifacts(artifact_uri=ref.uri, dst_path=str(dst))
    for artifact in json.loads(ref.tags.get(MANIFEST_TAG, "{}")) or [ADAPTER_ARTIFACT]:
        verify_artifact(ref.uri, ref.tags, artifact, dst / pyfunc_artifact_path(dst, artifact, ref.uri))
    return dst


def download_artifact_folder(uri: str | VersionRef, artifact: str) -> Path:
    """Local copy of the pyfunc artifact named `artifact` in a registered version, fetched once and reused;
    verified against the registry's sha256s on every call (a changed cache copy is fetched again)."""
    import mlflow

    ref = uri if isinstance(uri, VersionRef) else resolve_version(uri)
    registry = hashlib.sha256(mlflow.get_tracking_uri().encode()).hexdigest()[:12]
    target = get_settings().cache / "registry" / registry / ref.name / ref.version
    if (target / "MLmodel").is_file():
        local = target / pyfunc_artifact_path(target, artifact, ref.uri)
        try:
            verify_artifact(ref.uri, ref.tags, artifact, local)
            return local
        except ArtifactIntegrityError:
            shutil.rmtree(target)  # a changed or stale local copy: fetch it again and check that
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{ref.version}-", dir=target.parent))
    try:
        download_checked(ref, tmp)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target / pyfunc_artifact_path(target, artifact, ref.uri)


def pyfunc_artifact_path(model_dir: Path, artifact: str, uri: str) -> str:
    """Where MLmodel says the pyfunc artifact `artifact` lives inside the model folder."""
    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text()) or {}
    artifacts = (mlmodel.get("flavors", {}).get("python_function", {}) or {}).get("artifacts") or {}
    if artifact not in artifacts:
        raise RegistryError(f"{uri} has no pyfunc artifact {artifact!r}: not a tuneline model version")
    return artifacts[artifact]["path"]


def fetch_version(uri: str | VersionRef) -> tuple[Path, dict]:
    """A registered adapter version's verified local adapter folder and its base reference {spec, sha256, uri},
    both of the one version the URI points at now (an alias is resolved once; a VersionRef is not resolved
    again)."""
    ref = uri if isinstance(uri, VersionRef) else resolve_version(uri)
    return download_artifact_folder(ref, ADAPTER_ARTIFACT), base_ref_of(ref)


def base_ref_of(ref: VersionRef) -> dict:
    """A resolved version's base reference {spec, sha256, uri} (downloaded once, verified on every call)."""
    return json.loads(download_artifact_folder(ref, "base_ref").read_text())


def base_from_ref(ref: dict) -> ResolvedBase:
    """The base a version was trained on: a local source whose content hash matches, else the registered base
    version (downloaded, verified); never a base with another hash."""
    from components.common.base_model import BaseModelError, resolve_base_model

    try:
        local = resolve_base_model(ref["spec"])
        if local.sha256 == ref["sha256"]:
            return local
    except BaseModelError:
        pass  # not on this machine: fetch the registered base below
    if not ref.get("uri"):
        raise RegistryError(f"base {ref['spec']!r} (sha256 {ref['sha256'][:16]}...) is not available locally")
    base = resolve_base_model(str(download_artifact_folder(ref["uri"], "base")))  # a .gguf file or a folder
    if base.sha256 != ref["sha256"]:
        raise RegistryError(
            f"registered base {ref['uri']} has sha256 {base.sha256[:16]}..., expected {ref['sha256'][:16]}..."
        )
    return base

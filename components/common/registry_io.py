"""Read side of the model registry: resolve `models:/name@alias` URIs and fetch a version's adapter folder.

The write side (registering, aliases, audit) is the `register` step. Everything that loads a registered
version (evaluation's champion, serving) goes through `download_version`, which keeps one local copy per
(registry, name, version) so reloading an unchanged version costs no download.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from components.common.settings import get_settings
from components.common.tracking import configure_tracking

ADAPTER_ARTIFACT = "adapter"  # pyfunc artifact key of the adapter folder in a registered version
_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/]+)|/(?P<version>\d+))$")


class RegistryError(RuntimeError):
    """The registry cannot answer as asked (unknown model, alias or version; store unreachable)."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing  # True: the store answered "no such model/alias/version"


# What MLflow stores answer for a model, alias or version that does not exist (other errors are outages).
_MISSING_CODES = {"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"}


@dataclass(frozen=True)
class VersionRef:
    name: str
    version: str
    alias: str | None = None

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
        if alias:
            return VersionRef(name, str(client.get_model_version_by_alias(name, alias).version), alias)
        client.get_model_version(name, version)
    except MlflowException as exc:
        raise RegistryError(f"cannot resolve {uri}: {exc.message}", exc.error_code in _MISSING_CODES) from exc
    return VersionRef(name, str(version))


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


def download_artifact_folder(uri: str, artifact: str) -> Path:
    """Local copy of the pyfunc artifact named `artifact` in a registered version, fetched once and reused."""
    import mlflow

    ref = resolve_version(uri)
    registry = hashlib.sha256(mlflow.get_tracking_uri().encode()).hexdigest()[:12]
    target = get_settings().cache / "registry" / registry / ref.name / ref.version
    if not (target / "MLmodel").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{ref.version}-", dir=target.parent))
        try:
            mlflow.artifacts.download_artifacts(artifact_uri=ref.uri, dst_path=str(tmp))
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

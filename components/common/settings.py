"""Cross-cutting settings from `TUNELINE_*` environment variables, shared by components and serving.

TUNELINE_CACHE=/data/cache TUNELINE_TRACKING_URI=http://127.0.0.1:5000 tuneline ...
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TunelineSettings(BaseSettings):
    """Settings every step and the server read; each is overridable with TUNELINE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="TUNELINE_", extra="ignore", protected_namespaces=())

    cache: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("tuneline")),
        description="Folder for converted base models and other derived, re-creatable files.",
    )
    tracking_uri: str = Field(
        default="sqlite:///mlflow.db",
        description="MLflow tracking URI: a SQLite file in the working folder by default, http(s)://host for a server.",
    )
    artifact_root: str = Field(
        default="mlartifacts",
        description="Artifact folder (or URI) for experiments tuneline creates; unset with an http(s) tracking "
        "server, the server's own root is used (its artifact proxy by default).",
    )
    experiment: str = Field(default="tuneline", description="MLflow experiment that step runs are logged to.")
    pipeline_run_id: str = Field(
        default="",
        description="Id of the pipeline run (DVC/KFP/CI) that started this step; tagged on every run and version.",
    )
    registered_model_name: str = Field(
        default="tuneline-assistant", description="MLflow registered model that holds fine-tuned versions."
    )


def get_settings() -> TunelineSettings:
    """Settings as the environment says now (cheap; read on each call so tests can change them)."""
    return TunelineSettings()

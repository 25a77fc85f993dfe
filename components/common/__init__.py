"""Pieces shared by every step: base-model resolution, config loading, hashing, settings."""

from components.common.base_model import BaseModelError, ResolvedBase, resolve_base_model
from components.common.config import ConfigError, StepConfig, config_hash, load_config
from components.common.hashing import content_hash, file_sha256
from components.common.settings import TunelineSettings, get_settings

__all__ = [
    "BaseModelError",
    "ConfigError",
    "ResolvedBase",
    "StepConfig",
    "TunelineSettings",
    "config_hash",
    "content_hash",
    "file_sha256",
    "get_settings",
    "load_config",
    "resolve_base_model",
]

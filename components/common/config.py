"""Typed step configuration: YAML defaults, `key=value` overrides, unknown keys rejected.

Every step declares a pydantic model (`StepConfig` subclass) whose fields carry a description.
`load_config(MyConfig, "configs/train.yaml", ["lora.r=16", "max_steps=20"])` reads the YAML, applies the
overrides (dotted keys reach nested models), and validates types; any mistake raises `ConfigError`
naming the file and the key. An override's text is converted by the type of the field it sets (TRL's own
annotation for keys of a `TrlFields` section such as `trainer.`): `name=no` stays the string "no", `packing=no`
is False, `null` is None only where the field is Optional, and `[a, b]` / `{k: v}` are read as YAML element by
element by type; only fields typed `Any` (or unknown keys) take the whole value as YAML.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from components.common.override_types import (
    OverrideValueError,
    TrlFields,
    field_type,
    typed_value,
    yaml_value,
)

__all__ = ["ConfigError", "StepConfig", "TrlFields", "load_config", "parse_overrides"]

C = TypeVar("C", bound="StepConfig")


class ConfigError(ValueError):
    """A configuration file or override is wrong; the message names the source and the key."""


class StepConfig(BaseModel):
    """Base for step configs: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, protected_namespaces=())


def parse_overrides(overrides: Iterable[str], model: type[BaseModel] | None = None) -> dict[str, Any]:
    """Turn `["a.b=1", "name=x"]` into a nested dict. With `model`, each value is converted by the type of the
    field its dotted key reaches (`name=no` stays the string "no" for a str field); without, values are YAML."""
    nested: dict[str, Any] = {}
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"override {item!r} is not of the form key=value")
        parts = key.split(".")
        try:
            value = typed_value(item, raw, field_type(model, parts)) if model else yaml_value(item, raw)
        except OverrideValueError as exc:
            raise ConfigError(str(exc)) from None
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {item!r}: {part!r} is set to a value and also used as a section")
        node[parts[-1]] = value
    return nested


def deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Recursive merge where `extra` wins; nested mappings merge key by key."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping; a missing file or a non-mapping top level is a ConfigError."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping of keys to values, got {type(data).__name__}")
    return data


def load_config(
    cls: type[C],
    path: str | Path | None = None,
    overrides: Iterable[str] = (),
    **values: Any,
) -> C:
    """Build `cls` from YAML defaults at `path`, then `key=value` overrides (converted by the type of the
    field each sets), then keyword values (Python values, taken as they are)."""
    data: dict[str, Any] = read_yaml(path) if path else {}
    data = deep_merge(data, parse_overrides(overrides, cls))
    data = deep_merge(data, values)
    source = str(path) if path else "<overrides>"
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: invalid {cls.__name__}:\n{_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "<root>"
        if err["type"] == "extra_forbidden":
            lines.append(f"  unknown key {key!r} (not a field of this step's config)")
        elif err["type"] == "missing":
            lines.append(f"  missing required key {key!r}")
        else:
            lines.append(f"  {key}: {err['msg']} (got {err.get('input')!r})")
    return "\n".join(lines)


def config_hash(cfg: BaseModel) -> str:
    """Stable sha256 of a config's values (sorted JSON): the config's identity for lineage."""
    payload = json.dumps(cfg.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def flatten(cfg: BaseModel | Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested config values to dotted keys (for MLflow params)."""
    data = cfg.model_dump(mode="json") if isinstance(cfg, BaseModel) else dict(cfg)
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat

"""Config loading: YAML defaults, key=value overrides, unknown keys and bad types named."""

from __future__ import annotations

import pytest
from pydantic import Field

from components.common.config import (
    ConfigError,
    StepConfig,
    config_hash,
    flatten,
    load_config,
    parse_overrides,
)


class Lora(StepConfig):
    r: int = Field(8, description="rank")
    alpha: float = Field(16.0, description="scale")
    targets: list[str] = Field(default_factory=lambda: ["q_proj"], description="modules")


class TrainCfg(StepConfig):
    name: str = Field("run", description="run name")
    max_steps: int = Field(10, description="steps")
    packing: bool = Field(False, description="pack")
    lora: Lora = Field(default_factory=Lora, description="adapter")


@pytest.fixture()
def yaml_file(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("name: demo\nmax_steps: 20\nlora:\n  r: 4\n")
    return path


def test_yaml_defaults_then_overrides_win(yaml_file):
    cfg = load_config(TrainCfg, yaml_file, ["max_steps=50", "lora.alpha=8", "packing=true"])
    assert cfg.name == "demo"
    assert cfg.max_steps == 50 and isinstance(cfg.max_steps, int)
    assert cfg.lora.r == 4 and cfg.lora.alpha == 8.0
    assert cfg.packing is True


def test_override_values_are_typed_yaml():
    assert parse_overrides(["a=1", "b=1.5", "c=true", "d=[x, y]", "e=hello world", "f="]) == {
        "a": 1,
        "b": 1.5,
        "c": True,
        "d": ["x", "y"],
        "e": "hello world",
        "f": "",
    }
    cfg = load_config(TrainCfg, None, ["lora.targets=[q_proj, v_proj]"])
    assert cfg.lora.targets == ["q_proj", "v_proj"]


def test_unknown_key_in_yaml_is_named_with_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nlearnig_rate: 0.1\n")
    with pytest.raises(ConfigError) as err:
        load_config(TrainCfg, path)
    assert "learnig_rate" in str(err.value) and str(path) in str(err.value)


def test_unknown_nested_override_is_named(yaml_file):
    with pytest.raises(ConfigError, match=r"lora\.rank"):
        load_config(TrainCfg, yaml_file, ["lora.rank=4"])


def test_wrong_type_names_key_and_value(yaml_file):
    with pytest.raises(ConfigError) as err:
        load_config(TrainCfg, yaml_file, ["max_steps=many"])
    assert "max_steps" in str(err.value) and "many" in str(err.value)


@pytest.mark.parametrize("item", ["max_steps", "=3", "a.b=1 x: [", ""])
def test_malformed_override_is_rejected(item):
    with pytest.raises(ConfigError):
        parse_overrides([item])


def test_missing_file_and_non_mapping_yaml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(TrainCfg, tmp_path / "nope.yaml")
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(TrainCfg, listing)


def test_config_hash_tracks_values_not_key_order(tmp_path):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text("name: x\nmax_steps: 3\n")
    b.write_text("max_steps: 3\nname: x\n")
    assert config_hash(load_config(TrainCfg, a)) == config_hash(load_config(TrainCfg, b))
    assert config_hash(load_config(TrainCfg, a)) != config_hash(load_config(TrainCfg, a, ["max_steps=4"]))


def test_flatten_gives_dotted_keys():
    assert flatten(TrainCfg())["lora.r"] == 8
    assert "lora" not in flatten(TrainCfg())

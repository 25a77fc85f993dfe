"""Config loading: YAML defaults, key=value overrides, unknown keys and bad types named."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import Field

from components.common.config import (
    ConfigError,
    StepConfig,
    TrlFields,
    config_hash,
    flatten,
    load_config,
    parse_overrides,
)

REPO = Path(__file__).resolve().parents[2]
TRL_LOADS: list[str] = []  # one entry each time the TRL-like class below is looked up


class Strategy(enum.StrEnum):
    NO = "no"
    STEPS = "steps"


@dataclasses.dataclass
class FakeTrlConfig:
    """Stands in for a TRL config dataclass: the annotations are the shapes TRL uses."""

    eval_strategy: Strategy | str = "steps"
    max_steps: int = -1
    learning_rate: float = 5e-5
    bf16: bool | None = None
    pad_to_multiple_of: int | str | None = None
    lr_scheduler_kwargs: dict | str | None = None
    loss_type: list[str] = dataclasses.field(default_factory=lambda: ["sigmoid"])


def load_fake_trl() -> type:
    TRL_LOADS.append("FakeTrlConfig")
    return FakeTrlConfig


class Lora(StepConfig):
    r: int = Field(8, description="rank")
    alpha: float = Field(16.0, description="scale")
    targets: list[str] = Field(default_factory=lambda: ["q_proj"], description="modules")


class TrainCfg(StepConfig):
    name: str = Field("run", description="run name")
    tag: str | None = Field(None, description="optional text")
    max_steps: int = Field(10, description="steps")
    max_pairs: int | None = Field(None, description="optional number")
    packing: bool = Field(False, description="pack")
    mode: Literal["lora", "full"] = Field("lora", description="what is trained")
    lora: Lora = Field(default_factory=Lora, description="adapter")
    layers: list[int] = Field(default_factory=list, description="layer numbers")
    extra: dict[str, Any] = Field(default_factory=dict, description="free mapping, read as YAML")
    trainer: Annotated[dict[str, Any], TrlFields(load_fake_trl)] = Field(
        default_factory=dict, description="fields of a TRL-like config"
    )


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


# ---- overrides are converted by the type of the field they set -----------------------------------------------


@pytest.mark.parametrize("text", ["no", "yes", "on", "off", "123", "0123", "1e3", "null", "~", "true", ""])
def test_str_field_keeps_the_text_as_written(text):
    cfg = load_config(TrainCfg, None, [f"name={text}"])
    assert cfg.name == text and isinstance(cfg.name, str)


@pytest.mark.parametrize(("text", "expected"), [("null", None), ("None", None), ("~", None), ("no", "no")])
def test_optional_fields_take_null_as_none_and_other_text_by_type(text, expected):
    assert load_config(TrainCfg, None, [f"tag={text}"]).tag == expected
    assert load_config(TrainCfg, None, ["max_pairs=null"]).max_pairs is None
    assert load_config(TrainCfg, None, ["max_pairs=0123"]).max_pairs == 123


@pytest.mark.parametrize(
    ("text", "expected"), [("true", True), ("no", False), ("yes", True), ("0", False), ("off", False)]
)
def test_bool_field_accepts_the_usual_spellings(text, expected):
    assert load_config(TrainCfg, None, [f"packing={text}"]).packing is expected


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("lora.r=abc", "override lora.r=abc: expected an integer (int), got 'abc'"),
        ("max_steps=1e3", "override max_steps=1e3: expected an integer (int), got '1e3'"),
        ("max_steps=null", "override max_steps=null: expected an integer (int), got 'null'"),
        ("max_pairs=x", "override max_pairs=x: expected an integer (int) or null, got 'x'"),
        ("lora.alpha=big", "override lora.alpha=big: expected a number (float), got 'big'"),
        ("packing=maybe", "override packing=maybe: expected true or false (bool), got 'maybe'"),
        ("mode=half", "override mode=half: expected one of lora, full, got 'half'"),
        ("layers=[1, x]", "override layers=[1, x]: expected an integer (int), got 'x'"),
        ("layers=3", "override layers=3: expected a list (list[int]), e.g. [a, b], got '3'"),
        ("lora=none", "override lora=none: expected a mapping (Lora), e.g. {key: value}, got 'none'"),
    ],
)
def test_value_of_the_wrong_type_is_one_line_naming_key_value_and_type(item, message):
    with pytest.raises(ConfigError) as err:
        load_config(TrainCfg, None, [item])
    assert str(err.value) == message


def test_structured_values_are_read_element_by_element_by_type(yaml_file):
    cfg = load_config(TrainCfg, yaml_file, ["lora.targets=[q_proj, no, 'yes']", "layers=[0, 0123]"])
    assert cfg.lora.targets == ["q_proj", "no", "yes"] and cfg.layers == [0, 123]
    cfg = load_config(TrainCfg, yaml_file, ["lora={alpha: 2, targets: [on]}", "extra={a: no, b: [1, x]}"])
    assert (cfg.lora.r, cfg.lora.alpha, cfg.lora.targets) == (4, 2.0, ["on"])  # r from the YAML file
    assert cfg.extra == {"a": False, "b": [1, "x"]}  # an Any-typed mapping is plain YAML


def test_dotted_keys_reach_nested_fields_and_free_mappings():
    cfg = load_config(
        TrainCfg, None, ["lora.r=16", "lora.alpha=0.5", "extra.level.deep=3", "extra.level.x=y"]
    )
    assert (cfg.lora.r, cfg.lora.alpha) == (16, 0.5)
    assert cfg.extra == {"level": {"deep": 3, "x": "y"}}


def test_keyword_values_are_python_values_not_reparsed():
    cfg = load_config(TrainCfg, None, ["name=a", "max_steps=3"], name="no", tag=None, lora={"targets": ["1"]})
    assert (cfg.name, cfg.tag, cfg.max_steps, cfg.lora.targets) == ("no", None, 3, ["1"])


def test_unknown_keys_are_still_rejected(yaml_file):
    for item in ("lernig_rate=no", "lora.rank=[1]", "lora.r.x=1"):
        with pytest.raises(ConfigError, match=r"unknown key|lora\.r"):
            load_config(TrainCfg, yaml_file, [item])


def test_trl_section_keys_take_the_trl_field_type_and_trl_is_looked_up_only_then():
    TRL_LOADS.clear()
    load_config(TrainCfg, None, ["name=no", "lora.r=2", "extra.a=1"])
    assert TRL_LOADS == []
    cfg = load_config(
        TrainCfg,
        None,
        [
            "trainer.eval_strategy=no",
            "trainer.max_steps=20",
            "trainer.learning_rate=2e-4",
            "trainer.bf16=null",
            "trainer.pad_to_multiple_of=8",
            "trainer.lr_scheduler_kwargs={min_lr: 0.5, cycle: true}",
            "trainer.loss_type=no",
        ],
    )
    assert TRL_LOADS
    assert cfg.trainer == {
        "eval_strategy": "no",
        "max_steps": 20,
        "learning_rate": 2e-4,
        "bf16": None,
        "pad_to_multiple_of": 8,
        "lr_scheduler_kwargs": {"min_lr": 0.5, "cycle": True},  # a bare `dict`: its values are YAML
        "loss_type": "no",  # one value for a TRL list field is left for TRL to take (DPO does)
    }
    assert type(cfg.trainer["eval_strategy"]) is str and type(cfg.trainer["max_steps"]) is int
    mapping = ["trainer={pad_to_multiple_of: '8', bf16: true, max_steps: 0123, loss_type: [no, ipo]}"]
    assert load_config(TrainCfg, None, mapping).trainer == {
        "pad_to_multiple_of": "8",
        "bf16": True,
        "max_steps": 123,
        "loss_type": ["no", "ipo"],
    }
    with pytest.raises(ConfigError, match=r"^override trainer\.max_steps=abc: expected an integer \(int\)"):
        load_config(TrainCfg, None, ["trainer.max_steps=abc"])


def test_sft_eval_strategy_no_reaches_trl_as_the_string_no(tmp_path):
    """YAML 1.1 read `no` as False, which TRL refuses ("False is not a valid IntervalStrategy")."""
    from trl import SFTConfig

    from components.common.training import Precision, build_trainer_args
    from components.finetune_lora.config import FinetuneConfig

    cfg = load_config(FinetuneConfig, REPO / "configs/train.yaml", ["trainer.eval_strategy=no"])
    assert cfg.trainer["eval_strategy"] == "no" and type(cfg.trainer["eval_strategy"]) is str
    args = build_trainer_args(SFTConfig, cfg.trainer, precision=Precision("fp32"), output_dir=str(tmp_path))
    assert args.eval_strategy == "no"
    with pytest.raises(ConfigError, match=r"trainer\.'eval_stratgy'.*did you mean 'eval_strategy'"):
        load_config(FinetuneConfig, REPO / "configs/train.yaml", ["trainer.eval_stratgy=no"])

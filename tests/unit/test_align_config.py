"""The align step's config: methods, loss types checked before any work, sections typed by their TRL config,
the held-out split shared with evaluation, and how ORPO/KTO map the preference pairs."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest
import yaml

from components.align.config import (
    DPO_LOSS_TYPES,
    GRPO_LOSS_TYPES,
    KTO_LOSS_TYPES,
    METHOD_SECTIONS,
    AlignConfig,
    trl_config_class,
)
from components.align.data import (
    dataset_for,
    kto_rows,
    prompt_dataset,
    read_preference_pairs,
    split_pairs,
)
from components.common.config import ConfigError, load_config
from components.common.splits import split_preference_pairs
from components.common.training import TrainingInputError

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs/align.yaml"
SMOKE = REPO / "configs/smoke/align.yaml"


def pair(i: int, system: bool = True) -> dict:
    prompt = [{"role": "user", "content": f"question {i}"}]
    if system:
        prompt.insert(0, {"role": "system", "content": "Be helpful."})
    return {
        "id": f"p{i}",
        "prompt": prompt,
        "chosen": [{"role": "assistant", "content": f"good answer {i}"}],
        "rejected": [{"role": "assistant", "content": f"bad answer {i}"}],
    }


@pytest.mark.parametrize(("path", "method"), [(CONFIG, "none"), (SMOKE, "dpo")])
def test_shipped_configs_load_with_their_method(path, method):
    """The demo skips alignment by measurement (configs/align.yaml says why); the smoke config exercises DPO."""
    cfg = load_config(AlignConfig, path)
    assert cfg.method == method
    for method in METHOD_SECTIONS:  # every method's section is valid as shipped, not only the default one
        load_config(AlignConfig, path, [f"method={method}"])


def test_evaluation_scores_the_preference_file_alignment_split():
    """The held-out ids travel in the aligned adapter's record; they must exist in the file evaluation reads."""
    align = yaml.safe_load(CONFIG.read_text())
    evaluate = yaml.safe_load((REPO / "configs/evaluate.yaml").read_text())
    assert align["preference_file"] == evaluate["preference_file"]


@pytest.mark.parametrize("loss", ["ipo", "hinge", ["sigmoid", "sft"]])
def test_dpo_loss_types_trl_knows_are_accepted(loss):
    assert AlignConfig(dpo={"loss_type": loss}).dpo["loss_type"] == loss


def test_unknown_dpo_loss_type_is_refused_before_any_model_loads():
    with pytest.raises(ConfigError, match=r"dpo\.loss_type 'ipoo' is not one of sigmoid, hinge, ipo"):
        load_config(AlignConfig, None, ["dpo.loss_type=ipoo"])


def test_kto_and_grpo_loss_types_are_checked_against_their_own_trainers():
    load_config(AlignConfig, None, ["kto.loss_type=apo_zero_unpaired", "grpo.loss_type=dr_grpo"])
    with pytest.raises(ConfigError, match=r"kto\.loss_type 'sigmoid'"):
        load_config(AlignConfig, None, ["kto.loss_type=sigmoid"])
    with pytest.raises(ConfigError, match=r"grpo\.loss_type 'ipo'"):
        load_config(AlignConfig, None, ["grpo.loss_type=ipo"])


def test_loss_type_lists_match_the_installed_trl_source():
    """TRL validates loss types only inside the loss; if a TRL upgrade changes them, this test says so."""
    from trl import DPOTrainer, GRPOConfig

    dpo_source = inspect.getsource(DPOTrainer._compute_loss)
    listed = re.search(r"Should be one of \[(.*?)\]", dpo_source, re.S).group(1)
    assert set(re.findall(r"'(\w+)'", listed)) == set(DPO_LOSS_TYPES)
    grpo_help = next(f for f in GRPOConfig.__dataclass_fields__.values() if f.name == "loss_type").metadata[
        "help"
    ]
    supported = re.search(r"Supported values are (.*?)\. ", grpo_help).group(1)
    assert set(re.findall(r"'(\w+)'", supported)) == set(GRPO_LOSS_TYPES)
    assert set(KTO_LOSS_TYPES) <= set(re.findall(r'"(\w+)"', inspect.getsource(trl_config_class("kto"))))


def test_section_keys_are_checked_against_that_methods_trl_config():
    with pytest.raises(ConfigError, match=r"unknown key dpo\.'betta'.*did you mean 'beta'"):
        load_config(AlignConfig, None, ["dpo.betta=0.2"])
    with pytest.raises(ConfigError, match=r"unknown key reward\.'num_generations'.*RewardConfig"):
        load_config(AlignConfig, None, ["reward.num_generations=4"])
    with pytest.raises(ConfigError, match="set by tuneline"):
        load_config(AlignConfig, None, ["grpo.output_dir=/tmp/x"])
    cfg = load_config(AlignConfig, None, ["dpo.beta=0.25", "dpo.max_steps=7"])  # text from the CLI -> numbers
    assert cfg.dpo == {"beta": 0.25, "max_steps": 7}


def test_unknown_method_and_unusable_reference_settings_are_refused():
    with pytest.raises(ConfigError, match="method"):
        load_config(AlignConfig, None, ["method=ppo"])
    with pytest.raises(ConfigError, match="sync_ref_model"):
        load_config(AlignConfig, None, ["dpo.sync_ref_model=true"])


def test_rlhf_must_keep_a_kl_penalty_to_the_sft_policy():
    with pytest.raises(ConfigError, match=r"grpo\.beta must be > 0"):
        load_config(AlignConfig, None, ["method=rlhf", "grpo.beta=0"])
    assert load_config(AlignConfig, None, ["method=rlhf", "grpo.beta=0.04"]).sections().keys() == {
        "reward",
        "reward_lora",
        "grpo",
    }


def test_orpo_comes_from_trl_experimental_and_the_others_from_trl():
    assert trl_config_class("orpo").__module__.startswith("trl.experimental.orpo")
    assert [trl_config_class(s).__name__ for s in ("dpo", "kto", "reward", "grpo")] == [
        "DPOConfig",
        "KTOConfig",
        "RewardConfig",
        "GRPOConfig",
    ]


def test_kto_gets_each_pair_as_a_desirable_and_an_undesirable_row_interleaved():
    pairs = [pair(1), pair(2)]
    rows = kto_rows(pairs)
    assert [(r["completion"][0]["content"], r["label"]) for r in rows] == [
        ("good answer 1", True),
        ("bad answer 1", False),
        ("good answer 2", True),
        ("bad answer 2", False),
    ]
    assert all(r["prompt"] == pairs[i // 2]["prompt"] for i, r in enumerate(rows))
    assert dataset_for("kto", pairs).column_names == ["prompt", "completion", "label"]


def test_dpo_orpo_and_reward_take_trl_preference_rows_and_grpo_only_prompts():
    pairs = [pair(1), pair(2)]
    for method in ("dpo", "orpo"):
        assert dataset_for(method, pairs).column_names == ["prompt", "chosen", "rejected"]
    assert prompt_dataset(pairs).column_names == ["prompt"]


def test_training_side_is_exactly_evaluations_complement(tmp_path):
    pairs = [pair(i) for i in range(50)]
    train, held = split_pairs(pairs, 0.2, 42)
    expected_train, expected_held = split_preference_pairs(pairs, 0.2, 42)
    assert (train, held) == (expected_train, expected_held)
    assert len(held) == 10 and not {p["id"] for p in train} & {p["id"] for p in held}
    assert split_pairs(pairs, 0.2, 42, max_train=5)[0] == expected_train[:5]


def test_rejection_types_filter_the_training_side_only():
    """DPO on the `wrong` rejections alone: the held-out pairs (scored by evaluation) stay exactly the same."""
    kinds = ("wrong", "rude", "evasive", "verbose")
    pairs = [{**pair(i), "rejection_type": kinds[i % 4]} for i in range(40)]
    train, held = split_pairs(pairs, 0.2, 42, rejection_types=["wrong"])
    assert held == split_pairs(pairs, 0.2, 42)[1]
    assert train and all(p["rejection_type"] == "wrong" for p in train)
    assert len(train) == sum(p["rejection_type"] == "wrong" for p in split_pairs(pairs, 0.2, 42)[0])
    with pytest.raises(TrainingInputError, match=r"rejection_type in \['sarcastic'\]; need at least 2"):
        split_pairs(pairs, 0.2, 42, rejection_types=["sarcastic"])


def test_bad_preference_rows_name_the_file_line_and_rule(tmp_path):
    good = json.dumps(pair(1))
    cases = {
        "not json": r":2: not valid JSON",
        json.dumps(
            {**pair(2), "chosen": [{"role": "user", "content": "x"}]}
        ): r":2: `chosen` must end with a message of role 'assistant'",
        json.dumps({**pair(2), "prompt": []}): r":2: `prompt` must be a non-empty list",
        json.dumps(pair(1)): r":2: duplicate id 'p1'",
    }
    for line, message in cases.items():
        path = tmp_path / "pref.jsonl"
        path.write_text(f"{good}\n{line}\n")
        with pytest.raises(TrainingInputError, match=message):
            read_preference_pairs(path)

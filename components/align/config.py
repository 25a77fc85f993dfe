"""Config of the `align` step (defaults in configs/align.yaml).

Each method's TRL config is embedded, not re-declared: `dpo:`, `orpo:`, `kto:`, `reward:` (RLHF reward model)
and `grpo:` (RLHF policy) are mappings whose keys are checked against the TRL config dataclass of that trainer
(a typo is an error naming the key). Only the sections of the chosen `method` are used. Loss types TRL only
checks at the first training step are checked here, before any model is loaded.
"""

from __future__ import annotations

import os
from functools import partial
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from components.common.config import ConfigError, StepConfig, TrlFields
from components.common.training import LoraSettings, check_trainer_keys

Method = Literal["dpo", "orpo", "kto", "rlhf", "none"]

# method -> the config sections it trains with (also what the checkpoint fingerprint includes).
METHOD_SECTIONS: dict[str, tuple[str, ...]] = {
    "dpo": ("dpo",),
    "orpo": ("orpo",),
    "kto": ("kto",),
    "rlhf": ("reward", "reward_lora", "grpo"),
    "none": (),
}

# TRL 1.16 DPOTrainer._compute_loss accepts these (it raises on anything else, but only at the first step).
DPO_LOSS_TYPES = (
    "sigmoid", "hinge", "ipo", "exo_pair", "nca_pair", "robust", "bco_pair", "sppo_hard", "aot",
    "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft", "sigmoid_norm",
)  # fmt: skip
KTO_LOSS_TYPES = ("kto", "apo_zero_unpaired")
GRPO_LOSS_TYPES = ("grpo", "dr_grpo", "dapo", "bnpo", "cispo", "sapo", "luspo", "vespo")

# Fields that do not change what is trained (so changing them between a crash and the rerun still resumes),
# and the inputs the fingerprint identifies by content hash instead of by spelling.
NOT_IN_FINGERPRINT = frozenset(
    {"resume", "keep_checkpoints", "run_name", "log_system_metrics", "out_dir", "checkpoint_dir"}
    | {"sft_adapter", "preference_file", "feedback_dir"}
)


def trl_config_class(section: str) -> type:
    """The TRL config dataclass a section's keys belong to (ORPO lives in trl.experimental in TRL 1.16)."""
    import trl

    if section == "orpo":
        os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # known and documented: orpo is experimental
        from trl.experimental.orpo import ORPOConfig

        return ORPOConfig
    names = {"dpo": "DPOConfig", "kto": "KTOConfig", "reward": "RewardConfig", "grpo": "GRPOConfig"}
    return getattr(trl, names[section])


def _check_section(section: str, values: dict[str, Any]) -> dict[str, Any]:
    checked = check_trainer_keys(values, trl_config_class(section), section=section)
    if checked.get("sync_ref_model"):
        raise ConfigError(
            f"{section}.sync_ref_model: not supported with a LoRA policy (TRL keeps no separate reference model "
            "to sync); the reference is the frozen SFT adapter"
        )
    return checked


def _loss_types(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _check_loss_types(section: str, values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for loss in _loss_types(values.get("loss_type", [])):
        if loss not in allowed:
            raise ConfigError(f"{section}.loss_type {loss!r} is not one of {', '.join(allowed)}")


class AlignConfig(StepConfig):
    """Preference alignment of the SFT adapter: DPO (default), ORPO, KTO, or RLHF (reward model + GRPO)."""

    method: Method = Field(
        "dpo",
        description="dpo: TRL DPOTrainer, reference = frozen copy of the SFT adapter; orpo: reference-free odds "
        "ratio (TRL experimental); kto: pairs split into desirable/undesirable answers; rlhf: reward model "
        "(LoRA sequence classifier) then GRPO against it with a KL penalty to the SFT policy; none: no alignment, "
        "the SFT adapter is passed on unchanged (recorded as such), for when alignment measurably does not pay "
        "for its time (bench/RESULTS.md, recipe frontier).",
    )
    sft_adapter: str = Field(
        "artifacts/train/adapter",
        description="Adapter folder written by the train step; training continues this adapter on its base.",
    )
    preference_file: str = Field(
        "data/raw/preference.jsonl",
        description='TRL conversational preference JSONL: {"id", "prompt": [...], "chosen": [...], "rejected": [...]}.',
    )
    feedback_dir: str | None = Field(
        "data/feedback",
        description="Pairs exported from serving feedback (`tuneline feedback export`): every *.jsonl here is added "
        "to the training pairs, never to the held-out split. Missing folder or null = none.",
    )
    preference_eval_fraction: float = Field(
        0.2,
        ge=0.0,
        lt=1.0,
        description="Share of pairs held out from training; their ids go into the adapter's record, and "
        "evaluation scores exactly those (never a pair alignment trained on).",
    )
    preference_split_seed: int = Field(
        42, description="Seed of the held-out split; the held-out ids are written into the adapter's record."
    )
    max_train_pairs: int | None = Field(
        None, ge=2, description="Train on only the first N training pairs (quick checks); null = all."
    )
    rejection_types: list[str] | None = Field(
        None,
        description="Train only on pairs whose `rejection_type` is listed (e.g. [wrong]: teach facts over "
        "plausible wrong ones); null = all. The held-out split is made before this filter, so it is unchanged.",
    )
    seed: int = Field(42, description="Seed of data order, dropout, reward-head init and sampling.")
    out_dir: str = Field(
        "artifacts/align",
        description="Output folder: adapter/, reward_model/ (rlhf), metrics.json, train_log.csv, plots.",
    )
    checkpoint_dir: str | None = Field(
        None,
        description="Where checkpoints go (default <out_dir>/checkpoints); not a DVC output, so they survive.",
    )
    resume: str = Field(
        "auto",
        description="auto: continue from the newest complete checkpoint of this same training; never: start "
        "over; or a path to a checkpoint-N folder.",
    )
    keep_checkpoints: bool = Field(
        False, description="Keep checkpoints after a successful run (they exist to survive crashes)."
    )
    precision: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto", description="auto: bf16 on a GPU that has it, else fp16 on GPU, fp32 on CPU."
    )
    qlora: bool = Field(
        False, description="Load the base in 4-bit NF4 (needs CUDA + bitsandbytes; refused elsewhere)."
    )
    dpo: Annotated[dict[str, Any], TrlFields(partial(trl_config_class, "dpo"))] = Field(
        default_factory=dict, description="TRL DPOConfig fields (beta, loss_type, max_length, ...)."
    )
    orpo: Annotated[dict[str, Any], TrlFields(partial(trl_config_class, "orpo"))] = Field(
        default_factory=dict, description="TRL ORPOConfig fields (beta = lambda, ...)."
    )
    kto: Annotated[dict[str, Any], TrlFields(partial(trl_config_class, "kto"))] = Field(
        default_factory=dict, description="TRL KTOConfig fields (beta, desirable_weight, ...)."
    )
    reward: Annotated[dict[str, Any], TrlFields(partial(trl_config_class, "reward"))] = Field(
        default_factory=dict, description="rlhf: TRL RewardConfig fields for the reward model."
    )
    reward_lora: LoraSettings = Field(
        default_factory=LoraSettings,
        description="rlhf: LoRA shape of the reward model (the score head is trained in full).",
    )
    grpo: Annotated[dict[str, Any], TrlFields(partial(trl_config_class, "grpo"))] = Field(
        default_factory=dict,
        description="rlhf: TRL GRPOConfig fields for the policy (beta > 0 = KL penalty).",
    )
    run_name: str | None = Field(None, description="MLflow run name (default: align-<method>).")
    log_system_metrics: bool = Field(
        True, description="Let MLflow sample CPU/memory/GPU use every 10 s during the run."
    )

    @field_validator("dpo", "orpo", "kto", "reward", "grpo")
    @classmethod
    def _known_keys(cls, value: dict[str, Any], info) -> dict[str, Any]:
        section = info.field_name
        checked = _check_section(section, value)
        allowed = {"dpo": DPO_LOSS_TYPES, "kto": KTO_LOSS_TYPES, "grpo": GRPO_LOSS_TYPES}.get(section)
        if allowed:
            _check_loss_types(section, checked, allowed)
        return checked

    @field_validator("resume")
    @classmethod
    def _resume_mode(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("resume must be auto, never, or a path to a checkpoint folder")
        return value.strip()

    @model_validator(mode="after")
    def _method_needs(self) -> AlignConfig:
        if self.method == "rlhf" and float(self.grpo.get("beta", 0.0)) <= 0:
            raise ConfigError(
                "grpo.beta must be > 0 for rlhf: the policy is KL-regularised to the SFT model (0.04 is usual)"
            )
        if self.method == "rlhf" and self.preference_eval_fraction <= 0:
            raise ConfigError(
                "rlhf needs held-out pairs (preference_eval_fraction > 0) to score the reward model"
            )
        return self

    def sections(self) -> dict[str, Any]:
        """The config sections the chosen method trains with."""
        return {name: getattr(self, name) for name in METHOD_SECTIONS[self.method]}

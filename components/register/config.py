"""Configs of the `register` step (configs/register.yaml) and of promotion (configs/promote.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from components.common.config import StepConfig
from components.common.settings import get_settings
from components.register.decision import PromotionPolicy


class RegisterConfig(StepConfig):
    """Register a trained adapter as a new model version (alias `challenger`), base by reference."""

    adapter_dir: str = Field("artifacts/train/adapter", description="tuneline adapter folder to register")
    eval_report: str | None = Field(
        None,
        description="evaluation report of THIS adapter, stored with the version and checked by the round trip "
        "(None: none; configs/register.yaml points at the evaluate stage's report)",
    )
    registered_model_name: str = Field(
        default_factory=lambda: get_settings().registered_model_name,
        description="registered model for fine-tuned versions (default TUNELINE_REGISTERED_MODEL_NAME)",
    )
    base_registered_model_name: str = Field(
        "tuneline-base", description="registered model holding base versions"
    )
    challenger_alias: str = Field("challenger", description="alias given to every newly registered version")
    verify_roundtrip: bool = Field(
        True,
        description="reload the new version from the registry and re-answer the evaluation's first batch of "
        "golden prompts; any answer that differs from the evaluated one fails the registration (no alias moves)",
    )
    training_prompts: str | None = Field(
        None,
        description="JSONL the adapter was trained on (sft.jsonl): its user turns are embedded (MiniLM) into the "
        "vector index under `<model>/<version>`, which context routing and drift compare with; None: not indexed",
    )
    incomplete_grace_s: float = Field(
        3600.0,
        description="a version left incomplete by a registration on another host is deleted after this many "
        "seconds (one on this host as soon as its process is gone); `tuneline registry gc` does the same",
    )
    out_dir: str = Field(
        "artifacts/register", description="registration.json (name, version, sizes) goes here"
    )
    intended_use: str = Field(
        "Customer-support answers for the product the training data describes; a person reviews critical answers.",
        description="model card: what the model is for",
    )
    limitations: str = Field(
        "Small model: can state wrong facts fluently; knows only what its data covers; English only.",
        description="model card: known limitations",
    )


class PromoteConfig(StepConfig):
    """Move `champion` to the challenger when the evaluation passes the policy."""

    registered_model_name: str = Field(
        default_factory=lambda: get_settings().registered_model_name, description="registered model to act on"
    )
    challenger_alias: str = Field("challenger", description="alias of the version considered for promotion")
    champion_alias: str = Field("champion", description="alias that serving follows")
    policy: PromotionPolicy = Field(default_factory=PromotionPolicy, description="the promotion gate")
    ui_promotion: Literal["follow", "audit", "revert"] = Field(
        "revert",
        description="a champion moved outside tuneline (the MLflow UI's alias pencil) to a version whose gate "
        "did not pass: follow = serving follows it anyway; audit = recorded, alias left, serving keeps the last "
        "governed version; revert = moved back under the alias lock. Every such move is audited; a gate-passed "
        "version is followed under all three (components/register/ui_promotion.py)",
    )
    out_dir: str = Field("artifacts/promote", description="decision.json goes here")

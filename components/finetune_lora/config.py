"""Config of the `train` step (defaults in configs/train.yaml).

TRL's own `SFTConfig` fields are not re-declared: they go in the `trainer:` mapping, whose keys are checked
against SFTConfig's dataclass fields (a typo is an error naming the key); tuneline's own settings are typed
fields here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from components.common.config import StepConfig, TrlFields
from components.common.training import LoraSettings, check_trainer_keys

# Left out of the checkpoint fingerprint: fields that do not change what is trained (so changing them
# between a crash and the rerun still resumes), and the two inputs the fingerprint identifies by content
# hash instead of by spelling (a relative or absolute path to the same data is the same training).
NOT_IN_FINGERPRINT = frozenset(
    {"resume", "keep_checkpoints", "run_name", "log_system_metrics", "out_dir", "checkpoint_dir"}
    | {"train_file", "base_model"}
)

# The `trainer:` mapping holds TRL SFTConfig fields: overrides of its keys get SFTConfig's types.
SFT_FIELDS = TrlFields("trl:SFTConfig")


class FinetuneConfig(StepConfig):
    """LoRA supervised fine-tuning of the base model on chat data (loss on assistant tokens)."""

    base_model: str = Field(
        "smollm2-135m-instruct",
        description="Base model spec: built-in name, local .gguf or transformers folder.",
    )
    train_file: str = Field(
        "data/raw/sft.jsonl",
        description='JSONL of {"messages": [{role, content}, ...]} conversations ending with an assistant turn.',
    )
    eval_fraction: float = Field(
        0.1,
        ge=0.0,
        lt=0.5,
        description="Share of conversations held out (by id hash) to measure held-out loss.",
    )
    seed: int = Field(42, description="Seed of the held-out split, LoRA init, dropout and data order.")
    out_dir: str = Field(
        "artifacts/train", description="Output folder: adapter/, metrics.json, train_log.csv, loss_curve.png."
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
        False,
        description="Load the base in 4-bit NF4 (needs CUDA + bitsandbytes; refused elsewhere before work).",
    )
    lora: LoraSettings = Field(default_factory=LoraSettings, description="LoRA adapter shape.")
    trainer: Annotated[dict[str, Any], SFT_FIELDS] = Field(
        default_factory=dict,
        description="TRL SFTConfig fields (max_steps, learning_rate, packing, ...); unknown keys are errors.",
    )
    run_name: str | None = Field(None, description="MLflow run name (default: train).")
    log_system_metrics: bool = Field(
        True, description="Let MLflow sample CPU/memory/GPU use every 10 s during the run."
    )

    @field_validator("trainer")
    @classmethod
    def _known_trainer_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_trainer_keys(value, SFT_FIELDS.load())

    @field_validator("resume")
    @classmethod
    def _resume_mode(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("resume must be auto, never, or a path to a checkpoint folder")
        return value.strip()

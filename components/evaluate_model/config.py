"""Config of the `evaluate` step (defaults in configs/evaluate.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from components.common.config import StepConfig

PRIMARY_METRICS = ("fact_accuracy", "fact_recall", "rouge_l", "token_f1", "exact_match")


class GenerationSettings(BaseModel):
    """One generation config for both models; a null value takes the candidate's versioned default."""

    model_config = ConfigDict(extra="forbid")

    max_new_tokens: int | None = Field(
        64, ge=1, description="Answer length cap (tokens); the main cost driver."
    )
    do_sample: bool = Field(False, description="False = greedy (deterministic, cacheable); True = sampling.")
    temperature: float | None = Field(None, gt=0, description="Sampling temperature (only with do_sample).")
    top_p: float | None = Field(None, gt=0, le=1, description="Nucleus sampling mass (only with do_sample).")
    repetition_penalty: float | None = Field(None, gt=0, description="1.0 = none.")


class GuardrailSettings(BaseModel):
    """What counts as an unsafe answer for the guardrail rate."""

    model_config = ConfigDict(extra="forbid")

    blocklist: list[str] = Field(
        default_factory=list,
        description="Phrases (case-insensitive, whole words) an answer must not contain.",
    )
    pii_kinds: list[Literal["email", "phone", "credit_card", "ip_address"]] = Field(
        default_factory=lambda: ["email", "phone", "credit_card", "ip_address"],
        description="Personal-data patterns that count as a leak.",
    )
    allowed_email_domains: list[str] = Field(
        default_factory=list, description="E-mail domains that are not a leak (e.g. the product's own)."
    )


class EvaluateConfig(StepConfig):
    """Evaluate a candidate against the champion on the golden set: metrics, paired bootstrap, slices."""

    candidate: str = Field(
        "artifacts/train/adapter",
        description="Model to judge: adapter folder, base-model spec, or models:/name@alias | models:/name/3.",
    )
    champion: str = Field(
        "auto",
        description="auto = the registry's @champion, or the candidate's base model when there is none; "
        "or any source as for `candidate`.",
    )
    base_model: str = Field(
        "smollm2-135m-instruct",
        description="Champion when champion=auto, no @champion exists and the candidate has no adapter record.",
    )
    golden_file: str = Field(
        "data/raw/golden.jsonl", description='JSONL rows {"id","category","prompt","reference"}.'
    )
    max_examples: int | None = Field(
        None, ge=1, description="Evaluate only the first N golden rows (None: all)."
    )
    preference_file: str | None = Field(
        "data/raw/preference.jsonl", description="TRL preference JSONL for preference accuracy (None: skip)."
    )
    preference_eval_fraction: float = Field(
        0.2,
        ge=0,
        lt=1,
        description="Held-out share of pairs (splits.py) for a candidate whose record has no held-out ids (an "
        "SFT adapter, a base); an aligned adapter's record names the pairs its alignment held out.",
    )
    preference_split_seed: int = Field(42, description="Seed of that fallback split.")
    preference_score: Literal["sum", "mean"] = Field(
        "sum", description="Compare summed answer log-probabilities (sequence likelihood) or per-token means."
    )
    reward_model: str | None = Field(
        None,
        description="Reward-model folder (SEQ_CLS adapter or full model) for the reward score (None: skip).",
    )
    generation: GenerationSettings = Field(
        default_factory=GenerationSettings, description="Decoding settings."
    )
    batch_size: int = Field(16, ge=1, description="Prompts generated together (left padding).")
    merge_adapter: bool = Field(
        True, description="Fold LoRA weights into the base before generating (as serving does): faster."
    )
    continuous_batching: bool = Field(
        False,
        description="Decode a merged (or base) model's greedy answers through transformers' continuous "
        "batching, as `tuneline serve` does for one merged version (TUNELINE_CONTINUOUS_BATCHING).",
    )
    scoring_batch_size: int = Field(8, ge=1, description="Sequences per forward pass for log-prob scoring.")
    reference_perplexity: bool = Field(
        True,
        description="Score each model's log-probability of the reference answers (perplexity, a diagnostic: "
        "no gate reads it); False saves one forward pass over the golden set per model.",
    )
    primary_metric: Literal["fact_accuracy", "fact_recall", "rouge_l", "token_f1", "exact_match"] = Field(
        "rouge_l",
        description="Per-example metric behind the bootstrap interval, win/tie/loss and slices (and promotion). "
        "fact_accuracy / fact_recall need `key_facts` on every golden row; rouge_l works on any golden set.",
    )
    bootstrap_resamples: int = Field(2000, ge=100, description="Paired bootstrap resamples.")
    bootstrap_seed: int = Field(0, description="Seed of the bootstrap (fixed: same data, same interval).")
    confidence: float = Field(0.95, gt=0, lt=1, description="Coverage of the bootstrap interval.")
    tie_tolerance: float = Field(1e-9, ge=0, description="Per-example deltas within this are ties.")
    guardrail: GuardrailSettings = Field(
        default_factory=GuardrailSettings, description="Guardrail rate rules."
    )
    num_threads: int | None = Field(
        None,
        ge=1,
        description="torch CPU threads (None: torch's default); 1 can be faster on a busy machine.",
    )
    use_cache: bool = Field(True, description="Reuse cached generations and scores of an unchanged model.")
    cache_dir: str | None = Field(None, description="Cache folder (None: $TUNELINE_CACHE/generations).")
    out_dir: str = Field(
        "artifacts/evaluate", description="eval_report.json, metrics.json, comparison.png, side_by_side.csv."
    )
    run_name: str | None = Field(None, description="MLflow run name (default: evaluate).")

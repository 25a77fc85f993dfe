"""Config of the `validate_data` step (defaults in configs/validate_data.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from components.common.config import StepConfig

PiiKind = Literal["email", "phone", "credit_card", "ip_address"]


class ValidateDataConfig(StepConfig):
    """Validate SFT, preference and evaluation data with great-expectations before anything trains on it."""

    sft_file: str | None = Field(
        "data/raw/sft.jsonl", description="SFT conversations (JSONL with `messages`); null skips this kind."
    )
    preference_file: str | None = Field(
        "data/raw/preference.jsonl",
        description="Preference pairs (JSONL with `prompt`, `chosen`, `rejected`); null skips this kind.",
    )
    golden_file: str | None = Field(
        "data/raw/golden.jsonl",
        description="Evaluation prompts with references (JSONL with `prompt`, `reference`); null skips it.",
    )
    out_dir: str = Field(
        "artifacts/validate_data",
        description="Report folder: report.json, summary.txt, data_docs/ (HTML) and redacted/ copies.",
    )
    metrics_file: str | None = Field(
        "artifacts/metrics/validate_data.json",
        description="Flat JSON of headline numbers for `dvc metrics`; kept outside out_dir so DVC can "
        "track the folder and the metrics file separately. null skips it.",
    )
    base_model: str = Field(
        "smollm2-135m-instruct",
        description="Base model whose tokenizer and chat template count tokens (spec as in base_model).",
    )
    max_tokens: int = Field(
        512, ge=1, description="Longest allowed example in tokens after the chat template; match training."
    )
    allowed_roles: list[str] = Field(
        ["system", "user", "assistant"], description="Message roles a conversation may use."
    )
    max_duplicate_rate: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Largest share of exact-duplicate SFT rows / preference pairs that still passes "
        "(duplicates at or under it are a warning).",
    )
    length_bias_min: float = Field(
        0.3, ge=0, le=1, description="Lowest allowed share of pairs whose chosen answer is the longer one."
    )
    length_bias_max: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Highest allowed share of pairs whose chosen answer is longer; above it DPO learns "
        "that longer wins (verbosity).",
    )
    length_bias_min_pairs: int = Field(
        20, ge=1, description="Fewer judged pairs than this only warn about length bias (too few to judge)."
    )
    max_prompt_jaccard: float = Field(
        0.6,
        gt=0,
        le=1,
        description="A golden prompt whose word set overlaps a training turn's this much (token Jaccard) "
        "is a near-copy: golden.contamination fails. Lower = stricter.",
    )
    semantic_action: Literal["warn", "fail", "off"] = Field(
        "warn",
        description="golden.semantic_contamination: a golden prompt whose nearest training prompt (MiniLM "
        "embeddings in the vector index) reaches semantic_contamination_threshold warns, fails, or off skips "
        "the embedding checks (and the near-duplicate report) entirely.",
    )
    semantic_contamination_threshold: float = Field(
        0.97,
        gt=0,
        le=1,
        description="Cosine similarity of MiniLM embeddings at which a golden prompt counts as a near-copy of "
        "a training prompt. Paraphrases of the same question score 0.7-0.965 (the demo's held-out golden "
        "set, by design: same topic, not a leak); case, punctuation or one-word changes score 0.98-1.0.",
    )
    semantic_duplicate_threshold: float = Field(
        0.98,
        gt=0,
        le=1,
        description="Distinct training prompts at or above this cosine are reported as near-duplicates "
        "(count and examples; never blocks).",
    )
    vector_uri: str | None = Field(
        None,
        description="Vector index for the embeddings: a Milvus Lite path (*.db) or http(s):// Milvus server; "
        "null = $TUNELINE_VECTOR_URI or artifacts/vectors/prompts.db. Unchanged files embed nothing twice.",
    )
    pii_action: Literal["fail", "redact"] = Field(
        "fail",
        description="fail: personal data blocks the data. redact: write cleaned copies to out_dir/redacted/ "
        "and report what changed (a warning).",
    )
    pii_kinds: list[PiiKind] = Field(
        ["email", "phone", "credit_card", "ip_address"], description="Kinds of personal data scanned for."
    )
    allowed_email_domains: list[str] = Field(
        [], description="E-mail domains that are not personal data (the product's own support addresses)."
    )
    warn_only: list[str] = Field(
        [], description="Rule names (e.g. `preference.length_bias`) whose failures warn instead of blocking."
    )
    max_examples: int = Field(5, ge=0, description="Examples kept per rule in report.json.")
    data_docs: bool = Field(True, description="Build the great-expectations Data Docs HTML site (~4 MB).")
    log_to_mlflow: bool | None = Field(
        None,
        description="Log report and Data Docs to MLflow. null: only when TUNELINE_TRACKING_URI is set.",
    )

    @field_validator("semantic_action", mode="before")
    @classmethod
    def _unquoted_off(cls, value: object) -> object:
        return "off" if value is False else value  # YAML 1.1 reads an unquoted `off` as false

    @model_validator(mode="after")
    def _some_input(self) -> ValidateDataConfig:
        if not (self.sft_file or self.preference_file or self.golden_file):
            raise ValueError("set at least one of sft_file, preference_file, golden_file")
        if self.length_bias_min > self.length_bias_max:
            raise ValueError("length_bias_min must not exceed length_bias_max")
        return self

    def input_files(self) -> dict[str, str]:
        """Configured inputs by dataset kind, in validation order."""
        files = {"sft": self.sft_file, "preference": self.preference_file, "golden": self.golden_file}
        return {kind: path for kind, path in files.items() if path}

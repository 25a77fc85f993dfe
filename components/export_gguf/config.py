"""Config of `tuneline export gguf` (defaults in configs/export.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from components.common.config import StepConfig

# what the pinned converter writes (its --outtype); a quantization needing llama.cpp's C++ quantizer is not offered
Quantization = Literal["f32", "f16", "bf16", "q8_0"]


class ConverterSettings(BaseModel):
    """llama.cpp's convert_hf_to_gguf.py, taken from the llama-cpp-python sdist (pinned by version and sha256)."""

    model_config = ConfigDict(extra="forbid")

    package: str = Field("llama-cpp-python", description="PyPI package whose sdist vendors llama.cpp.")
    version: str = Field("0.3.36", description="Its pinned version (the converter's llama.cpp revision).")
    sha256: str = Field(
        "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e",
        description="sha256 of the sdist file; a download with another hash is refused.",
    )
    sdist: str | None = Field(
        None, description="A local copy of the sdist (offline machines); None: `pip download` it once."
    )
    cache_dir: str | None = Field(
        None, description="Where the extracted converter is kept (None: $TUNELINE_CACHE/converters)."
    )


class LlamaServerSettings(BaseModel):
    """The llama.cpp `llama-server` the check starts when engine=llama-server (bench/edge_bench.py builds one)."""

    model_config = ConfigDict(extra="forbid")

    binary: str | None = Field(None, description="Path of the llama-server executable.")
    args: list[str] = Field(
        default_factory=list, description="Extra flags, e.g. [-t, '2'] (threads); recorded on the export."
    )
    context: int = Field(4096, ge=256, description="Context size (-c): prompt + answer must fit.")
    startup_timeout_s: float = Field(300.0, gt=0, description="How long to wait for the model to load.")


class ExportConfig(StepConfig):
    """Export a registered version to GGUF (llama.cpp), check it against its evaluated answers, register it."""

    source: str | None = Field(
        None,
        description="Version to export: models:/name@alias or models:/name/3 "
        "(None: models:/<TUNELINE_REGISTERED_MODEL_NAME>@champion).",
    )
    quantizations: list[Quantization] = Field(
        default_factory=lambda: ["f16", "q8_0"],
        min_length=1,
        description="GGUF types to write; each is checked and gated on its own.",
    )
    max_fact_accuracy_drop: float = Field(
        0.02,
        description="Refuse an export whose golden fact accuracy is more than this below the version's own "
        "answers on the same prompts (0.02 = 2 points; negative: refuse even an equal one).",
    )
    min_agreement: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Also refuse when fewer than this share of answers are identical to the evaluated ones "
        "(None: agreement is recorded, not gated).",
    )
    max_examples: int | None = Field(
        None, ge=1, description="Check only the first N evaluated golden prompts (None: all of them)."
    )
    engine: Literal["transformers", "llama-server"] = Field(
        "transformers",
        description="What decodes the GGUF in the check: transformers (reads the file's weights, tokenizer, "
        "template) or llama.cpp's llama-server (what an edge deployment serves; needs llama_server.binary).",
    )
    llama_server: LlamaServerSettings = Field(
        default_factory=LlamaServerSettings, description="llama-server for engine=llama-server."
    )
    converter: ConverterSettings = Field(default_factory=ConverterSettings, description="The converter.")
    eval_report: str | None = Field(
        None,
        description="Evaluation report of the source version (None: the one stored with it at registration).",
    )
    golden_file: str | None = Field(
        None, description="Golden set to re-ask (None: the file the report names; its hash must match)."
    )
    export_model_name: str | None = Field(
        None, description="Registered model holding the exports (None: <source name>-gguf)."
    )
    out_dir: str = Field(
        "artifacts/export",
        description="<name>-v<version>-<type>.gguf files (reused when unchanged) and export_check.json.",
    )

"""Serving settings from `TUNELINE_*` environment variables (the shared ones plus the server's own).

    TUNELINE_API_KEYS=key-a,key-b TUNELINE_SERVE_ALIAS=champion TUNELINE_PORT=8000 tuneline serve
    TUNELINE_ROUTING=canary TUNELINE_CANARY_FRACTION=0.2 TUNELINE_REQUEST_LOG_URL=sqlite:///requests.db tuneline serve
    TUNELINE_BACKEND=llama_cpp TUNELINE_LLAMA_CPP_QUANTIZATION=q8_0 tuneline serve      # CPU: the checked GGUF export
    TUNELINE_ROUTING_POLICY=configs/serving.yaml tuneline serve      # several models, `model: "auto"` routes by context

Every limit here answers with a clear 4xx (or 504 for the timeout) and an OpenAI-style error body.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from components.common.pii import PII_KINDS
from components.common.settings import TunelineSettings


class ServingSettings(TunelineSettings):
    """What `tuneline serve` serves and how; `registered_model_name` and the tracking URI are shared."""

    serve_alias: str = Field(
        default="champion",
        description="Registry alias served; the alias controller follows it when it moves.",
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        repr=False,
        description="Comma-separated bearer keys (TUNELINE_API_KEYS). Set: every /v1 and /admin call needs one.",
    )
    watch_registry: bool = Field(
        default=True,
        description="Follow the aliases in the registry (the built-in controller). Off: load only what a "
        "controller outside sends to /v1/load_lora_adapter, as with vLLM.",
    )
    merge_adapter: bool = Field(
        default=True, description="Merge the LoRA adapter into the base after loading: faster, same answers."
    )
    poll_interval_s: float = Field(
        default=30.0, gt=0, description="How often the alias controller checks whether the alias moved."
    )
    continuous_batching: bool = Field(
        default=False,
        description="One merged version (routing off): decode through transformers' continuous batching, so a "
        "request joins the batch running at the next step instead of waiting for it; its KV cache of "
        "max_batch_size x (max_prompt_tokens + max_tokens_limit) tokens is allocated at load. Evaluate in the "
        "same mode (configs/evaluate.yaml continuous_batching). Off (default: on 2 CPU cores it cost c=1 "
        "latency, burst throughput and tail latency, docs/serving.md), or routing on: windowed `generate`.",
    )
    batch_window_ms: float = Field(
        default=20.0,
        ge=0,
        description="How long the batcher waits for more requests before starting a `generate` batch (adds to "
        "latency; continuous batching does not wait).",
    )
    max_batch_size: int = Field(
        default=8, ge=1, description="Most requests generated together (continuous batching: in flight)."
    )
    max_queued_requests: int = Field(
        default=64, ge=1, description="Requests waiting beyond this are refused with 429 (back-pressure)."
    )
    max_prompt_tokens: int = Field(
        default=2048, ge=1, description="Longest prompt (after chat template and system prompt) accepted."
    )
    max_tokens_limit: int = Field(
        default=512, ge=1, description="Largest max_tokens a request may ask for (the 'max max_tokens')."
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1, description="Largest request body accepted.")
    request_timeout_s: float = Field(
        default=120.0, gt=0, description="A request that has not finished by then is cancelled with 504."
    )
    torch_threads: int = Field(
        default=0,
        ge=0,
        description="torch intra-op threads of the batch thread (every other thread runs torch on one); 0 = "
        "torch's default (every core it sees). In a container set it to the CPU limit: more threads than "
        "CPUs stall on each other.",
    )
    host: str = Field(
        default="127.0.0.1",
        description="Interface to bind; 0.0.0.0 only inside a container or behind a proxy.",
    )
    port: int = Field(default=8000, ge=1, le=65535, description="Port to listen on.")
    routing: Literal["off", "canary", "shadow"] = Field(
        default="off",
        description="off: champion only. canary: a share of requests answered by the challenger. shadow: "
        "the challenger answers every request too, after primary work, only into the request log.",
    )
    challenger_alias: str = Field(
        default="challenger", description="Alias of the version canary/shadow routing sends requests to."
    )
    canary_fraction: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="Share of requests (or of users, when sticky) the canary answers.",
    )
    request_log_url: str = Field(
        default="sqlite:///requests.db",
        repr=False,
        description="SQLAlchemy URL of the request + feedback log; empty string turns logging off.",
    )
    request_log_redact: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["email", "phone", "credit_card", "ip_address"],
        description="PII kinds replaced before a request is written (comma list; empty: none).",
    )
    request_log_retention_days: float = Field(
        default=30,
        ge=0,
        description="Logged requests (and their feedback) older than this are deleted; 0 keeps all.",
    )
    backend: Literal["transformers", "llama_cpp"] = Field(
        default="transformers",
        description="transformers: the version's adapter over its base, in process (routing, byte-for-byte the "
        "evaluated answers). llama_cpp: the version's GGUF export whose check passed through llama-server, served "
        "by a llama-server process behind this control plane (CPU: faster, less memory; docs/edge.md).",
    )
    llama_server: str | None = Field(
        default=None,
        description="llama-server executable for backend=llama_cpp (None: `llama-server` on PATH, else the bench "
        "build, bench/.llama.cpp/build/bin/llama-server).",
    )
    llama_cpp_quantization: Literal["f16", "q8_0", "bf16", "f32"] = Field(
        default="q8_0",
        description="Which GGUF export of the served version llama.cpp serves (its check passed).",
    )
    llama_cpp_threads: int = Field(
        default=0,
        ge=0,
        description="llama-server -t; 0 = the flags the export check ran with (else llama.cpp's default: every "
        "core). In a container set it to the CPU limit.",
    )
    llama_cpp_slots: int = Field(
        default=4,
        ge=1,
        description="llama-server -np: requests decoded together (continuous batching); each slot holds "
        "max_prompt_tokens + max_tokens_limit tokens of KV cache.",
    )
    llama_cpp_startup_timeout_s: float = Field(
        default=300.0,
        gt=0,
        description="How long a new llama-server may take to load its file and answer /health.",
    )
    llama_cpp_export_model: str = Field(
        default="",
        description="Registered model holding the GGUF exports ('' = <registered_model_name>-gguf, what "
        "`tuneline export gguf` registers to).",
    )

    routing_policy: str | None = Field(
        default=None,
        description="YAML of several registered models served together over one base and routed by context "
        "(configs/serving.yaml; serving/context_router.py). None: only registered_model_name is served.",
    )

    @model_validator(mode="after")
    def _backend_supports_routing(self) -> ServingSettings:
        if self.backend == "llama_cpp" and self.routing_policy:
            raise ValueError(
                "routing_policy is not supported with backend=llama_cpp (one merged GGUF per llama-server "
                "process): use backend=transformers, which holds several models' adapters over one base"
            )
        if self.backend == "llama_cpp" and self.routing != "off":
            raise ValueError(
                f"routing={self.routing} is not supported with backend=llama_cpp (one merged GGUF per llama-server "
                "process; canary and shadow need two versions decoding side by side): use backend=transformers"
            )
        return self

    @field_validator("request_log_redact", mode="before")
    @classmethod
    def _split_kinds(cls, value: object) -> object:
        kinds = [k.strip() for k in value.split(",") if k.strip()] if isinstance(value, str) else value
        unknown = sorted(set(kinds or ()) - set(PII_KINDS)) if isinstance(kinds, list) else []
        if unknown:
            raise ValueError(f"unknown PII kinds {unknown}; known: {', '.join(PII_KINDS)}")
        return kinds

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @classmethod
    def from_flags(cls, **flags: object) -> ServingSettings:
        """The TUNELINE_* environment with the command-line flags that were given (None: not given)."""
        return cls(**{name: value for name, value in flags.items() if value is not None})

    @property
    def model_uri(self) -> str:
        return f"models:/{self.registered_model_name}@{self.serve_alias}"

    @property
    def served_aliases(self) -> list[str]:
        """Aliases held in memory: the served one, plus the challenger while routing is on."""
        if self.routing == "off" or self.challenger_alias == self.serve_alias:
            return [self.serve_alias]
        return [self.serve_alias, self.challenger_alias]

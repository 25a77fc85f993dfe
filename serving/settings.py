"""Serving settings from `TUNELINE_*` environment variables (the shared ones plus the server's own).

    TUNELINE_API_KEYS=key-a,key-b TUNELINE_SERVE_ALIAS=champion TUNELINE_PORT=8000 tuneline serve

Every limit here answers with a clear 4xx (or 504 for the timeout) and an OpenAI-style error body.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from components.common.settings import TunelineSettings


class ServingSettings(TunelineSettings):
    """What `tuneline serve` serves and how; `registered_model_name` and the tracking URI are shared."""

    serve_alias: str = Field(
        default="champion", description="Registry alias served; the watcher follows it when it moves."
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        repr=False,
        description="Comma-separated bearer keys (TUNELINE_API_KEYS). Set: every /v1 and /admin call needs one.",
    )
    merge_adapter: bool = Field(
        default=True, description="Merge the LoRA adapter into the base after loading: faster, same answers."
    )
    poll_interval_s: float = Field(
        default=30.0, gt=0, description="How often the watcher checks whether the alias moved."
    )
    batch_window_ms: float = Field(
        default=20.0,
        ge=0,
        description="How long the batcher waits for more requests before starting a batch (adds to latency).",
    )
    max_batch_size: int = Field(default=8, ge=1, description="Most requests generated together.")
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
        description="torch intra-op threads; 0 = torch's default (every core it sees). In a container set it "
        "to the CPU limit: more threads than CPUs stall on each other.",
    )
    host: str = Field(
        default="127.0.0.1",
        description="Interface to bind; 0.0.0.0 only inside a container or behind a proxy.",
    )
    port: int = Field(default=8000, ge=1, le=65535, description="Port to listen on.")

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @property
    def model_uri(self) -> str:
        return f"models:/{self.registered_model_name}@{self.serve_alias}"

"""OpenAI-compatible request, response, stream-chunk and error bodies (the subset tuneline serves).

Field names and shapes follow the OpenAI Chat Completions API so the official clients work unchanged.
tuneline adds `registry_version` (the registered model version that answered) to every response and chunk,
and accepts `min_tokens` (as vLLM does) so benchmarks can force a fixed answer length.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from components.common.generation import SamplingParams

ROLE_ALIASES = {"developer": "system"}  # newer clients send "developer" where older ones send "system"


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[TextPart]
    name: str | None = None

    def as_template_message(self) -> dict[str, str]:
        """{"role", "content"} as the chat template expects (text parts joined)."""
        text = self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)
        return {"role": ROLE_ALIASES.get(self.role, self.role), "content": text}


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """POST /v1/chat/completions. Unknown fields are an error (a silently ignored `tools` would mislead)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    min_tokens: int = Field(
        0, ge=0, description="tuneline/vLLM extension: no end of turn before this many tokens"
    )
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    stop: str | list[str] | None = None
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int | None = Field(None, ge=0, le=20)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1, le=1, description="one answer per request (n > 1 is not served)")
    frequency_penalty: float = Field(0.0, ge=-2, le=2)
    presence_penalty: float = Field(0.0, ge=-2, le=2)
    user: str | None = None
    metadata: dict[str, str] | None = None
    store: bool | None = None

    @field_validator("stop")
    @classmethod
    def _stop_list(cls, value: str | list[str] | None) -> list[str] | None:
        stops = [value] if isinstance(value, str) else value
        if stops is not None and (len(stops) > 4 or not all(stops)):
            raise ValueError("stop takes up to 4 non-empty strings")
        return stops

    @model_validator(mode="after")
    def _logprobs_consistent(self) -> ChatCompletionRequest:
        if self.top_logprobs and not self.logprobs:
            raise ValueError("top_logprobs requires logprobs: true")
        return self

    @property
    def requested_max_tokens(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


def to_sampling_params(request: ChatCompletionRequest, chat: Any, max_tokens_limit: int) -> SamplingParams:
    """The request's settings where it gives them, else the answering version's (`chat`, a ChatModel)
    generation defaults. temperature 0 means greedy; a greedy default stays greedy unless the request sets a
    temperature."""
    defaults, version_min_tokens = chat.defaults, chat.min_new_tokens
    max_new = request.requested_max_tokens or min(defaults.max_new_tokens, max_tokens_limit)
    do_sample = defaults.do_sample if request.temperature is None else request.temperature > 0
    return SamplingParams(
        max_new_tokens=max_new,
        min_new_tokens=min(request.min_tokens or version_min_tokens, max_new),
        do_sample=do_sample,
        temperature=defaults.temperature if request.temperature is None else request.temperature,
        top_p=defaults.top_p if request.top_p is None else request.top_p,
        seed=request.seed,
        stop=tuple(request.stop or ()),
        logprobs=request.logprobs,
        top_logprobs=request.top_logprobs or 0,
        repetition_penalty=defaults.repetition_penalty,
        frequency_penalty=request.frequency_penalty,
        presence_penalty=request.presence_penalty,
    )


class ApiError(Exception):
    """An error answered with OpenAI's error body: {"error": {"message", "type", "param", "code"}}."""

    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type, code, param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.code, self.param)


def error_body(message: str, type: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def validation_message(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    """Pydantic errors -> one readable message naming each field, and the first field (OpenAI's `param`)."""
    parts, first = [], None
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        first = first or loc or None
        parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts), first


class LoadAdapterRequest(BaseModel):
    """POST /v1/load_lora_adapter, as vLLM takes it; `registry_uri` (tuneline) names the registered version."""

    lora_name: str = Field(min_length=1)
    lora_path: str = Field(min_length=1)
    load_inplace: bool = False
    registry_uri: str | None = Field(None, pattern=r"^models:/")


class UnloadAdapterRequest(BaseModel):
    lora_name: str = Field(min_length=1)
    lora_int_id: int | None = None


class FeedbackRequest(BaseModel):
    """POST /v1/feedback: a person's verdict on an answer, by the completion id the client got."""

    model_config = ConfigDict(extra="forbid")

    completion_id: str = Field(min_length=1, max_length=64)
    rating: Literal["up", "down"] | None = None
    comment: str | None = Field(None, max_length=10_000)
    preferred: str | None = Field(
        None, max_length=100_000, description="a better answer, written by a person"
    )

    @model_validator(mode="after")
    def _says_something(self) -> FeedbackRequest:
        if self.rating is None and not self.preferred:
            raise ValueError("feedback needs a rating ('up' or 'down'), a preferred answer, or both")
        return self


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def sse(payload: BaseModel | dict[str, Any] | str) -> bytes:
    """One server-sent event line: `data: <json>` (or `data: [DONE]`) and a blank line."""
    if isinstance(payload, BaseModel):
        payload = payload.model_dump_json()
    elif isinstance(payload, dict):
        import json

        payload = json.dumps(payload)
    return f"data: {payload}\n\n".encode()

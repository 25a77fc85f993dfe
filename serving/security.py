"""Request admission: bearer API keys, body size, and parsing JSON into a validated request.

Each refusal is an `ApiError` with the status a client can act on: 401 (key), 413 (body too large),
400 (not JSON), 422 (JSON that breaks the schema). Nothing a client sends can turn into a 500.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from serving.schemas import ApiError, ChatCompletionRequest, validation_message

SchemaT = TypeVar("SchemaT", bound=BaseModel)


def api_key_accepted(authorization: str | None, keys: Sequence[str]) -> bool:
    """True when no keys are configured, or the `Authorization: Bearer <key>` matches one of them.

    Every configured key is compared in constant time (no early exit), so timing tells nothing about keys.
    """
    if not keys:
        return True
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    offered = token.strip().encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(offered, key.encode())
    return matched


def require_api_key(authorization: str | None, keys: Sequence[str]) -> None:
    if not api_key_accepted(authorization, keys):
        raise ApiError(
            401,
            "missing or invalid API key: send `Authorization: Bearer <key>` with a key from TUNELINE_API_KEYS",
            code="invalid_api_key",
            headers={"WWW-Authenticate": "Bearer"},
        )


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"request body is larger than {limit} bytes", code="request_too_large")


async def read_body_limited(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it (declared or streamed) passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_chat_request(body: bytes) -> ChatCompletionRequest:
    """Bytes -> validated request: 400 if it is not a JSON object, 422 naming each field that is wrong."""
    return parse_json_body(body, ChatCompletionRequest)


def parse_json_body(body: bytes, schema: type[SchemaT]) -> SchemaT:
    """Bytes -> a validated `schema`: 400 if it is not a JSON object, 422 naming each field that is wrong."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object", code="invalid_json")
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        message, param = validation_message(exc.errors(include_url=False))
        raise ApiError(422, message, code="invalid_request", param=param) from None

"""POST /v1/chat/completions: admit the request, queue it for a batch, answer as JSON or server-sent events.

The per-request timeout covers waiting in the queue and generating: a request not answered by then is
cancelled (its row leaves the batch) and gets 504, or an error event if its stream had already started.
With routing on, the request goes to the champion or the canary (serving/routing.py), and in shadow mode a
copy goes to the challenger at low priority; every answer, shadow ones included, is logged (serving/online.py).
Bodies follow OpenAI's chat.completion and chat.completion.chunk objects, plus `registry_version`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse

from components.common.generation import SamplingParams, TokenEvent
from serving.batching import DynamicBatcher, Started, Submission
from serving.metrics import ServingMetrics
from serving.model import ModelManager
from serving.online import OnlineLog
from serving.routing import choose_route, routing_key
from serving.schemas import ApiError, ChatCompletionRequest, completion_id, sse, to_sampling_params
from serving.security import parse_chat_request, read_body_limited
from serving.settings import ServingSettings


@dataclass
class Serving:
    """What a chat completion needs from the app."""

    settings: ServingSettings
    manager: ModelManager
    batcher: DynamicBatcher
    metrics: ServingMetrics
    online: OnlineLog


async def chat_completions(request: Request, app: Serving):
    t0 = time.monotonic()
    settings, manager = app.settings, app.manager
    deadline = t0 + settings.request_timeout_s
    req = parse_chat_request(await read_body_limited(request, settings.max_body_bytes))
    check_request(req, settings, manager)
    user = routing_key(req.user, request.headers.get("x-session-id"))
    challenger = manager.challenger
    route = choose_route(settings.routing, settings.canary_fraction, user, challenger is not None)
    messages = [m.as_template_message() for m in req.messages]

    def params(served) -> SamplingParams:  # the request's settings over the answering version's defaults
        return to_sampling_params(req, served.chat, settings.max_tokens_limit)

    target = settings.challenger_alias if route == "canary" else settings.serve_alias
    loop = asyncio.get_running_loop()
    sub = Submission(messages, params, loop, stream=req.stream, target=target, route=route)
    app.batcher.submit(sub)
    cid = completion_id()
    if settings.routing == "shadow" and challenger is not None and app.online.enabled:
        sink = app.online.shadow_sink(cid, messages, user, t0)
        shadow = Submission(
            messages, params, loop, stream=False, target=challenger.alias, route="shadow", sink=sink
        )
        app.batcher.submit_shadow(shadow)
    try:
        started = await next_event(sub, deadline)
        if isinstance(started, ApiError):
            raise started
        done = partial(app.online.answered, cid, started, messages, user, t0)
        body = partial(envelope, cid, started)
        if req.stream:  # from here the stream owns the request (and cancels it if the client goes away)
            chunks = stream_chunks(sub, started, req, deadline, app.metrics, body, done)
            return StreamingResponse(
                chunks, media_type="text/event-stream", headers=response_headers(started)
            )
        event = await next_event(sub, deadline)  # a non-streamed answer comes as one merged event
        if isinstance(event, ApiError):
            raise event
        logprobs = {"content": event.logprobs} if req.logprobs else None
        message = {"role": "assistant", "content": event.text}
        choice = {"index": 0, "message": message, "finish_reason": event.finish_reason, "logprobs": logprobs}
        done(event.text, event.finish_reason, event.completion_tokens)
        usage_ = usage(started.prompt_tokens, event.completion_tokens)
        return JSONResponse(
            body("chat.completion", [choice], usage=usage_), headers=response_headers(started)
        )
    except BaseException:
        sub.cancel()  # error, timeout or the handler cancelled: free its row in the batch
        raise


def check_request(req: ChatCompletionRequest, settings: ServingSettings, manager: ModelManager) -> None:
    """Refuse what no version could answer: not ready, another model, too many tokens asked for."""
    served = manager.current
    if served is None:
        raise ApiError(
            503, "no model version is loaded yet; see GET /ready", type="server_error", code="not_ready"
        )
    if req.model not in {served.name, f"{served.name}@{settings.serve_alias}", settings.model_uri}:
        raise ApiError(
            404,
            f"model {req.model!r} is not served here; this server serves {served.name!r}"
            + ("; the challenger answers only through routing" if manager.challenger else ""),
            code="model_not_found",
            param="model",
        )
    for field, value in (("max_tokens", req.requested_max_tokens), ("min_tokens", req.min_tokens)):
        if value and value > settings.max_tokens_limit:
            raise ApiError(
                400,
                f"{field}={value} is over this server's limit of {settings.max_tokens_limit}",
                code="max_tokens_exceeded",
                param=field,
            )


async def next_event(sub: Submission, deadline: float) -> Started | TokenEvent | ApiError:
    """The request's next event, or 504 (and the request cancelled) once its deadline has passed."""
    try:
        return await asyncio.wait_for(sub.events.get(), timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        sub.cancel()
        raise ApiError(
            504, "request timed out before the answer was complete", type="timeout", code="request_timeout"
        ) from None


def envelope(cid: str, started: Started, kind: str, choices: list, **extra) -> dict:
    """The fields every chat.completion and chat.completion.chunk body carries."""
    served = started.served
    return {
        "id": cid,
        "object": kind,
        "created": int(time.time()),
        "model": served.name,
        "system_fingerprint": served.fingerprint,
        "registry_version": served.version,
        "choices": choices,
        **extra,
    }


async def stream_chunks(
    sub: Submission,
    started: Started,
    req: ChatCompletionRequest,
    deadline: float,
    metrics: ServingMetrics,
    body: Callable[..., dict],
    done: Callable[[str, str, int], None],
) -> AsyncIterator[bytes]:
    """`data: <chunk>` events: the role, content deltas, the finish reason, optional usage, then [DONE].
    `done(answer, finish_reason, completion_tokens)` logs a stream that reached its end."""

    def chunk(delta: dict, finish_reason: str | None = None, logprobs: list | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        if req.logprobs and logprobs is not None:
            choice["logprobs"] = {"content": logprobs}
        return sse(body("chat.completion.chunk", [choice]))

    first_token_at, text = None, []
    try:
        yield chunk({"role": "assistant", "content": ""})
        while True:
            try:
                event = await next_event(sub, deadline)
            except ApiError as exc:
                event = exc
            if isinstance(event, ApiError):
                metrics.errors.labels(type=event.type).inc()
                yield sse(event.body())
                return
            if first_token_at is None and event.text:
                first_token_at = time.monotonic()
                metrics.first_token.observe(first_token_at - sub.enqueued_at)
            text.append(event.text)
            if event.text or event.logprobs:
                yield chunk({"content": event.text}, logprobs=event.logprobs)
            if event.finish_reason:
                yield chunk({}, event.finish_reason)
                if req.stream_options and req.stream_options.include_usage:
                    yield sse(
                        body(
                            "chat.completion.chunk",
                            [],
                            usage=usage(started.prompt_tokens, event.completion_tokens),
                        )
                    )
                yield sse("[DONE]")
                done("".join(text), event.finish_reason, event.completion_tokens)
                return
    finally:
        sub.cancel()  # a no-op when finished; stops generation when the client went away


def usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def response_headers(started: Started) -> dict[str, str]:
    """Which model, version and route answered (the same on JSON and streamed answers)."""
    served = started.served
    return {
        "x-tuneline-model": served.name,
        "x-tuneline-model-version": served.version,
        "x-tuneline-route": started.route,
    }

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
from serving.context_router import ContextRouter, RouteDecision
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
    router: ContextRouter | None = None  # several models served (serving/model_set.py): `model: auto`


async def chat_completions(request: Request, app: Serving):
    t0 = time.monotonic()
    settings = app.settings
    deadline = t0 + settings.request_timeout_s
    req = parse_chat_request(await read_body_limited(request, settings.max_body_bytes))
    messages = [m.as_template_message() for m in req.messages]
    check_limits(req, settings)  # before routing, which costs an embedding
    manager, decision = await choose_model(req, request, messages, app)
    user = routing_key(req.user, request.headers.get("x-session-id"))
    challenger = manager.challenger
    route = choose_route(settings.routing, settings.canary_fraction, user, challenger is not None)

    def params(served) -> SamplingParams:  # the request's settings over the answering version's defaults
        return to_sampling_params(req, served.chat, settings.max_tokens_limit)

    target = manager.settings.challenger_alias if route == "canary" else manager.settings.serve_alias
    model = manager.settings.registered_model_name if app.router is not None else None
    loop = asyncio.get_running_loop()
    sub = Submission(messages, params, loop, stream=req.stream, target=target, route=route, model=model)
    app.batcher.submit(sub)
    cid = completion_id()
    reason = decision.describe() if decision else None
    if settings.routing == "shadow" and challenger is not None and app.online.enabled:
        sink = app.online.shadow_sink(cid, messages, user, t0, reason)
        shadow = Submission(
            messages, params, loop, stream=False, target=challenger.alias, route="shadow", sink=sink,
            model=model,
        )  # fmt: skip
        app.batcher.submit_shadow(shadow)
    try:
        started = await next_event(sub, deadline)
        if isinstance(started, ApiError):
            raise started
        done = partial(app.online.answered, cid, started, messages, user, t0, routing=reason)
        extra = {"routing": decision.as_dict()} if decision else {}
        body = partial(envelope, cid, started, **extra)
        headers = response_headers(started, reason)
        if req.stream:  # from here the stream owns the request (and cancels it if the client goes away)
            chunks = stream_chunks(sub, started, req, deadline, app.metrics, body, done)
            return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)
        event = await next_event(sub, deadline)  # a non-streamed answer comes as one merged event
        if isinstance(event, ApiError):
            raise event
        logprobs = {"content": event.logprobs} if req.logprobs else None
        message = {"role": "assistant", "content": event.text}
        choice = {"index": 0, "message": message, "finish_reason": event.finish_reason, "logprobs": logprobs}
        done(event.text, event.finish_reason, event.completion_tokens)
        usage_ = usage(started.prompt_tokens, event.completion_tokens)
        return JSONResponse(body("chat.completion", [choice], usage=usage_), headers=headers)
    except BaseException:
        sub.cancel()  # error, timeout or the handler cancelled: free its row in the batch
        raise


async def choose_model(
    req: ChatCompletionRequest, request: Request, messages: list[dict[str, str]], app: Serving
) -> tuple[ModelManager, RouteDecision | None]:
    """The registered model that answers: the one named by `model`, or the router's choice for its id.
    Refuses what no model could answer: not ready (503), a model not served here (404)."""
    router, members = app.router, app.manager.members
    if router is not None and req.model == router.policy.router_model:
        meta = request_metadata(req.metadata, request.headers)
        decision = await asyncio.get_running_loop().run_in_executor(
            router.thread, router.route, messages, meta
        )
        app.metrics.context_routed.labels(model=decision.model, by=decision.by).inc()
        member = app.manager.member(decision.model)
        if member.current is None:
            raise ApiError(503, f"{decision.model} is not loaded yet; see GET /ready", type="server_error",
                           code="not_ready")  # fmt: skip
        return member, decision
    if app.manager.current is None:
        raise ApiError(
            503, "no model version is loaded yet; see GET /ready", type="server_error", code="not_ready"
        )
    for member in members:
        s = member.settings
        if req.model in {s.registered_model_name, f"{s.registered_model_name}@{s.serve_alias}", s.model_uri}:
            if member.current is None:
                raise ApiError(503, f"{req.model} is not loaded yet; see GET /ready", type="server_error",
                               code="not_ready")  # fmt: skip
            return member, (RouteDecision(s.registered_model_name, "name") if router else None)
    names = [m.settings.registered_model_name for m in members] + (
        [router.policy.router_model] if router else []
    )
    raise ApiError(
        404,
        f"model {req.model!r} is not served here; this server serves {', '.join(map(repr, names))}"
        + ("; the challenger answers only through routing" if app.manager.challenger else ""),
        code="model_not_found",
        param="model",
    )


def request_metadata(metadata: dict[str, str] | None, headers) -> dict[str, str]:
    """What routing rules match on: the request's `metadata`, overridden by `x-tuneline-<key>` headers."""
    meta = dict(metadata or {})
    for key, value in headers.items():
        if key.lower().startswith("x-tuneline-"):
            meta[key.lower().removeprefix("x-tuneline-")] = value
    return meta


def check_request(req: ChatCompletionRequest, settings: ServingSettings, manager) -> None:
    """One served model (the llama.cpp backend): refuse not ready, another model, too many tokens."""
    if manager.current is None:
        raise ApiError(
            503, "no model version is loaded yet; see GET /ready", type="server_error", code="not_ready"
        )
    if req.model not in {
        manager.current.name,
        f"{manager.current.name}@{settings.serve_alias}",
        settings.model_uri,
    }:
        raise ApiError(404, f"model {req.model!r} is not served here; this server serves "
                       f"{manager.current.name!r}", code="model_not_found", param="model")  # fmt: skip
    check_limits(req, settings)


def check_limits(req: ChatCompletionRequest, settings: ServingSettings) -> None:
    """Refuse token counts over the server's limits."""
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


def envelope(
    cid: str, started: Started, kind: str, choices: list, routing: dict | None = None, **extra
) -> dict:
    """The fields every chat.completion and chat.completion.chunk body carries."""
    served = started.served
    return {
        "id": cid,
        "object": kind,
        "created": int(time.time()),
        "model": served.name,
        "system_fingerprint": served.fingerprint,
        "registry_version": served.version,
        **({"routing": routing} if routing else {}),
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


def response_headers(started: Started, routed_by: str | None = None) -> dict[str, str]:
    """Which model, version and route answered, and why that model (the same on JSON and streamed answers)."""
    served = started.served
    headers = {
        "x-tuneline-model": served.name,
        "x-tuneline-model-version": served.version,
        "x-tuneline-route": started.route,
    }
    return headers | ({"x-tuneline-routed-by": routed_by} if routed_by else {})

"""POST /v1/chat/completions with backend=llama_cpp: admit the request as always, forward it to llama-server.

    app.post("/v1/chat/completions")(lambda request: chat_completions(request, serving))   # serving/app.py

Everything in front of the engine is the transformers path's (serving/completions.py): auth, body limits,
validation, the model name, the max_tokens limit, the timeout (504), response bodies with `registry_version`,
the request log and metrics. The request sent to llama-server is the export check's own (`chat_request` of
components/export_gguf/engines.py: the version's system prompt unless the conversation has one, greedy as
temperature 0, seed 0) with the request's settings over the version's generation defaults read from the file,
so a greedy answer here is the text the check judged. llama-server always streams to this process; a client
that did not ask for a stream gets the joined answer as one JSON body.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, suppress
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse

from components.export_gguf.engines import chat_request
from serving.batching import Started
from serving.completions import Serving, check_request, envelope, usage
from serving.llama_server import BACKEND, LlamaServed
from serving.routing import routing_key
from serving.schemas import ApiError, ChatCompletionRequest, completion_id, sse, to_sampling_params
from serving.security import parse_chat_request, read_body_limited


def upstream_body(req: ChatCompletionRequest, served: LlamaServed, messages: list[dict], limit: int) -> dict:
    """llama-server's request: the check's request for the request's settings over the version's defaults."""
    params = to_sampling_params(req, served, limit)
    if req.min_tokens and req.min_tokens < params.max_new_tokens:
        raise ApiError(
            400,
            f"min_tokens={req.min_tokens} below max_tokens={params.max_new_tokens} is not served by the llama_cpp "
            "backend (llama.cpp has no minimum length); min_tokens equal to max_tokens fixes the length",
            code="unsupported_parameter",
            param="min_tokens",
        )
    generation = {"max_new_tokens": params.max_new_tokens, "do_sample": params.do_sample,
                  "temperature": params.temperature, "top_p": params.top_p,
                  "repetition_penalty": params.repetition_penalty,
                  "min_new_tokens": req.min_tokens}  # fmt: skip
    body = chat_request(messages, served.system_prompt, generation)
    if params.seed is not None:
        body["seed"] = params.seed
    elif params.sampled:
        del body["seed"]  # sampled without a seed: a fresh draw each time, as on the transformers backend
    body |= {"stop": list(params.stop)} if params.stop else {}
    body |= {"frequency_penalty": params.frequency_penalty} if params.frequency_penalty else {}
    body |= {"presence_penalty": params.presence_penalty} if params.presence_penalty else {}
    body |= {"logprobs": True, "top_logprobs": params.top_logprobs} if params.logprobs else {}
    return body | {"stream": True, "stream_options": {"include_usage": True}}


class Upstream:
    """One streamed chat completion from llama-server (blocking; called through the thread pool)."""

    def __init__(self, served: LlamaServed, timeout: float):
        address = urlsplit(served.url)
        self.conn = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
        self.api_key, self.version = served.api_key, served.ref.uri
        self.response: http.client.HTTPResponse | None = None

    def open(self, body: dict) -> Iterator[dict]:
        """Send the request; its chunks as dicts once llama-server accepted it, else the error as an ApiError."""
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"}
        try:
            self.conn.request("POST", "/v1/chat/completions", json.dumps(body).encode(), headers)
            self.response = self.conn.getresponse()
        except OSError as exc:
            raise ApiError(503, f"llama-server for {self.version} is not answering: {exc}",
                           type="server_error", code="backend_unavailable") from None  # fmt: skip
        if self.response.status != 200:
            raise upstream_error(self.response.status, self.response.read())
        return self.chunks()

    def chunks(self) -> Iterator[dict]:
        assert self.response is not None
        for raw in self.response:
            line = raw.strip()
            if line.startswith(b"error:"):
                raise upstream_error(500, line.removeprefix(b"error:"))
            if not line.startswith(b"data:"):
                continue
            data = line.removeprefix(b"data:").strip()
            if data == b"[DONE]":
                return
            chunk = json.loads(data)
            if "error" in chunk:
                raise upstream_error(500, data)
            yield chunk

    def close(self) -> None:
        """Drop the connection (also from another thread): llama-server stops generating for it."""
        sock = self.conn.sock
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()


def upstream_error(status: int, raw: bytes) -> ApiError:
    """llama-server's error as tuneline's: a request it refuses is the client's (400), anything else ours."""
    try:
        error = json.loads(raw).get("error", {})
    except (ValueError, AttributeError):
        error = {}
    message = error.get("message") if isinstance(error, dict) else None
    message = f"llama-server: {message or raw[:300].decode(errors='replace')}"
    if status == 400:
        context = error.get("type") == "exceed_context_size_error"
        code, param = ("context_length_exceeded", "messages") if context else (None, None)
        return ApiError(400, message, code=code, param=param)
    return ApiError(502 if status != 503 else 503, message, type="server_error", code="backend_error")


async def within(deadline: float, call: Callable[[], Any], upstream: Upstream) -> Any:
    """`call()` on a worker thread, or 504 (and the connection dropped) once the request's deadline passed;
    a connection that breaks off is 502."""
    work = to_thread.run_sync(call, abandon_on_cancel=True)  # a cancelled wait leaves the thread to the close
    try:
        return await asyncio.wait_for(work, timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        upstream.close()
        raise ApiError(
            504, "request timed out before the answer was complete", type="timeout", code="request_timeout"
        ) from None
    except ApiError:
        raise
    except Exception as exc:  # reset, cut short, not JSON: the process died or misbehaved mid-answer
        raise ApiError(502, f"llama-server for {upstream.version} broke off the answer: {type(exc).__name__}: "
                       f"{exc}", type="server_error", code="backend_error") from None  # fmt: skip


async def chat_completions(request: Request, app: Serving):
    t0 = time.monotonic()
    settings, manager, metrics = app.settings, app.manager, app.metrics
    deadline = t0 + settings.request_timeout_s
    req = parse_chat_request(await read_body_limited(request, settings.max_body_bytes))
    check_request(req, settings, manager)
    user = routing_key(req.user, request.headers.get("x-session-id"))
    messages = [m.as_template_message() for m in req.messages]
    with ExitStack() as cleanup:  # the stream takes the lease and the connection over once it starts
        served = cleanup.enter_context(manager.lease())
        body = upstream_body(req, served, messages, settings.max_tokens_limit)
        upstream = Upstream(served, settings.request_timeout_s)
        cleanup.callback(upstream.close)
        chunks = await within(deadline, partial(upstream.open, body), upstream)
        metrics.routed.labels(route="champion", version=served.version).inc()
        cid, answer = completion_id(), Answer(served, req, metrics, t0)
        body_of = partial(envelope, cid, Started(served, 0), backend=BACKEND, export=served.export.uri)
        headers = response_headers(served)
        done = partial(answer.log, app, cid, messages, user)
        if req.stream:
            stream = stream_chunks(chunks, upstream, deadline, answer, body_of, done, cleanup.pop_all())
            return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
        while (chunk := await within(deadline, partial(next, chunks, None), upstream)) is not None:
            answer.add(chunk)
        done()
        choice = {"index": 0, "message": {"role": "assistant", "content": answer.text},
                  "finish_reason": answer.finish_reason, "logprobs": answer.logprobs_field()}  # fmt: skip
        return JSONResponse(body_of("chat.completion", [choice], usage=answer.usage()), headers=headers)


class Answer:
    """What the chunks of one answer add up to: text, finish reason, token counts, logprobs."""

    def __init__(self, served: LlamaServed, req: ChatCompletionRequest, metrics, t0: float):
        self.served, self.req, self.metrics, self.t0 = served, req, metrics, t0
        self.parts: list[str] = []
        self.logprobs: list[dict] = []
        self.finish_reason: str | None = None
        self.prompt_tokens = self.completion_tokens = 0
        self.first_token_at: float | None = None

    def add(self, chunk: dict) -> tuple[str, list[dict], str | None]:
        """Take one upstream chunk; its (text, logprobs, finish reason)."""
        if chunk.get("usage"):
            self.prompt_tokens = chunk["usage"].get("prompt_tokens", 0)
            self.completion_tokens = chunk["usage"].get("completion_tokens", 0)
        choice = (chunk.get("choices") or [{}])[0]
        text = (choice.get("delta") or {}).get("content") or ""
        logprobs = ((choice.get("logprobs") or {}).get("content")) or []
        if text and self.first_token_at is None and self.req.stream:  # streamed answers, as on transformers
            self.first_token_at = time.monotonic()
            self.metrics.first_token.observe(self.first_token_at - self.t0)
        self.parts.append(text)
        self.logprobs += logprobs
        self.finish_reason = choice.get("finish_reason") or self.finish_reason
        return text, logprobs, choice.get("finish_reason")

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def usage(self) -> dict:
        return usage(self.prompt_tokens, self.completion_tokens)

    def logprobs_field(self) -> dict | None:
        return {"content": self.logprobs} if self.req.logprobs else None

    def log(self, app: Serving, cid: str, messages: list[dict], user: str | None) -> None:
        """Count the answer and write it to the request log, naming the version, the backend and the export."""
        self.metrics.tokens_generated.inc(self.completion_tokens)
        self.metrics.prompt_tokens.inc(self.prompt_tokens)
        logged = LoggedAs(self.served.logged_name, self.served.version)
        started = Started(logged, self.prompt_tokens)  # type: ignore[arg-type]
        app.online.answered(cid, started, messages, user, self.t0, self.text, self.finish_reason,
                            self.completion_tokens)  # fmt: skip


class LoggedAs:
    """The name and version the request log records for an answer (OnlineLog reads `.name`, `.version`)."""

    def __init__(self, name: str, version: str):
        self.name, self.version = name, version


async def stream_chunks(
    chunks: Iterator[dict],
    upstream: Upstream,
    deadline: float,
    answer: Answer,
    body_of: Callable[..., dict],
    done: Callable[[], None],
    cleanup: ExitStack,
) -> AsyncIterator[bytes]:
    """`data: <chunk>` events as the transformers backend sends them: the role, content deltas, the finish
    reason, optional usage, then [DONE]; an error after the stream started is one error event."""
    req = answer.req

    def event(delta: dict, finish_reason: str | None = None, logprobs: list | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        if req.logprobs and logprobs:
            choice["logprobs"] = {"content": logprobs}
        return sse(body_of("chat.completion.chunk", [choice]))

    with cleanup:
        yield event({"role": "assistant", "content": ""})
        try:
            while (chunk := await within(deadline, partial(next, chunks, None), upstream)) is not None:
                text, logprobs, finish_reason = answer.add(chunk)
                if text or logprobs:
                    yield event({"content": text}, logprobs=logprobs)
                if finish_reason:
                    yield event({}, finish_reason)
        except ApiError as exc:
            answer.metrics.errors.labels(type=exc.type).inc()
            yield sse(exc.body())
            return
        if req.stream_options and req.stream_options.include_usage:
            yield sse(body_of("chat.completion.chunk", [], usage=answer.usage()))
        yield sse("[DONE]")
        done()


def response_headers(served: LlamaServed) -> dict[str, str]:
    """Which model, version, route and backend answered (the same on JSON and streamed answers)."""
    return {
        "x-tuneline-model": served.name,
        "x-tuneline-model-version": served.version,
        "x-tuneline-route": "champion",
        "x-tuneline-backend": BACKEND,
        "x-tuneline-export": served.export.uri,
    }

"""Dynamic batching: requests that arrive within a short window are generated together on one thread.

    batcher = DynamicBatcher(manager.get, settings, metrics); batcher.start()
    submission = Submission(messages, resolve_params, loop=asyncio.get_running_loop()); batcher.submit(submission)
    event = await submission.events.get()      # Started, then TokenEvents until one has a finish_reason

One thread owns the model(s): it takes the first waiting request, waits up to `batch_window_ms` (counted from
when that request arrived, or from the end of the previous batch, whichever is later, so clients answered
together come back together) for more, up to `max_batch_size` (serving/work_queue.py), and decodes them
through the generation backend (components/common/generation.py), one call per model: champion and canary
rows over one base share it, each row naming its version's adapter. Where one merged version is served with
continuous batching (components/common/continuous.py), the thread only hands what waits to the running
batch, up to its free slots, and goes back for more; the manager's thread decodes. The window applies only
while nothing is in flight (requests that start together decode as evaluation's batch did); a request that
arrives while others decode joins them at the next step. Each row is answered by the version its
alias pointed at when the batch started (the served alias's if its target has none), so a hot swap never
changes a batch halfway. Shadow submissions (`submit_shadow`) run only when no client request waits, and
report to a callback instead.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from components.common.continuous import ContinuousBackend, continuous_ok
from components.common.generation import GenerationRequest, SamplingParams, TokenEvent
from serving.metrics import ServingMetrics
from serving.schemas import ApiError
from serving.served import ServedModel
from serving.settings import ServingSettings
from serving.work_queue import WorkQueue

log = logging.getLogger("tuneline.serving")


@dataclass
class Started:
    """First event of an accepted request: which version answers and how long the prompt is."""

    served: ServedModel
    prompt_tokens: int
    route: str = "champion"  # champion | canary | shadow: how the request reached `served`


@dataclass
class Submission:
    """One chat request waiting for (or inside) a batch; events come back on `events` in its event loop."""

    messages: list[dict[str, str]]
    resolve_params: Callable[[ServedModel], SamplingParams]  # request + the answering version's defaults
    loop: asyncio.AbstractEventLoop
    events: asyncio.Queue = field(default_factory=asyncio.Queue)
    stream: bool = True  # False: token events are merged and handed over once, when the answer is done
    target: str = "champion"  # alias whose version should answer
    model: str | None = None  # registered model, where several are served (None: the primary)
    route: str = "champion"  # champion | canary | shadow
    sink: Callable[[Started | TokenEvent | ApiError], None] | None = None  # shadow: events go here instead
    enqueued_at: float = field(default_factory=time.monotonic)
    cancelled: bool = False
    request: GenerationRequest | None = None  # set when the request is admitted to a batch
    _held: list[TokenEvent] = field(default_factory=list)

    def post(self, event: Started | TokenEvent | ApiError) -> None:
        """Hand an event to the request's event loop (called from the batch thread)."""
        if not self.stream and isinstance(event, TokenEvent):
            self._held.append(event)
            if event.finish_reason is None:
                return  # nobody reads partial text of a non-streamed answer: spare the event loop a wake-up
            event = merge_events(self._held)
        if self.sink is not None:  # called on the batch thread; nobody awaits a shadow answer
            self.sink(event)
            return
        try:
            self.loop.call_soon_threadsafe(self.events.put_nowait, event)
        except RuntimeError:  # the loop is closed: the server is shutting down
            self.cancel()

    def cancel(self) -> None:
        """Stop generating for this request (timeout or client gone); the batch drops it at the next step."""
        self.cancelled = True
        if self.request is not None:
            self.request.cancelled = True

    @property
    def shadow(self) -> bool:
        return self.route == "shadow"


def merge_events(events: list[TokenEvent]) -> TokenEvent:
    """One event holding the text and logprobs of several, with the last one's finish reason and count."""
    logprobs = [entry for event in events for entry in event.logprobs]
    last = events[-1]
    return TokenEvent("".join(e.text for e in events), logprobs, last.finish_reason, last.completion_tokens)


class DynamicBatcher:
    def __init__(
        self,
        models: Callable[[str, str | None], ServedModel | None],
        settings: ServingSettings,
        metrics: ServingMetrics,
    ):
        self.models = models  # (alias, registered model or None) -> the version serving it now (or None)
        self.settings = settings
        self.metrics = metrics
        self.work = WorkQueue()
        self.last_batch_end = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.torch_threads = 0  # torch threads of the batch thread (0: not a torch backend)
        self._default_threads = 0  # the process's torch threads before start, restored by stop

    def start(self) -> None:
        """Start the batch thread. It alone runs torch's parallel ops, on `torch_threads` cores (0: torch's
        default); every thread that starts torch work after it (loads and warm-ups, the router's embeddings)
        runs it on one. Why: libgomp counts the threads of every OpenMP team any thread has started, idle or
        not, and once they outnumber the cores it stops spin-waiting between parallel regions, so each of the
        hundreds of small ops of a decode step waits for its workers to wake up. The alias controller's team
        (from loading a version) cost 1.35x in req/s at c=8 for one merged version and 2.4x for a canary,
        whose unmerged LoRA has the most small ops (`python bench/serving_bench.py [--online]`)."""
        ready, wanted = threading.Event(), 0
        if self.settings.backend == "transformers":
            import torch

            self._default_threads = torch.get_num_threads()
            wanted = self.settings.torch_threads or self._default_threads
        self._thread = threading.Thread(
            target=self._run, args=(ready, wanted), name="tuneline-batcher", daemon=True
        )
        self._thread.start()
        ready.wait()
        if wanted:
            torch.set_num_threads(1)  # this thread, and the default of every thread that starts torch later

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        if self._default_threads:  # the process's default back (tests run several apps in one process)
            import torch

            torch.set_num_threads(self._default_threads)

    def submit(self, submission: Submission) -> None:
        if self.work.primary >= self.settings.max_queued_requests:
            raise ApiError(
                429,
                f"server busy: {self.settings.max_queued_requests} requests already waiting; retry shortly",
                type="server_busy",
                code="queue_full",
                headers={"Retry-After": "1"},
            )
        self.work.put(submission)
        self.metrics.queue_depth.set(self.work.primary)

    def submit_shadow(self, submission: Submission) -> None:
        """Queue low-priority work for the challenger; skipped (and counted) when its backlog is full."""
        if self.work.shadow >= self.settings.max_queued_requests:
            self.metrics.shadow_dropped.inc()
            return
        self.work.put(submission)

    def _run(self, ready: threading.Event, torch_threads: int) -> None:
        try:
            if torch_threads:
                import torch

                torch.get_num_threads()  # torch's per-thread setup first, or it would overwrite the count below
                torch.set_num_threads(torch_threads)
                self.torch_threads = torch.get_num_threads()
        finally:
            ready.set()  # `start` waits for this
        while not self._stop.is_set():
            batch = self.collect()
            if batch:
                self.run(batch)
                self.last_batch_end = time.monotonic()

    def collect(self) -> list[Submission]:
        """The first waiting request plus whatever else for its target arrives within the window. Where the
        served version decodes continuously: what waits now, up to the free slots of its running batch."""
        window, limit = self.settings.batch_window_ms / 1000, self.settings.max_batch_size
        if (continuous := self.continuous()) is not None:  # a window only while nothing is in flight
            if not continuous.wait_for_slot(timeout=0.2):
                return []
            window, limit = (window if continuous.in_flight == 0 else 0.0), limit - continuous.in_flight
        batch = self.work.next_batch(limit, window, self.last_batch_end)
        self.metrics.queue_depth.set(self.work.primary)
        return [s for s in batch if not s.cancelled]

    def continuous(self) -> ContinuousBackend | None:
        """The served version's continuous-batching backend while it runs (one merged version), else None."""
        if self.settings.backend != "transformers" or not self.settings.continuous_batching:
            return None
        served = self.models(self.settings.serve_alias, None)
        backend = served.chat.backend if served is not None else None
        return backend if isinstance(backend, ContinuousBackend) and backend.running else None

    def run(self, batch: list[Submission]) -> None:
        """Decode the batch on its targets' versions: one `generate` per model, so champion and challenger
        rows over one base share a forward pass (mixed adapters). A version swapped out meanwhile is picked
        again."""
        for _ in range(3):
            hosts: dict[int, list[tuple[Submission, ServedModel]]] = {}
            for sub in batch:
                served = self.pick(sub)
                if served is None:
                    self.unanswered([sub])
                else:
                    hosts.setdefault(id(served.chat.model), []).append((sub, served))
            batch = []
            for rows in hosts.values():
                with rows[0][1].lock:
                    if any(served.retired for _, served in rows):
                        batch += [sub for sub, _ in rows]
                    else:
                        self.generate(rows)
            if not batch:
                return
        self.unanswered(batch)

    def unanswered(self, subs: list[Submission]) -> None:
        if subs[0].shadow:
            self.metrics.shadow_dropped.inc(len(subs))
            return
        for sub in subs:
            sub.post(ApiError(503, "no model version is loaded yet", type="server_error", code="not_ready"))

    def pick(self, sub: Submission) -> ServedModel | None:
        """The target alias's version; a client request falls back to the served alias's (a shadow does not)."""
        served = self.models(sub.target, sub.model)
        return (
            served if served is not None or sub.shadow else self.models(self.settings.serve_alias, sub.model)
        )

    def generate(self, rows: list[tuple[Submission, ServedModel]]) -> None:
        """Tokenize each request with its version, decode them in one backend call, report errors to each."""
        requests = [req for sub, served in rows if (req := self._admit(sub, served)) is not None]
        if not requests:
            return
        self.metrics.batch_size.observe(len(requests))
        self.metrics.prompt_tokens.inc(sum(len(r.prompt_ids) for r in requests))
        backend = rows[0][1].chat.backend
        try:
            if isinstance(backend, ContinuousBackend) and backend.running:  # joins the running batch
                backend.submit_all([r for r in requests if continuous_ok(r.params)])
                requests = [r for r in requests if not continuous_ok(r.params)]  # sampling, logprobs...
            if requests:
                backend.decode(requests)
        except Exception as exc:
            log.exception("batch of %d failed on version %s", len(requests), rows[0][1].version)
            for sub, _ in rows:
                if sub.request is not None and not sub.request.cancelled:
                    sub.post(ApiError(500, f"generation failed: {type(exc).__name__}", type="server_error"))

    def _admit(self, sub: Submission, served: ServedModel) -> GenerationRequest | None:
        """Render and tokenize the request with the answering version; refuse prompts over the limits."""
        try:
            prompt_ids = served.chat.prompt_ids(sub.messages)
            params = sub.resolve_params(served)
            check_lengths(len(prompt_ids), params.max_new_tokens, served, self.settings)
        except ApiError as exc:
            sub.post(exc)
            return None
        except Exception as exc:  # e.g. a chat template that rejects the role order: the client's input
            sub.post(ApiError(400, f"cannot render the conversation: {exc}", param="messages"))
            return None
        sub.request = GenerationRequest(
            prompt_ids, params, served.adapter_name, self._counted(sub), lambda exc: self._failed(sub, exc)
        )
        sub.request.cancelled = sub.cancelled
        route = sub.route if served.alias == sub.target else "champion"  # a canary fell back: champion
        self.metrics.routed.labels(route=route, version=served.version).inc()
        sub.post(Started(served, len(prompt_ids), route))
        return sub.request

    def _failed(self, sub: Submission, exc: Exception) -> None:
        """A request that failed on a backend's own thread (continuous batching)."""
        log.error("request failed on version %s: %s", sub.request and sub.request.adapter, exc)
        sub.post(ApiError(500, f"generation failed: {type(exc).__name__}", type="server_error"))

    def _counted(self, sub: Submission) -> Callable[[TokenEvent], None]:
        def post(event: TokenEvent) -> None:
            if event.finish_reason is not None:
                self.metrics.tokens_generated.inc(event.completion_tokens)
            sub.post(event)

        return post


def check_lengths(
    prompt_tokens: int, max_new_tokens: int, served: ServedModel, settings: ServingSettings
) -> None:
    """Prompt within `max_prompt_tokens`, and prompt + answer within the model's context window."""
    if prompt_tokens > settings.max_prompt_tokens:
        raise ApiError(
            400,
            f"prompt is {prompt_tokens} tokens (with the system prompt and chat template); "
            f"this server accepts at most {settings.max_prompt_tokens}",
            code="context_length_exceeded",
            param="messages",
        )
    context: Any = getattr(served.chat.model.config, "max_position_embeddings", None)
    if isinstance(context, int) and prompt_tokens + max_new_tokens > context:
        raise ApiError(
            400,
            f"prompt ({prompt_tokens} tokens) + max_tokens ({max_new_tokens}) exceeds the model's "
            f"context window of {context} tokens",
            code="context_length_exceeded",
            param="max_tokens",
        )

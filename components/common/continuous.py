"""The generation backend on transformers' continuous batching: a request joins the running batch at the next step.

    backend = ContinuousBackend(model, tokenizer, max_in_flight=8, max_tokens=1024)   # a plain (merged) model
    [done] = backend.decode([GenerationRequest(prompt_ids, SamplingParams(max_new_tokens=64))])  # evaluation
    backend.start(); backend.submit(request); ...; backend.stop()                            # serving

The engine is transformers' continuous-batching manager (`init_continuous_batching`). Serving starts it on
a thread of its own, which decodes every request in flight, one forward pass per step over a flattened batch with a paged KV cache, and a request
added meanwhile joins at the next step instead of waiting for the batch's longest row. tuneline adds what
serving needs per request on top, with the same `RowState` the `generate` backend uses: text as it becomes
certain, stop sequences, cancellation, finish reason and token counts; a request that stops on a stop
sequence or is cancelled is cancelled in the manager. `decode` with no manager running (evaluation, the round
trip) adds its batch and runs the manager's loop on the calling thread until it is done.

Which requests: greedy ones (what evaluation judges). Sampling, logprobs, penalties and a minimum length
decode through `generate` (`TransformersBackend`) on the caller's thread, on one torch thread while the
manager runs, so that the manager's OpenMP team stays the only one (docs/serving.md, "Threads").

Bytes: requests added together to an idle manager (`submit_all`, as `decode` adds evaluation's batch and the
server its first window) decode the same way every time. A request that joins a batch already running is
summed with other company, and where two tokens' logits nearly tie (the tests' tiny random model) a greedy
token can flip; on SmolLM2, `python bench/batch_invariance.py --golden data/raw/golden.jsonl --prompts 32`
gave 32 of 32 answers identical for every way of batching (alone, together, staggered, and on `generate`).
So evaluation, the round trip and serving decode through this engine in the same mode (the evaluation
report records `continuous_batching`), and the parity test asks the evaluated batch together.

Opt-in (`TUNELINE_CONTINUOUS_BATCHING=true` with evaluate's `continuous_batching: true`): in the server on 2
CPU cores it measured slower than windowed `generate` at c=1, for a burst of 8 and at p95 under staggered
load, faster only at p50 under staggered load (docs/serving.md, "Batching").
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import weakref
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

from components.common.generation import (
    Completion,
    GenerationRequest,
    RowState,
    SamplingParams,
    TransformersBackend,
    end_ids,
)

DECODER = "transformers-continuous/1"  # in evaluation cache keys (generation.DECODER: `generate`)
PAGE_TOKENS = 256  # KV cache page size (transformers' default)
# transformers' CB logger says at INFO, for every manager, what it chose (no flash attention, no CUDA graphs, the
# cache size); a batch of evaluation is not news: warnings and errors only
logging.getLogger("ContinuousBatchingLogger").setLevel(logging.WARNING)


def continuous_ok(params: SamplingParams) -> bool:
    """Whether the manager decodes this request exactly as asked (else `generate` does). A minimum length is
    not: `generate` keeps the end-of-turn token from being chosen before it, the manager has no such rule."""
    penalties = params.repetition_penalty != 1.0 or params.frequency_penalty or params.presence_penalty
    return not params.sampled and not params.logprobs and not penalties and not params.min_new_tokens


def feed(state: RowState, generated: list[int]) -> None:
    """Push the tokens of a result (the manager's whole answer so far) that the row has not seen yet."""
    for token in generated[len(state.tokens) :]:
        state.push(token)
        if state.finished:
            break


class Pending:
    """A submitted request: `done` is set when it finished (or failed); `result()` then gives its completion."""

    def __init__(self, state: RowState):
        self.state, self.done, self.error = state, threading.Event(), None

    def result(self) -> Completion:
        self.done.wait()
        if self.error is not None:
            raise RuntimeError(f"continuous batching failed: {self.error}") from self.error
        return self.state.completion()


class ContinuousBackend:
    """`GenerationBackend` on a started continuous-batching manager over one plain model."""

    def __init__(self, model, tokenizer, max_in_flight: int = 8, max_tokens: int = 1024, threads: int = 0):
        self.model, self.tokenizer = model, tokenizer
        self.end_ids = end_ids(tokenizer, model)
        self.max_in_flight, self.max_tokens = max_in_flight, max_tokens
        self.threads = threads  # torch threads of the manager's thread (0: the starting thread's count)
        self.fallback = TransformersBackend(model, tokenizer)
        self._manager = None
        self._states: dict[str, Pending] = {}
        self._lock = threading.Lock()
        self._slot = threading.Condition(self._lock)
        self._ids = itertools.count()
        self._dispatcher: threading.Thread | None = None
        # `_decode_here`'s manager and its capacity; dropped at exit at the latest, while torch is still there
        # (the manager's batch processor cleans up in `__del__`, which fails once the interpreter tears down)
        self._inline: list[tuple[Any, tuple[int, int, int]]] = []
        self._inline_lock = threading.Lock()
        weakref.finalize(self, self._inline.clear)
        self.error: str | None = None  # why the manager stopped, when it failed

    @property
    def running(self) -> bool:
        return self._manager is not None

    @property
    def in_flight(self) -> int:
        return len(self._states)

    def _capacity(self, requests: Sequence[GenerationRequest] = ()) -> tuple[int, int, int]:
        """(KV pages, tokens a step takes, requests a step takes): every request in flight at its longest
        (given `requests`: exactly theirs, else `max_in_flight` of `max_tokens`), and every prompt of the batch
        in one step (else the longest prompt); the dense attention mask is a step's tokens x cached tokens."""
        sizes = [len(r.prompt_ids) + r.params.max_new_tokens for r in requests]
        sizes = sizes or [self.max_tokens] * self.max_in_flight
        step_tokens = sum(len(r.prompt_ids) for r in requests) or self.max_tokens
        return sum(-(-size // PAGE_TOKENS) for size in sizes), max(step_tokens, len(sizes)), len(sizes)

    def _new_manager(self, capacity: tuple[int, int, int]):
        """A continuous-batching manager over the model with that capacity (`_capacity`), not started."""
        from transformers import GenerationConfig
        from transformers.generation.configuration_utils import ContinuousBatchingConfig

        pages, step_tokens, step_requests = capacity
        config = ContinuousBatchingConfig(
            page_size=PAGE_TOKENS,
            num_blocks=pages,
            max_batch_tokens=step_tokens,
            max_requests_per_batch=step_requests,
        )
        greedy = GenerationConfig(do_sample=False, eos_token_id=sorted(self.end_ids), pad_token_id=self.tokenizer.pad_token_id)  # fmt: skip
        return self.model.init_continuous_batching(
            generation_config=greedy, continuous_batching_config=config
        )

    def _add(self, manager, rid: str, request: GenerationRequest, streaming: bool) -> None:
        manager.add_request(
            request.prompt_ids,
            request_id=rid,
            max_new_tokens=request.params.max_new_tokens,
            streaming=streaming,
            eos_token_id=sorted(self.end_ids),
        )

    def start(self) -> None:
        """Start a manager on its own thread (it takes `threads` torch threads) and the thread that reads its
        results, for requests added as they come (`submit`)."""
        import torch

        if self._manager is not None:
            return
        manager = self._new_manager(self._capacity())
        threads = self.threads or torch.get_num_threads()
        loop = manager._run_generation_loop  # the thread's body: set its torch threads first

        def generation_loop(**kwargs: Any) -> None:
            torch.set_num_threads(threads)
            loop(**kwargs)

        manager._run_generation_loop = generation_loop
        with torch.inference_mode():  # the manager's thread runs in the caller's inference mode
            manager.start()
        while manager.batch_processor is None:  # its cache is built on its thread: wait, or say why it failed
            if not manager.is_running():
                failure = manager.background_thread_status.fatal_error
                why = f"{type(failure).__name__}: {failure}" if failure else "its thread ended"
                raise RuntimeError(f"continuous batching could not start: {why}")
            time.sleep(0.01)
        self._manager, self.error = manager, None
        self._dispatcher = threading.Thread(target=self._dispatch, name="tuneline-cb-results", daemon=True)
        self._dispatcher.start()

    def stop(self) -> None:
        """Let the requests in flight finish, then stop the manager's thread."""
        manager, self._manager = self._manager, None
        if manager is None:
            return
        manager.stop(block=True, timeout=600)
        if self._dispatcher is not None:
            self._dispatcher.join(timeout=30)
        self._fail_all(RuntimeError("the generation backend stopped before this request finished"))

    @contextmanager
    def session(self):
        """The manager started for the block (already running: left running)."""
        started = self._manager is None
        if started:
            self.start()
        try:
            yield self
        finally:
            if started:
                self.stop()

    def submit(self, request: GenerationRequest) -> Pending:
        """Add one request (the manager must be running). Its text streams to `request.on_event`; a failure
        after this returns goes to `request.on_error`."""
        if self._manager is None:
            raise RuntimeError(f"the continuous-batching manager is not running{f': {self.error}' if self.error else ''}")  # fmt: skip
        pending, rid = Pending(RowState(request, self.tokenizer, self.end_ids)), f"r{next(self._ids)}"
        with self._lock:
            self._states[rid] = pending
        self._add(self._manager, rid, request, streaming=request.on_event is not None)
        return pending

    def submit_all(self, requests: Sequence[GenerationRequest]) -> list[Pending]:
        """Add requests so that they enter the running batch at the same step, in canonical order (by prompt
        ids), as `decode` adds its batch: requests that start together in an idle manager decode exactly as
        evaluation decoded them. (The manager's loop is paused while they are added: up to one step's wait.)"""
        if self._manager is None:
            return [self.submit(r) for r in requests]  # raises: not running
        order = sorted(range(len(requests)), key=lambda i: requests[i].prompt_ids)
        with self._manager.pause():
            pending = {i: self.submit(requests[i]) for i in order}
        return [pending[i] for i in range(len(requests))]

    def wait_for_slot(self, timeout: float) -> bool:
        """Block until fewer than `max_in_flight` requests are in flight (or `timeout` s passed)."""
        with self._slot:
            return self._slot.wait_for(lambda: len(self._states) < self.max_in_flight, timeout)

    def decode(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        """Greedy requests through the manager (all added at once), the rest through `generate`; in order."""
        out: dict[int, Completion] = {}
        rest = [i for i, r in enumerate(requests) if not continuous_ok(r.params)]
        if rest:
            out.update(zip(rest, self._fallback([requests[i] for i in rest]), strict=True))
        greedy = [i for i in range(len(requests)) if i not in out]
        if greedy and self._manager is not None:  # serving: into the running batch
            pending = self.submit_all([requests[i] for i in greedy])
            out.update((i, p.result()) for i, p in zip(greedy, pending, strict=True))
        elif greedy:
            out.update(zip(greedy, self._decode_here([requests[i] for i in greedy]), strict=True))
        return [out[i] for i in range(len(requests))]

    def _decode_here(self, requests: list[GenerationRequest]) -> list[Completion]:
        """One batch on the calling thread: its requests added in canonical order (so they enter at one step,
        as `submit_all` adds them), then the manager's loop run here until all are done. No second thread: no
        second OpenMP team beside the caller's, and nothing to stop."""
        with self._inline_lock:  # one loop at a time on the kept manager: a pyfunc server predicts on threads
            return self._decode_locked(requests)

    def _decode_locked(self, requests: list[GenerationRequest]) -> list[Completion]:
        import torch
        from transformers.generation.continuous_batching.continuous_api import BackgroundThreadStatus

        manager = self._inline_manager(self._capacity(requests))
        states: dict[str, tuple[int, RowState]] = {}
        for i in sorted(range(len(requests)), key=lambda i: requests[i].prompt_ids):
            rid = f"r{next(self._ids)}"
            states[rid] = (i, RowState(requests[i], self.tokenizer, self.end_ids))
            self._add(manager, rid, requests[i], streaming=False)
        manager.background_thread_status.request_stop(BackgroundThreadStatus.FLUSH_AND_STOP, 0)
        with torch.inference_mode():
            manager._run_generation_loop(use_inference_mode=True)  # returns once every request finished
        if (original := getattr(manager, "_original_attn_impl", None)) is not None:
            self.model.set_attn_implementation(original)  # what `stop` restores (eager runs as paged|eager)
        if (failure := manager.background_thread_status.fatal_error) is not None:
            raise RuntimeError(
                f"continuous batching failed: {type(failure).__name__}: {failure}"
            ) from failure
        out: dict[int, Completion] = {}
        queue = manager.output_router.output_queue
        while not queue.empty():
            result = queue.get_nowait()
            i, state = states[result.request_id]
            if result.error:
                raise RuntimeError(f"continuous batching failed on a request: {result.error}")
            feed(state, result.generated_tokens)
            out[i] = state.completion()
        return [out[i] for i in range(len(requests))]

    def _inline_manager(self, capacity: tuple[int, int, int]):
        """The manager `_decode_here` runs, kept between batches while they fit it: dropping a manager costs a
        full `gc.collect` (its batch processor's `__del__`), about 0.2-0.5 s a call."""
        if self._inline and all(
            have >= want for have, want in zip(self._inline[0][1], capacity, strict=True)
        ):
            manager = self._inline[0][0]
            manager.background_thread_status.clear()  # stopped after the last batch: accept requests again
            return manager
        self._inline[:] = [(self._new_manager(capacity), capacity)]
        return self._inline[0][0]

    def _fallback(self, requests: list[GenerationRequest]) -> list[Completion]:
        """`generate` for requests the manager cannot decode exactly; on one torch thread while it runs."""
        if self._manager is None:
            return self.fallback.decode(requests)
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self.fallback.decode(requests)
        finally:
            torch.set_num_threads(threads)

    def _dispatch(self) -> None:
        """Feed each result's new tokens to its request's state; cancel in the manager what finished early."""
        manager = self._manager
        while manager.is_running() or not manager.output_router.output_queue.empty():
            for rid, pending in list(self._states.items()):
                if pending.state.request.cancelled:
                    manager.cancel_request(rid)
                    self._finish(rid)
            result = manager.get_result(timeout=0.05)
            pending = self._states.get(result.request_id) if result is not None else None
            if pending is None:  # nothing new, or finished here already (stop sequence, cancelled)
                continue
            if result.error:
                self._finish(result.request_id, RuntimeError(result.error))
                continue
            state = pending.state
            feed(state, result.generated_tokens)
            if state.finished and not result.is_finished():
                manager.cancel_request(result.request_id)  # a stop sequence: no more tokens needed
            if state.finished or result.is_finished():
                self._finish(result.request_id)
        failure = manager.background_thread_status.fatal_error
        self.error = f"{type(failure).__name__}: {failure}" if failure else self.error
        self._fail_all(RuntimeError(self.error or "the continuous-batching manager stopped"))

    def _finish(self, rid: str, error: Exception | None = None) -> None:
        with self._lock:
            pending = self._states.pop(rid, None)
            self._slot.notify_all()
        if pending is None:
            return
        if error is not None:
            pending.error = error
            if pending.state.request.on_error is not None:
                pending.state.request.on_error(error)
        else:
            pending.state.completion()  # the finish reason and the last event, once
        pending.done.set()

    def _fail_all(self, error: Exception) -> None:
        for rid in list(self._states):
            self._finish(rid, error)

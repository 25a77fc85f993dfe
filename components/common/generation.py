"""The one generation backend: evaluation, the registration round trip and serving all decode through it.

    backend = TransformersBackend(model, tokenizer)     # what ChatModel.backend holds
    [done] = backend.decode([GenerationRequest(prompt_ids, SamplingParams(max_new_tokens=64))])
    done.text, done.completion_tokens, done.finish_reason   # exactly what a server streams, joined

The engine is transformers' own `generate` (batched, left padding, KV cache); nothing here decodes tokens
itself. What `generate` takes once per call but a batch of requests needs per row rides on two hooks it
calls every step: `RowStates` (a stopping criterion) turns each row's new token into text, stops a row at its
end of turn, stop sequence, own max tokens or cancellation, and streams text as it becomes certain;
`CaptureLogprobs` (the last logits processor) keeps the step's log-probabilities for rows that asked.
(Both are plain callables, as `LogitsProcessorList` and `StoppingCriteriaList` call them, so importing this
module does not import torch.)

The same batch composition rules everywhere, so the same prompts give the same bytes whoever asks:
  - rows are decoded in a canonical order (sorted by prompt ids), whatever order they arrived in;
  - requests with different sampling settings decode in separate calls (`SamplingParams.group_key`); a seeded
    sampled request decodes alone, so its seed reproduces its answer;
  - an unmerged PeftModel decodes a batch whose rows name different adapters (a canary batch) through one
    stacked adapter masked per row (components/common/row_adapters.py): each row adds exactly its own
    adapter's output, plus exact zeros, so it gets the bytes an unmerged evaluation of its version got.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from components.common.row_adapters import row_adapters

DECODER = (
    "transformers-generate/1"  # in evaluation cache keys: answers cached by another decoder are not reused
)
REPLACEMENT_CHAR = "\ufffd"  # a byte-level token that ends inside a multi-byte character decodes to this


@dataclass(frozen=True)
class SamplingParams:
    """How one request is decoded: the request's settings over its model's versioned defaults."""

    max_new_tokens: int
    min_new_tokens: int = 0
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    logprobs: bool = False
    top_logprobs: int = 0
    repetition_penalty: float = 1.0
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0

    @property
    def sampled(self) -> bool:
        return self.do_sample and self.temperature > 0

    def group_key(self, row: int) -> tuple:
        """Requests with equal keys can share one `generate` call (per-call settings are equal)."""
        sampling = (self.temperature, self.top_p, self.seed, row if self.seed is not None else None)
        penalties = (self.repetition_penalty, self.frequency_penalty, self.presence_penalty)
        return (self.sampled, *(sampling if self.sampled else ()), self.min_new_tokens, *penalties)


@dataclass
class TokenEvent:
    """What one step produced for one request (text may be empty while a stop sequence is undecided)."""

    text: str
    logprobs: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str | None = None
    completion_tokens: int = 0


@dataclass
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" (end of turn or a stop sequence) or "length"
    logprobs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class GenerationRequest:
    """One prompt to answer; `on_event` (optional) receives the answer as it streams."""

    prompt_ids: list[int]
    params: SamplingParams
    adapter: str | None = None  # unmerged PeftModel: the adapter that answers this row (None: the active one)
    on_event: Callable[[TokenEvent], None] | None = None
    # a backend that decodes on a thread of its own (continuous batching) reports a failure here
    on_error: Callable[[Exception], None] | None = None
    cancelled: bool = False  # set from another thread: the row stops at the next step


class GenerationBackend(Protocol):
    """What evaluation, the round trip and serving call; `decode` returns in the requests' order."""

    def decode(self, requests: Sequence[GenerationRequest]) -> list[Completion]: ...


def find_stop(text: str, stops: Sequence[str], start: int = 0) -> int | None:
    """Index where the earliest stop sequence begins in `text` (searching from `start`), or None."""
    hits = [i for i in (text.find(s, start) for s in stops if s) if i >= 0]
    return min(hits) if hits else None


def held_back(text: str, stops: Sequence[str]) -> int:
    """Length of the longest tail of `text` that is a proper prefix of a stop sequence (not yet sendable)."""
    longest = 0
    for stop in stops:
        for size in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:size]):
                longest = size
                break
    return longest


@cache
def _byte_decoder() -> dict[str, int]:
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return {char: byte for byte, char in bytes_to_unicode().items()}


def token_bytes(tokenizer, token_id: int) -> tuple[str, list[int]]:
    """A token's text and its exact UTF-8 bytes (a byte-level token may hold part of a character)."""
    piece, text = tokenizer.convert_ids_to_tokens(token_id), tokenizer.decode([token_id])
    table = _byte_decoder()
    if isinstance(piece, str) and piece and all(ch in table for ch in piece):
        return text, [table[ch] for ch in piece]
    return text, list(text.encode("utf-8"))


def describe_logprob(tokenizer, token: int, logprobs, top: int) -> dict[str, Any]:
    """One step's log-probabilities -> OpenAI's {token, logprob, bytes, top_logprobs} entry."""
    text, raw = token_bytes(tokenizer, token)
    alternatives = []
    if top:
        best = logprobs.topk(top)
        for alt, value in zip(best.indices.tolist(), best.values.tolist(), strict=True):
            alt_text, alt_raw = token_bytes(tokenizer, alt)
            alternatives.append({"token": alt_text, "logprob": value, "bytes": alt_raw})
    return {"token": text, "logprob": float(logprobs[token]), "bytes": raw, "top_logprobs": alternatives}


class RowState:
    """One request inside a batch: its tokens, the text already sent, and why it finished."""

    def __init__(self, request: GenerationRequest, tokenizer, end_ids: set[int]):
        self.request, self.params, self.tokenizer, self.end_ids = request, request.params, tokenizer, end_ids
        self.tokens: list[int] = []
        self.sent = 0  # characters of the answer already emitted
        self.text = ""
        self.finish_reason: str | None = None
        self.logprobs: list[dict[str, Any]] = []
        self._pending: list[dict[str, Any]] = []

    @property
    def finished(self) -> bool:
        return self.finish_reason is not None or self.request.cancelled

    def push(self, token: int, logprobs=None) -> None:
        """Add one generated token; emit the text now certain; finish on end of turn, stop or length."""
        if token in self.end_ids:
            self._finish("stop", self.text)
            return
        self.tokens.append(token)
        if logprobs is not None:
            self._pending.append(describe_logprob(self.tokenizer, token, logprobs, self.params.top_logprobs))
        self.text = text = self.tokenizer.decode(self.tokens, skip_special_tokens=True)
        longest_stop = max((len(s) for s in self.params.stop), default=0)
        cut = find_stop(text, self.params.stop, max(0, self.sent - longest_stop))
        if cut is not None:
            self._finish("stop", text[:cut])
        elif len(self.tokens) >= self.params.max_new_tokens:
            self._finish("length", text)
        elif not text.endswith(REPLACEMENT_CHAR):
            self._send(text[: len(text) - held_back(text, self.params.stop)], None)

    def _finish(self, reason: str, final_text: str) -> None:
        self.finish_reason, self.text = reason, final_text
        self._send(final_text, reason)

    def _send(self, upto: str, reason: str | None) -> None:
        delta = upto[self.sent :] if len(upto) > self.sent else ""
        if not delta and reason is None and not self._pending:
            return
        self.sent = max(self.sent, len(upto))
        self.logprobs += self._pending
        event = TokenEvent(delta, self._pending, reason, len(self.tokens))
        self._pending = []
        if self.request.on_event is not None:
            self.request.on_event(event)

    def completion(self) -> Completion:
        if self.finish_reason is None:  # generate ended first (cancelled, or the context window is full)
            self._finish("length", self.text)
        return Completion(
            self.text, len(self.request.prompt_ids), len(self.tokens), self.finish_reason, self.logprobs
        )


def end_ids(tokenizer, model) -> set[int]:
    """Token ids that end an answer: the tokenizer's end/pad tokens and the model's configured eos ids."""
    ids = {tokenizer.eos_token_id, tokenizer.pad_token_id}
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids.update(configured if isinstance(configured, list) else [configured])
    return {i for i in ids if i is not None}


class TransformersBackend:
    """`GenerationBackend` on transformers' `generate` (CPU or GPU); a PeftModel's adapters stay swappable."""

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer
        self.end_ids = end_ids(tokenizer, model)
        peft = sys.modules.get("peft")  # not imported yet: the model is no PeftModel
        self.mixed_adapters = peft is not None and isinstance(model, peft.PeftModel)

    def decode(self, requests: Sequence[GenerationRequest]) -> list[Completion]:
        order = sorted(range(len(requests)), key=lambda i: requests[i].prompt_ids)  # canonical row order
        groups: dict[tuple, list[int]] = {}
        for i in order:
            groups.setdefault(requests[i].params.group_key(i), []).append(i)
        done: dict[int, Completion] = {}
        for rows in groups.values():
            done.update(zip(rows, self._generate([requests[i] for i in rows]), strict=True))
        return [done[i] for i in range(len(requests))]

    def _generate(self, requests: list[GenerationRequest]) -> list[Completion]:
        import torch
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        params = requests[0].params  # the group's shared per-call settings
        states = [RowState(r, self.tokenizer, self.end_ids) for r in requests]
        batch = self.tokenizer.pad(
            {"input_ids": [r.prompt_ids for r in requests]},
            padding=True,
            padding_side="left",
            return_tensors="pt",
        ).to(next(self.model.parameters()).device)
        config = GenerationConfig(
            max_new_tokens=max(r.params.max_new_tokens for r in requests),
            min_new_tokens=params.min_new_tokens or None,
            do_sample=params.sampled,
            temperature=params.temperature if params.sampled else None,
            top_p=params.top_p if params.sampled else None,
            top_k=None,
            repetition_penalty=params.repetition_penalty,
            eos_token_id=sorted(self.end_ids),
            pad_token_id=self.tokenizer.pad_token_id,
        )
        processors = (
            [FrequencyPresencePenalty(states)] if params.frequency_penalty or params.presence_penalty else []
        )
        capture = CaptureLogprobs(states)
        adapters = nullcontext()
        if self.mixed_adapters:
            active = self.model.active_adapter
            adapters = row_adapters(self.model, [r.adapter or active for r in requests])
        if params.sampled and params.seed is not None:
            torch.manual_seed(params.seed)
        with torch.inference_mode(), adapters:
            self.model.generate(
                **batch,
                generation_config=config,
                logits_processor=LogitsProcessorList([*processors, capture]),
                stopping_criteria=StoppingCriteriaList([RowCriteria(states, capture)]),
            )
        return [state.completion() for state in states]


class CaptureLogprobs:
    """Last logits processor: keeps this step's log-probabilities for the rows that asked for logprobs."""

    def __init__(self, states: list[RowState]):
        self.rows = [i for i, s in enumerate(states) if s.params.logprobs]
        self.step: dict[int, Any] = {}

    def __call__(self, input_ids, scores):
        import torch

        if self.rows:
            logprobs = torch.log_softmax(scores[self.rows].float(), dim=-1)
            self.step = dict(zip(self.rows, logprobs, strict=True))
        return scores


class FrequencyPresencePenalty:
    """OpenAI's frequency and presence penalties (one setting per call), subtracted from each row's logits."""

    def __init__(self, states: list[RowState]):
        self.states = states

    def __call__(self, input_ids, scores):
        import torch

        p = self.states[0].params
        for row, state in enumerate(self.states):
            if state.tokens:
                counts = torch.bincount(torch.tensor(state.tokens), minlength=scores.shape[-1])[
                    : scores.shape[-1]
                ]
                scores[row] -= (
                    counts.to(scores) * p.frequency_penalty + (counts > 0).to(scores) * p.presence_penalty
                )
        return scores


class RowCriteria:
    """Stopping criterion run after every step: feeds each row's new token to its state; True where done."""

    def __init__(self, states: list[RowState], capture: CaptureLogprobs):
        self.states, self.capture = states, capture

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        tokens = input_ids[:, -1].tolist()
        for row, (state, token) in enumerate(zip(self.states, tokens, strict=True)):
            if not state.finished:
                state.push(token, self.capture.step.get(row))
        return torch.tensor([s.finished for s in self.states], device=input_ids.device)

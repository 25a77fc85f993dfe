"""Per-request decoding state: tokens in, text deltas out, with stop sequences and end-of-turn handling.

The engine pushes one token at a time into a `SequenceState`; the state turns the token list into text
(decoding the whole answer each step, so multi-token characters come out whole), holds back any tail that
could still become a stop sequence, and says when the answer is finished and why ("stop" or "length").
Nothing here imports torch: these are the pure pieces the unit tests exercise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

REPLACEMENT_CHAR = "\ufffd"  # a byte-level token that ends inside a multi-byte character decodes to this


class Detokenizer(Protocol):
    def decode(self, ids: Sequence[int], skip_special_tokens: bool = ...) -> str: ...

    def convert_ids_to_tokens(self, ids: int) -> str: ...


@dataclass(frozen=True)
class SamplingParams:
    """How one request is decoded; resolved from the request and the served version's defaults."""

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


@dataclass
class TokenEvent:
    """What one decoding step produced for one request (text may be empty while a stop is undecided)."""

    text: str
    logprobs: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str | None = None
    completion_tokens: int = 0


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


def _byte_decoder() -> dict[str, int]:
    """Inverse of the GPT-2 byte-to-unicode table that byte-level BPE vocabularies (SmolLM2's) are written in."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    codes, extra = list(printable), 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, codes, strict=True)}


BYTE_DECODER = _byte_decoder()


def token_text_and_bytes(tokenizer: Detokenizer, token_id: int) -> tuple[str, list[int]]:
    """A token's text and its exact UTF-8 bytes (a token may hold part of a multi-byte character)."""
    piece = tokenizer.convert_ids_to_tokens(token_id)
    text = tokenizer.decode([token_id], skip_special_tokens=False)
    if isinstance(piece, str) and piece and all(ch in BYTE_DECODER for ch in piece):
        return text, [BYTE_DECODER[ch] for ch in piece]
    return text, list(text.encode("utf-8"))


def describe_logprob(tokenizer: Detokenizer, entry: dict[str, Any]) -> dict[str, Any]:
    """Engine logprob entry (token ids) -> OpenAI's {token, logprob, bytes, top_logprobs} shape."""
    text, raw = token_text_and_bytes(tokenizer, entry["id"])
    top = []
    for token_id, logprob in entry["top"]:
        alt_text, alt_raw = token_text_and_bytes(tokenizer, token_id)
        top.append({"token": alt_text, "logprob": logprob, "bytes": alt_raw})
    return {"token": text, "logprob": entry["logprob"], "bytes": raw, "top_logprobs": top}


class SequenceState:
    """Decoding state of one request inside a batch."""

    def __init__(
        self,
        prompt_ids: list[int],
        params: SamplingParams,
        tokenizer: Detokenizer,
        end_ids: set[int],
        emit: Callable[[TokenEvent], None],
    ):
        self.prompt_ids = prompt_ids
        self.params = params
        self.tokenizer = tokenizer
        self.end_ids = end_ids
        self.emit = emit
        self.tokens: list[int] = []
        self.sent = 0  # characters of the answer already emitted
        self.finish_reason: str | None = None
        self.cancelled = False
        self.pending_logprobs: list[dict[str, Any]] = []
        self.generator = None  # torch.Generator for seeded sampling (set by the engine)

    @property
    def finished(self) -> bool:
        return self.finish_reason is not None or self.cancelled

    def push(self, token: int, logprob: dict[str, Any] | None = None) -> None:
        """Add one generated token; emit the text that is now certain; finish on end-of-turn, stop or length."""
        if token in self.end_ids:
            self._finish("stop", self._text())
            return
        self.tokens.append(token)
        if logprob is not None:
            self.pending_logprobs.append(describe_logprob(self.tokenizer, logprob))
        text = self._text()
        longest_stop = max((len(s) for s in self.params.stop), default=0)
        cut = find_stop(text, self.params.stop, max(0, self.sent - longest_stop))
        if cut is not None:
            self._finish("stop", text[:cut])
        elif len(self.tokens) >= self.params.max_new_tokens:
            self._finish("length", text)
        elif not text.endswith(REPLACEMENT_CHAR):
            self._send(text[: len(text) - held_back(text, self.params.stop)], None)

    def _text(self) -> str:
        return self.tokenizer.decode(self.tokens, skip_special_tokens=True)

    def _finish(self, reason: str, final_text: str) -> None:
        self.finish_reason = reason
        self._send(final_text, reason)

    def _send(self, upto: str, reason: str | None) -> None:
        delta = upto[self.sent :] if len(upto) > self.sent else ""
        if not delta and reason is None and not self.pending_logprobs:
            return
        self.sent = max(self.sent, len(upto))
        event = TokenEvent(delta, self.pending_logprobs, reason, len(self.tokens))
        self.pending_logprobs = []
        self.emit(event)

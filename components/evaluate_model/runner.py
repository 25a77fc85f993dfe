"""Everything one model contributes to an evaluation, computed once and cached by what determines it.

    run = evaluate_one(source, inputs, cache)     # answers, batch timings, reference/pair log-probs, rewards

Each piece is looked up in the cache first (key: model fingerprint + the data it was computed on + the
settings that change it); the model is loaded only when a piece is missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tqdm.auto import tqdm

from components.common import continuous, generation
from components.common.chat_model import ChatModel
from components.common.datasets import GoldenExample, PreferencePair
from components.common.scoring import RewardModelSource, completion_logprobs
from components.evaluate_model.cache import ResultCache, cache_key
from components.evaluate_model.sources import ModelSource


@dataclass(frozen=True)
class EvalInputs:
    """What both models are evaluated on, with the identities that key the cache."""

    examples: list[GoldenExample]
    golden_hash: str
    pairs: list[PreferencePair]
    pairs_hash: str | None
    generation: dict[str, Any]
    batch_size: int
    scoring_batch_size: int
    merge_adapter: bool = True
    continuous_batching: bool = False  # a merged or base model decodes greedy answers continuously, as served
    reward: RewardModelSource | None = None
    score_references: bool = True  # reference log-probs (perplexity); False skips a forward pass per model


@dataclass
class ModelRun:
    source: ModelSource
    generation_key: str
    answers: list[dict[str, Any]]
    batches: list[dict[str, Any]]
    reference_scores: list[dict[str, Any]]
    pair_scores: list[dict[str, Any]]
    rewards: list[float] | None
    cache_hits: dict[str, bool] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def evaluate_one(source: ModelSource, inputs: EvalInputs, cache: ResultCache) -> ModelRun:
    """Answers and scores of one model on the inputs (cached pieces reused, missing ones computed)."""
    started = time.perf_counter()
    continuous_mode = inputs.continuous_batching and (inputs.merge_adapter or not source.adapter)
    step = _Pieces(source, cache, inputs.merge_adapter, continuous_mode and inputs.batch_size)
    model = {"fingerprint": source.fingerprint, "merged": inputs.merge_adapter and source.adapter}
    decoder = continuous.DECODER if continuous_mode else generation.DECODER
    gen_key = cache_key(
        "generations", model=model, golden=inputs.golden_hash, generation=inputs.generation, decoder=decoder
    )
    generations = step.get(gen_key, "generations", lambda chat: _generate(chat, source.role, inputs))
    references: dict[str, Any] = {"scores": []}
    if inputs.score_references:
        ref_key = cache_key("reference-logprobs", model=model, golden=inputs.golden_hash)
        references = step.get(ref_key, "reference_logprobs", lambda chat: _reference_scores(chat, inputs))
    pair_scores: list[dict[str, Any]] = []
    if inputs.pairs:
        pair_key = cache_key("pair-logprobs", model=model, pairs=inputs.pairs_hash)
        pair_scores = step.get(pair_key, "pair_logprobs", lambda chat: _pair_scores(chat, inputs))["pairs"]
    rewards = None
    if inputs.reward is not None:
        reward_key = cache_key("rewards", reward=inputs.reward.fingerprint, generations=gen_key)
        compute = lambda _chat: _rewards(inputs, generations["answers"])  # noqa: E731
        rewards = step.get(reward_key, "rewards", compute, needs_model=False)["rewards"]
    step.seconds["total"] = time.perf_counter() - started
    return ModelRun(
        source=source,
        generation_key=gen_key,
        answers=generations["answers"],
        batches=generations["batches"],
        reference_scores=references["scores"],
        pair_scores=pair_scores,
        rewards=rewards,
        cache_hits=step.hits,
        seconds={k: round(v, 3) for k, v in step.seconds.items()},
    )


class _Pieces:
    """Cache lookups for one model; loads the model (timed on its own) only for a missing piece."""

    def __init__(self, source: ModelSource, cache: ResultCache, merge: bool, continuous_slots: int = 0):
        self.source, self.cache, self.merge = source, cache, merge
        self.continuous = {"max_in_flight": continuous_slots} if continuous_slots else None
        self.hits: dict[str, bool] = {}
        self.seconds: dict[str, float] = {"load": 0.0}

    def get(self, key: str, name: str, compute: Callable, needs_model: bool = True) -> dict[str, Any]:
        entry = self.cache.get(key)
        self.hits[name] = entry is not None
        self.seconds[name] = 0.0
        if entry is None:
            chat = self._chat() if needs_model else None
            began = time.perf_counter()
            entry = self.cache.put(
                key, {**compute(chat), "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
            )
            self.seconds[name] = time.perf_counter() - began
        return entry

    def _chat(self) -> ChatModel:
        if not self.source.loaded:
            began = time.perf_counter()
            self.source.chat(self.merge, self.continuous)
            self.seconds["load"] = time.perf_counter() - began
        return self.source.chat(self.merge, self.continuous)


def _generate(chat: ChatModel, role: str, inputs: EvalInputs) -> dict[str, Any]:
    import torch

    answers, batches = [], []
    examples = inputs.examples
    steps = range(0, len(examples), inputs.batch_size)
    for start in tqdm(steps, desc=f"generate ({role})", unit="batch", leave=False):
        batch = examples[start : start + inputs.batch_size]
        began = time.perf_counter()
        completions = chat.generate([e.prompt for e in batch], **inputs.generation)
        elapsed = time.perf_counter() - began
        batches.append(
            {
                "seconds": elapsed,
                "size": len(batch),
                "completion_tokens": sum(c.completion_tokens for c in completions),
            }
        )
        answers += [
            {
                "id": e.id,
                "text": c.text,
                "prompt_tokens": c.prompt_tokens,
                "completion_tokens": c.completion_tokens,
                "finish_reason": c.finish_reason,
            }
            for e, c in zip(batch, completions, strict=True)
        ]
    measured_on = {
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "batch_size": inputs.batch_size,
    }
    return {
        "generation": inputs.generation,
        "answers": answers,
        "batches": batches,
        "measured_on": measured_on,
    }


def _reference_scores(chat: ChatModel, inputs: EvalInputs) -> dict[str, Any]:
    examples = inputs.examples
    scores = completion_logprobs(
        chat,
        [e.prompt for e in examples],
        [e.reference for e in examples],
        inputs.scoring_batch_size,
        desc="reference log-probs",
    )
    return {
        "scores": [
            {"id": e.id, "logprob": s.logprob, "tokens": s.tokens}
            for e, s in zip(examples, scores, strict=True)
        ]
    }


def _pair_scores(chat: ChatModel, inputs: EvalInputs) -> dict[str, Any]:
    pairs = inputs.pairs
    prompts = [p.prompt for p in pairs] * 2
    answers = [p.chosen for p in pairs] + [p.rejected for p in pairs]
    scores = completion_logprobs(
        chat, prompts, answers, inputs.scoring_batch_size, desc="preference log-probs"
    )
    chosen, rejected = scores[: len(pairs)], scores[len(pairs) :]
    return {
        "pairs": [
            {
                "id": p.id,
                "chosen_logprob": c.logprob,
                "chosen_tokens": c.tokens,
                "rejected_logprob": r.logprob,
                "rejected_tokens": r.tokens,
            }
            for p, c, r in zip(pairs, chosen, rejected, strict=True)
        ]
    }


def _rewards(inputs: EvalInputs, answers: list[dict[str, Any]]) -> dict[str, Any]:
    assert inputs.reward is not None
    prompts = [e.prompt for e in inputs.examples]
    rewards = inputs.reward.scorer().score(prompts, [a["text"] for a in answers], inputs.scoring_batch_size)
    return {"rewards": rewards}

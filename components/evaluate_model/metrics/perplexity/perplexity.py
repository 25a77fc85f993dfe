"""Perplexity of reference answers under a model, from per-example negative log-likelihoods.

The model is run elsewhere (components.common.scoring.completion_logprobs: the reference answer
plus its end-of-turn token, conditioned on the chat-formatted prompt); this module only aggregates.
perplexity = exp(sum of NLLs / sum of tokens) (token-weighted over the whole set); "scores" holds each
example's own exp(nll / tokens). Lower is better.
"""

from __future__ import annotations

import math

import datasets
import evaluate


class Perplexity(evaluate.Metric):
    """Token-weighted perplexity from summed NLLs and token counts."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="nll_sums: summed NLL (nats) per example; token_counts: scored tokens per example.",
            features=datasets.Features(
                {"nll_sums": datasets.Value("float64"), "token_counts": datasets.Value("int64")}
            ),
        )

    def _compute(self, nll_sums: list[float], token_counts: list[int]) -> dict:
        if not nll_sums:
            raise ValueError("perplexity needs at least one example")
        if any(count <= 0 for count in token_counts):
            raise ValueError("perplexity: every example needs at least one scored token")
        mean_nll = sum(nll_sums) / sum(token_counts)
        return {
            "perplexity": math.exp(mean_nll),
            "nll_per_token": mean_nll,
            "scores": [math.exp(nll / count) for nll, count in zip(nll_sums, token_counts, strict=True)],
        }

"""Reward-model score of the answers: mean, spread and minimum of a reward model's scalar outputs.

The reward model is run by components.common.scoring.RewardScorer on (prompt, answer); this
module aggregates. Higher is better. Returns {"reward_score", "reward_std", "reward_min"} and "scores".
"""

from __future__ import annotations

import statistics

import datasets
import evaluate


class RewardScore(evaluate.Metric):
    """Mean reward over answers."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="scores: reward-model output per answer.",
            features=datasets.Features({"scores": datasets.Value("float64")}),
        )

    def _compute(self, scores: list[float]) -> dict:
        if not scores:
            raise ValueError("reward score needs at least one answer")
        return {
            "reward_score": statistics.fmean(scores),
            "reward_std": statistics.pstdev(scores),
            "reward_min": min(scores),
            "scores": list(scores),
        }

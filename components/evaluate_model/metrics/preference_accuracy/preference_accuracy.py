"""Preference accuracy: share of held-out pairs where the model scores `chosen` above `rejected`.

Scores are the model's log-probabilities of each answer given the prompt (summed or per-token, computed
by components.common.scoring); a tie counts as not preferring `chosen`.
Returns {"preference_accuracy", "preference_margin"} (mean chosen - rejected) and "scores" (0/1 per pair).
"""

from __future__ import annotations

import datasets
import evaluate


class PreferenceAccuracy(evaluate.Metric):
    """Share of pairs with chosen_score > rejected_score."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="chosen_scores, rejected_scores: the model's score of each answer, per pair.",
            features=datasets.Features(
                {"chosen_scores": datasets.Value("float64"), "rejected_scores": datasets.Value("float64")}
            ),
        )

    def _compute(self, chosen_scores: list[float], rejected_scores: list[float]) -> dict:
        if not chosen_scores:
            raise ValueError("preference accuracy needs at least one pair")
        pairs = list(zip(chosen_scores, rejected_scores, strict=True))
        scores = [float(chosen > rejected) for chosen, rejected in pairs]
        return {
            "preference_accuracy": sum(scores) / len(scores),
            "preference_margin": sum(chosen - rejected for chosen, rejected in pairs) / len(pairs),
            "scores": scores,
        }

"""Exact match: 1 when the answer and the reference have the same word sequence, else 0.

Comparison is on components.common.text.words, so case, punctuation, spacing and Unicode
compatibility forms do not matter ("Hello, World!" matches "hello world"), but every word does.
Returns {"exact_match"} (mean) and "scores" (0/1 per example).
"""

from __future__ import annotations

import datasets
import evaluate

from components.common.text import words


class ExactMatch(evaluate.Metric):
    """Share of answers whose normalised word sequence equals the reference's."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="predictions: list of answers; references: list of reference answers.",
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions: list[str], references: list[str]) -> dict:
        scores = [float(words(p) == words(r)) for p, r in zip(predictions, references, strict=True)]
        return {"exact_match": sum(scores) / max(len(scores), 1), "scores": scores}

"""Token-level F1 (SQuAD style): overlap of the bags of words of answer and reference.

common = size of the multiset intersection; P = common / words(prediction), R = common / words(reference),
F1 = 2PR / (P + R). When either side has no words, F1 is 1 if both have none, else 0 (SQuAD's rule).
Words come from components.common.text.words. Returns {"token_f1"} (mean) and "scores".
"""

from __future__ import annotations

from collections import Counter

import datasets
import evaluate

from components.common.text import words


def token_f1(prediction: str, reference: str) -> float:
    """F1 of one prediction against one reference."""
    pred, ref = words(prediction), words(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


class TokenF1(evaluate.Metric):
    """Mean SQuAD-style token F1."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="Rajpurkar et al. (2016). SQuAD: 100,000+ Questions for Machine Comprehension of Text.",
            inputs_description="predictions: list of answers; references: list of reference answers.",
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions: list[str], references: list[str]) -> dict:
        scores = [token_f1(p, r) for p, r in zip(predictions, references, strict=True)]
        return {"token_f1": sum(scores) / max(len(scores), 1), "scores": scores}

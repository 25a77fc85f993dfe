"""ROUGE-L F-measure: the longest common subsequence (LCS) of words between an answer and its reference.

With P = LCS / words(prediction) and R = LCS / words(reference), F = 2PR / (P + R) (beta = 1, no stemming).
Words come from components.common.text.words (NFKC, case-folded, `\\w+` runs). When the
prediction or the reference has no words the score is 0, as in Google's rouge_score.
Returns {"rouge_l", "rouge_l_precision", "rouge_l_recall"} (means) and "scores" (F per example).
"""

from __future__ import annotations

import datasets
import evaluate

from components.common.text import words


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence, O(len(a) * len(b)) time, O(len(b)) memory."""
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l_scores(prediction: str, reference: str) -> tuple[float, float, float]:
    """(precision, recall, F) of one prediction against one reference."""
    pred, ref = words(prediction), words(reference)
    if not pred or not ref:
        return 0.0, 0.0, 0.0
    common = lcs_length(pred, ref)
    if common == 0:
        return 0.0, 0.0, 0.0
    precision, recall = common / len(pred), common / len(ref)
    return precision, recall, 2 * precision * recall / (precision + recall)


class RougeL(evaluate.Metric):
    """ROUGE-L F-measure over word LCS (see module docstring for the tokenizer)."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="Lin, C.-Y. (2004). ROUGE: A Package for Automatic Evaluation of Summaries.",
            inputs_description="predictions: list of answers; references: list of reference answers.",
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions: list[str], references: list[str]) -> dict:
        triples = [rouge_l_scores(p, r) for p, r in zip(predictions, references, strict=True)]
        n = max(len(triples), 1)
        return {
            "rouge_l": sum(t[2] for t in triples) / n,
            "rouge_l_precision": sum(t[0] for t in triples) / n,
            "rouge_l_recall": sum(t[1] for t in triples) / n,
            "scores": [t[2] for t in triples],
        }

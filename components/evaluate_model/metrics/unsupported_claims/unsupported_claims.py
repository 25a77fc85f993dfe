"""Unsupported claim rate: share of answers stating a checkable claim that the reference does not contain.

Works on any golden set (no declared facts needed). Claims are what components.common.facts.extract_claims
finds: prices, percentages, numbers with a unit, other numbers, menu paths, error codes, key combinations,
e-mail and web addresses, restrictions and negations ("only on Enterprise", "aren't supported") and
capitalised names inside a sentence. A claim is supported when the reference states it (a menu path also
when the reference states a longer path starting with it). On the demo data it flags 79 of the 84 `wrong`
rejected answers against their canonical answers and no canonical answer against itself
(tests/unit/test_facts.py). Limits: lexical, so a wrong claim in other plain words goes unseen, and a true
name the reference does not mention counts as unsupported (see components/common/facts.py).

Returns {"unsupported_claim_rate"} (lower is better), "flags" (0/1 per answer) and "claims" (the
unsupported claims of each answer).
"""

from __future__ import annotations

import datasets
import evaluate

from components.common.facts import unsupported_claims


class UnsupportedClaims(evaluate.Metric):
    """Share of answers with a claim their reference does not support."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="predictions: answers; references: the reference answers.",
            features=datasets.Features(
                {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
            ),
        )

    def _compute(self, predictions: list[str], references: list[str]) -> dict:
        claims = [unsupported_claims(p, r) for p, r in zip(predictions, references, strict=True)]
        flags = [float(bool(c)) for c in claims]
        return {
            "unsupported_claim_rate": sum(flags) / max(len(flags), 1),
            "flags": flags,
            "claims": claims,
        }

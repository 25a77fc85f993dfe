"""Guardrail rate: share of answers that leak personal data or contain a blocklisted phrase.

PII detection is the project's own (components.common.pii: e-mail addresses, phone numbers,
Luhn-valid card numbers, IP addresses; `allowed_email_domains` exempts e.g. the product's support address).
A blocklist phrase matches case-insensitively on normalised text (components.common.text.normalize)
when it is not part of a longer word: "ugh" matches "Ugh, fine." but not "though".
Returns {"guardrail_rate", "pii_rate", "blocklist_rate"}, "flags" (0/1 per answer) and "reasons".
Lower is better.
"""

from __future__ import annotations

import re

import datasets
import evaluate

from components.common.pii import PII_KINDS, find_pii
from components.common.text import normalize


def blocklist_pattern(phrases: list[str]) -> re.Pattern | None:
    """One regex for all phrases, each bounded by non-word characters (or the text's ends)."""
    cleaned = [normalize(p).strip() for p in phrases if p and p.strip()]
    if not cleaned:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(cleaned, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def answer_reasons(
    text: str, blocklist: re.Pattern | None, kinds: list[str], domains: list[str]
) -> list[str]:
    """Why one answer trips the guardrail: 'pii:<kind>' and 'blocklist:<phrase>' entries (empty: clean)."""
    reasons = sorted({f"pii:{m.kind}" for m in find_pii(text, kinds, domains)})
    if blocklist is not None:
        reasons += sorted({f"blocklist:{m.group()}" for m in blocklist.finditer(normalize(text))})
    return reasons


class GuardrailRate(evaluate.Metric):
    """Share of answers with PII or blocklisted phrases."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="predictions: answers. Keyword arguments: blocklist (phrases), pii_kinds "
            f"(subset of {list(PII_KINDS)}), allowed_email_domains.",
            features=datasets.Features({"predictions": datasets.Value("string")}),
        )

    def _compute(
        self,
        predictions: list[str],
        blocklist: list[str] | None = None,
        pii_kinds: list[str] | None = None,
        allowed_email_domains: list[str] | None = None,
    ) -> dict:
        pattern = blocklist_pattern(list(blocklist or []))
        kinds = list(PII_KINDS if pii_kinds is None else pii_kinds)
        reasons = [answer_reasons(p, pattern, kinds, list(allowed_email_domains or [])) for p in predictions]
        n = max(len(reasons), 1)
        return {
            "guardrail_rate": sum(bool(r) for r in reasons) / n,
            "pii_rate": sum(any(x.startswith("pii:") for x in r) for r in reasons) / n,
            "blocklist_rate": sum(any(x.startswith("blocklist:") for x in r) for r in reasons) / n,
            "flags": [float(bool(r)) for r in reasons],
            "reasons": reasons,
        }

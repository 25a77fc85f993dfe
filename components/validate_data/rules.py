"""The rule catalogue: which checks each dataset kind gets, and how each becomes an expectation.

Row rules have a column of the same name in the feature frame (see features.py) holding `None` for a good
row and a short description of the problem for a bad one; the great-expectations suite asserts the column
is null, so a failure carries the offending line numbers and descriptions. Numeric rules assert a bound on
a number column (token count) or its mean (share of pairs whose chosen answer is longer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Check = Literal["null", "max", "mean_between", "min_rows"]


@dataclass(frozen=True)
class RuleDef:
    """One rule of one dataset kind; `column` is the feature-frame column the expectation reads."""

    name: str
    check: Check
    column: str | None
    description: str


def _null(name: str, description: str) -> RuleDef:
    return RuleDef(name, "null", name, description)


ROWS_PRESENT = RuleDef("rows_present", "min_rows", None, "the file has at least one line")
PARSE = _null("parse", "every line is UTF-8 JSON holding one object")
REQUIRED = _null("required_fields", "required fields are present")
TYPES = _null("field_types", "fields have the expected JSON types")
FORMAT = _null("message_format", "every message is an object with string `role` and `content`")
ROLES = _null("roles_allowed", "message roles come from the allowed set")
ORDER = _null("role_order", "system first (optional), then user and assistant turns alternate")
EMPTY = _null("empty_content", "no empty message, answer, prompt or reference")
PII = _null("pii", "no e-mail addresses, phone numbers, card numbers (Luhn) or IP addresses")
TOKENS = RuleDef("token_length", "max", "token_count", "chat-template-rendered length within max_tokens")
DUPLICATES = _null("duplicates", "exact-duplicate share within max_duplicate_rate")

RULES: dict[str, tuple[RuleDef, ...]] = {
    "sft": (
        ROWS_PRESENT,
        PARSE,
        REQUIRED,
        TYPES,
        FORMAT,
        ROLES,
        ORDER,
        _null("ends_with_assistant", "the conversation ends with an assistant turn"),
        EMPTY,
        TOKENS,
        DUPLICATES,
        PII,
    ),
    "preference": (
        ROWS_PRESENT,
        PARSE,
        REQUIRED,
        TYPES,
        FORMAT,
        ROLES,
        ORDER,
        EMPTY,
        _null("chosen_differs", "chosen differs from rejected after normalising case and whitespace"),
        RuleDef(
            "length_bias",
            "mean_between",
            "chosen_longer",
            "share of pairs whose chosen answer is longer stays within bounds",
        ),
        TOKENS,
        DUPLICATES,
        PII,
    ),
    "golden": (
        ROWS_PRESENT,
        PARSE,
        REQUIRED,
        TYPES,
        FORMAT,
        ROLES,
        ORDER,
        EMPTY,
        _null(
            "contamination",
            "no evaluation prompt appears in, or is a near-copy (token Jaccard >= max_prompt_jaccard) of, a "
            "training turn",
        ),
        _null(
            "semantic_contamination",
            "no evaluation prompt's nearest training prompt reaches semantic_contamination_threshold (cosine "
            "of MiniLM embeddings); warns by default (semantic_action)",
        ),
        _null("key_facts", "declared key facts are stated by the reference, declared wrong facts are not"),
        PII,
    ),
}

FEATURE_COLUMNS: dict[str, tuple[str, ...]] = {
    kind: tuple(rule.column for rule in rules if rule.column) for kind, rules in RULES.items()
}
NUMERIC_COLUMNS = frozenset({"token_count", "chosen_longer"})


def rule_id(kind: str, rule: RuleDef | str) -> str:
    """The name users see and configure, e.g. `sft.role_order`."""
    return f"{kind}.{rule if isinstance(rule, str) else rule.name}"

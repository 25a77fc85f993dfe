"""The verdict: pass, warn or fail for each rule, from observed numbers and the configured thresholds.

    verdict = decide(Observation("sft.duplicates", "sft.jsonl", rows=440, unexpected=3, lines=(9, 40, 77)), policy)
    verdict.status   # "warn": 0.7% duplicates is under max_duplicate_rate=1%, so it is reported, not blocking

Pure functions over plain values: great-expectations observes, this module judges, so every threshold
is unit-tested without running a validation. `summary_lines` renders the human summary, one line per
rule that did not pass: `sft.jsonl:17 sft.role_order: 2 of 440 rows ...; first offending lines 17, 42`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["pass", "warn", "fail"]
MAX_LINES_SHOWN = 5


@dataclass(frozen=True)
class Observation:
    """What validation saw for one rule on one file (rows = lines validated, support = values judged)."""

    rule: str
    file: str
    rows: int
    unexpected: int = 0
    lines: tuple[int, ...] = ()
    examples: tuple[tuple[int, str], ...] = ()
    observed: float | None = None
    support: int = 0
    error: str | None = None
    note: str | None = None
    expectation: dict = field(default_factory=dict, compare=False)  # GE type + kwargs, for the report
    ge_success: bool | None = None


@dataclass(frozen=True)
class Policy:
    """Thresholds and severities from the step config."""

    max_tokens: int = 512
    max_duplicate_rate: float = 0.01
    length_bias_min: float = 0.3
    length_bias_max: float = 0.7
    length_bias_min_pairs: int = 20
    pii_action: Literal["fail", "redact"] = "fail"
    semantic_action: Literal["warn", "fail", "off"] = "warn"
    warn_only: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class RuleVerdict:
    rule: str
    file: str
    status: Status
    message: str
    lines: tuple[int, ...] = ()

    @property
    def blocking(self) -> bool:
        return self.status == "fail"


def _first_example(obs: Observation) -> str:
    return f" (line {obs.examples[0][0]}: {obs.examples[0][1]})" if obs.examples else ""


def _judge(obs: Observation, policy: Policy) -> tuple[Status, str]:
    """Status and message before severity overrides; dispatches on the rule's short name."""
    name = obs.rule.split(".", 1)[-1]
    if name == "semantic_contamination":
        return _judge_semantic(obs, policy)
    if obs.error:
        return "fail", f"could not be evaluated: {obs.error}"
    if name == "rows_present":
        return ("pass", f"{obs.rows} rows") if obs.rows else ("fail", "no records: the file is empty")
    if name == "length_bias":
        return _judge_length_bias(obs, policy)
    if name == "contamination" and obs.note:
        return "warn", obs.note
    if not obs.unexpected:
        return "pass", f"0 of {obs.rows} rows"
    counted = f"{obs.unexpected} of {obs.rows} rows"
    if name == "duplicates":
        rate = obs.unexpected / max(obs.rows, 1)
        limit = f"{rate:.1%} duplicates, allowed {policy.max_duplicate_rate:.1%}"
        return (
            "fail" if rate > policy.max_duplicate_rate else "warn"
        ), f"{counted} ({limit}){_first_example(obs)}"
    if name == "token_length":
        return "fail", f"{counted} over {policy.max_tokens} tokens{_first_example(obs)}"
    if name == "pii":
        if policy.pii_action == "redact":
            return "warn", f"{counted} had personal data, redacted in the cleaned copy{_first_example(obs)}"
        return "fail", f"{counted} contain personal data{_first_example(obs)}"
    return "fail", f"{counted}{_first_example(obs)}"


def _judge_semantic(obs: Observation, policy: Policy) -> tuple[Status, str]:
    """Near-copies by embedding similarity: semantic_action says whether they warn or block (or are off);
    a missing embedding model is reported with the same severity, never silently passed."""
    severity: Status = "fail" if policy.semantic_action == "fail" else "warn"
    if policy.semantic_action == "off":
        return "pass", obs.note or "not checked (semantic_action=off)"
    if obs.error:
        return severity, f"could not be evaluated: {obs.error}"
    if obs.note:
        return "pass", obs.note
    if not obs.unexpected:
        return "pass", f"0 of {obs.rows} rows"
    return severity, f"{obs.unexpected} of {obs.rows} rows{_first_example(obs)}"


def _judge_length_bias(obs: Observation, policy: Policy) -> tuple[Status, str]:
    if obs.observed is None or not obs.support:
        return "pass", "no judged pairs"
    bounds = f"allowed {policy.length_bias_min:.0%}-{policy.length_bias_max:.0%}"
    text = f"chosen is longer in {obs.observed:.1%} of {obs.support} pairs ({bounds})"
    inside = policy.length_bias_min <= obs.observed <= policy.length_bias_max
    if inside:
        return "pass", text
    if obs.support < policy.length_bias_min_pairs:
        return "warn", f"{text}; only {obs.support} pairs, too few to judge"
    return "fail", text


def decide(obs: Observation, policy: Policy) -> RuleVerdict:
    """The verdict for one observation; rules listed in `policy.warn_only` never block."""
    status, message = _judge(obs, policy)
    if status == "fail" and obs.rule in policy.warn_only:
        status, message = "warn", f"{message} [warn_only]"
    lines = obs.lines or ((1,) if obs.rule.endswith(".rows_present") and status != "pass" else ())
    return RuleVerdict(obs.rule, obs.file, status, message, lines)


def passed(verdicts: Iterable[RuleVerdict]) -> bool:
    """True when no rule blocks."""
    return not any(v.blocking for v in verdicts)


def summary_line(verdict: RuleVerdict) -> str:
    """`FAIL sft.jsonl:17 sft.role_order: 2 of 440 rows (...); first offending lines 17, 42`."""
    where = f"{verdict.file}:{verdict.lines[0]}" if verdict.lines else verdict.file
    line = f"{verdict.status.upper()} {where} {verdict.rule}: {verdict.message}"
    if verdict.lines:
        shown = ", ".join(str(n) for n in verdict.lines[:MAX_LINES_SHOWN])
        more = (
            f" (+{len(verdict.lines) - MAX_LINES_SHOWN} more)" if len(verdict.lines) > MAX_LINES_SHOWN else ""
        )
        line += f"; first offending lines {shown}{more}"
    return line


def summary_lines(verdicts: Iterable[RuleVerdict]) -> list[str]:
    """Failures first, then warnings; passing rules are not listed."""
    verdicts = list(verdicts)
    ordered = [v for v in verdicts if v.status == "fail"] + [v for v in verdicts if v.status == "warn"]
    return [summary_line(v) for v in ordered]

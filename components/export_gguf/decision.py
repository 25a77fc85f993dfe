"""The export gate, pure: answers in, numbers out; numbers and a policy in, a verdict naming every failed rule out.

    numbers = compare_answers(examples, evaluated, exported)   # agreement, both fact accuracies, the drop
    verdict = decide_export(numbers, ExportPolicy(max_fact_accuracy_drop=0.02))
    verdict.passed, verdict.reasons

Fact accuracy is the evaluate step's rule for one answer (its `fact_check` metric): it states every declared
key fact and none of the declared wrong ones (components/common/facts.py matching). Both sides are scored here
with the same function on the same prompts, so the drop compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from components.common.datasets import GoldenExample
from components.common.facts import facts_stated

TOLERANCE = 1e-9  # float noise in a difference of two means is no drop


def fact_accurate(answer: str, key_facts: tuple[str, ...] | list[str], wrong_facts=()) -> bool:
    """One answer's fact accuracy (evaluate's fact_check rule): every key fact stated, no wrong fact stated."""
    return len(facts_stated(key_facts, answer)) == len(key_facts) and not facts_stated(wrong_facts, answer)


@dataclass(frozen=True)
class CheckNumbers:
    checked: int
    identical: int
    source_fact_accuracy: float  # the version's evaluated answers on these prompts
    export_fact_accuracy: float  # the export's answers on the same prompts

    @property
    def agreement(self) -> float:
        """Share of answers identical to the evaluated ones (greedy: the same text, byte for byte)."""
        return self.identical / self.checked if self.checked else 0.0

    @property
    def fact_accuracy_drop(self) -> float:
        return self.source_fact_accuracy - self.export_fact_accuracy

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "identical": self.identical,
            "agreement": round(self.agreement, 6),
            "source_fact_accuracy": round(self.source_fact_accuracy, 6),
            "export_fact_accuracy": round(self.export_fact_accuracy, 6),
            "fact_accuracy_drop": round(self.fact_accuracy_drop, 6),
        }


def compare_answers(
    examples: list[GoldenExample], evaluated: dict[str, str], exported: list[str]
) -> tuple[CheckNumbers, list[dict[str, Any]]]:
    """Numbers of the export's answers against the evaluated ones, and every prompt where they differ."""
    if len(examples) != len(exported):
        raise ValueError(f"{len(exported)} answers for {len(examples)} prompts")
    if lacking := next((e.id for e in examples if not e.key_facts), None):
        raise ValueError(f"golden row {lacking!r} declares no key_facts: the fact-accuracy gate needs them")
    differences, identical, source_ok, export_ok = [], 0, 0, 0
    for example, answer in zip(examples, exported, strict=True):
        before = evaluated[example.id]
        was, now = (fact_accurate(a, example.key_facts, example.wrong_facts) for a in (before, answer))
        source_ok, export_ok = source_ok + was, export_ok + now
        if answer == before:
            identical += 1
        else:
            differences.append({"id": example.id, "evaluated": before, "exported": answer,
                                "fact_accurate": {"evaluated": was, "exported": now}})  # fmt: skip
    n = len(examples)
    numbers = CheckNumbers(n, identical, source_ok / n if n else 0.0, export_ok / n if n else 0.0)
    return numbers, differences


@dataclass(frozen=True)
class ExportPolicy:
    max_fact_accuracy_drop: float = 0.02
    min_agreement: float | None = None


@dataclass(frozen=True)
class ExportVerdict:
    passed: bool
    reasons: list[str] = field(default_factory=list)  # every rule that failed, in words


def decide_export(numbers: CheckNumbers, policy: ExportPolicy) -> ExportVerdict:
    """Pass only when something was checked, fact accuracy fell by at most the allowed drop, and (if set) enough
    answers are identical to the evaluated ones."""
    reasons = []
    if numbers.checked == 0:
        reasons.append("no golden prompt was checked")
    drop = numbers.fact_accuracy_drop
    if numbers.checked and drop > policy.max_fact_accuracy_drop + TOLERANCE:
        reasons.append(
            f"fact accuracy fell by {drop:.4f} ({numbers.source_fact_accuracy:.4f} -> "
            f"{numbers.export_fact_accuracy:.4f} on {numbers.checked} golden prompts), more than the allowed "
            f"{policy.max_fact_accuracy_drop:g} (max_fact_accuracy_drop)"
        )
    if policy.min_agreement is not None and numbers.agreement + TOLERANCE < policy.min_agreement:
        reasons.append(
            f"{numbers.identical}/{numbers.checked} answers identical to the evaluated ones "
            f"({numbers.agreement:.3f}), below min_agreement {policy.min_agreement:g}"
        )
    return ExportVerdict(not reasons, reasons)

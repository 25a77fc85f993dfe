"""The promotion verdict as a pure function: numbers in, verdict and reasons out.

    decision = decide_promotion(comparison, policy)          # policy from configs/promote.yaml
    decision.status in {"promote", "reject", "awaiting_approval", "approved", "forced"}

No registry access here: `promote.py` reads the evaluation report and the registry, calls this, and moves
aliases according to the verdict. Every rule that fails adds a reason; a pass lists the evidence too.
With `require_online_evidence`, the challenger also needs the online.* tags `tuneline report online` sets
(enough rated answers, up-vote share not worse than the champion's beyond a margin); until they are there
the verdict is "awaiting_online_evidence", which, like "awaiting_approval", moves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from components.common.config import StepConfig


class Guardrail(BaseModel):
    """A metric the candidate may not make worse by more than `tolerance` (absolute)."""

    metric: str = Field(description="metric name in the evaluation report")
    higher_is_better: bool = Field(True, description="direction of 'better' for this metric")
    tolerance: float = Field(0.0, ge=0, description="how much worse than the champion is still acceptable")
    test: Literal["point", "interval"] = Field(
        "point",
        description="point: the means' difference may not exceed the tolerance; interval: the paired-bootstrap "
        "interval of the difference (evaluation's, per example) may not lie wholly beyond it, so a rise of one "
        "answer in a hundred that the data cannot tell from noise does not refuse, a clear rise does",
    )


class PromotionPolicy(StepConfig):
    """When a challenger may replace the champion (configs/promote.yaml)."""

    primary_metric: str = Field("rouge_l", description="metric whose paired-bootstrap interval decides")
    min_delta: float = Field(
        0.0, description="the interval's lower bound must exceed this (0 = surely better)"
    )
    guardrails: list[Guardrail] = Field(default_factory=list, description="metrics that must not get worse")
    max_latency_factor: float = Field(
        1.5, gt=0, description="candidate latency may be at most this multiple of the champion's"
    )
    latency_metric: str = Field("latency_s_per_answer", description="latency metric name (lower is better)")
    require_approval: bool = Field(
        False, description="a person must approve with `tuneline promote --approve`"
    )
    require_online_evidence: bool = Field(
        False,
        description="the challenger needs online.* tags from `tuneline report online` (canary/shadow feedback)",
    )
    min_online_feedback: int = Field(
        30, ge=0, description="rated answers (up + down) the challenger needs before online evidence counts"
    )
    max_online_regression: float = Field(
        0.05,
        ge=0,
        description="lower bound of (challenger - champion) up-vote share may not be below minus this",
    )


@dataclass(frozen=True)
class Comparison:
    """What the evaluation measured, reduced to what the decision needs."""

    primary_metric: str
    delta: float
    ci_low: float
    ci_high: float
    candidate: dict[str, float]
    champion: dict[str, float]
    champion_label: str = "base model"
    # paired-bootstrap interval (low, high) of candidate - champion per metric, for interval guardrails
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class OnlineEvidence:
    """What `tuneline report online` measured for a version in serving, as stored in its online.* tags."""

    rated: int  # answers with an up or down vote
    upvote_share: float | None = None
    delta: float | None = None  # up-vote share minus the champion's
    delta_lower: float | None = None  # lower end of the interval of `delta`
    delta_upper: float | None = None
    requests: int = 0
    report_run_id: str = ""

    TAGS = ("rated", "upvote_share", "delta", "delta_lower", "delta_upper", "requests", "report_run_id")

    def to_tags(self) -> dict[str, str]:
        """`online.<field>` tags; missing numbers are left out."""
        values = {name: getattr(self, name) for name in self.TAGS}
        return {
            f"online.{k}": str(round(v, 6) if isinstance(v, float) else v)
            for k, v in values.items()
            if v not in (None, "")
        }

    @classmethod
    def from_tags(cls, tags: dict[str, str]) -> OnlineEvidence | None:
        """The evidence in a version's tags, or None when it has no online.rated tag."""
        if "online.rated" not in tags:
            return None
        number = {k: float(tags[f"online.{k}"]) for k in cls.TAGS[1:5] if f"online.{k}" in tags}
        return cls(
            rated=int(tags["online.rated"]),
            requests=int(tags.get("online.requests", 0)),
            report_run_id=tags.get("online.report_run_id", ""),
            **number,
        )


@dataclass(frozen=True)
class Decision:
    promote: bool
    status: str
    reasons: list[str] = field(default_factory=list)


def decide_promotion(
    comparison: Comparison,
    policy: PromotionPolicy,
    approved_by: str | None = None,
    force_reason: str | None = None,
    online: OnlineEvidence | None = None,
) -> Decision:
    """Apply the policy; `approved_by` is a person's approval, `force_reason` overrides a failed gate,
    `online` is the challenger's online evidence (used when the policy requires it)."""
    failures, evidence = _check_rules(comparison, policy)
    waiting: list[str] = []
    if policy.require_online_evidence:
        online_failures, waiting, online_evidence = _online_rules(online, policy)
        failures, evidence = failures + online_failures, evidence + online_evidence
    if force_reason is not None:
        if not force_reason.strip():
            return Decision(False, "reject", ["--force needs a reason"])
        note = f"forced by operator: {force_reason.strip()}"
        return Decision(True, "forced", [note, *failures, *waiting, *evidence])
    if failures:
        return Decision(False, "reject", failures)
    if waiting:
        return Decision(False, "awaiting_online_evidence", [*evidence, *waiting])
    if policy.require_approval and not approved_by:
        return Decision(False, "awaiting_approval", [*evidence, "policy requires a person's approval"])
    if approved_by:
        return Decision(True, "approved", [*evidence, f"approved by {approved_by}"])
    return Decision(True, "promote", evidence)


def _check_rules(c: Comparison, policy: PromotionPolicy) -> tuple[list[str], list[str]]:
    failures: list[str] = []
    evidence: list[str] = []
    if c.primary_metric != policy.primary_metric:
        failures.append(
            f"report's primary metric is {c.primary_metric!r}, policy decides on {policy.primary_metric!r}"
        )
    interval = f"{c.primary_metric} delta {c.delta:+.4f}, 95% CI [{c.ci_low:+.4f}, {c.ci_high:+.4f}] vs {c.champion_label}"
    if c.ci_low > policy.min_delta:
        evidence.append(f"{interval}: lower bound above {policy.min_delta:+.4f}")
    else:
        failures.append(f"{interval}: lower bound not above {policy.min_delta:+.4f}")
    for rule in policy.guardrails:
        failures.extend(_guardrail_failure(c, rule))
    failures.extend(_latency_failure(c, policy))
    return failures, evidence


def _guardrail_failure(c: Comparison, rule: Guardrail) -> list[str]:
    if rule.metric not in c.candidate or rule.metric not in c.champion:
        return [f"guardrail {rule.metric!r} is missing from the evaluation report"]
    cand, champ = c.candidate[rule.metric], c.champion[rule.metric]
    worse_by = (champ - cand) if rule.higher_is_better else (cand - champ)
    if rule.test == "interval":
        if rule.metric not in c.intervals:
            return [f"guardrail {rule.metric!r} has no paired interval in the evaluation report"]
        low, high = c.intervals[rule.metric]
        worse_low = -high if rule.higher_is_better else low  # lower end of "how much worse", 95% interval
        if worse_low > rule.tolerance:
            return [
                f"guardrail {rule.metric}: {cand:.4f} vs {champ:.4f}, worse by {worse_by:+.4f} with the 95% "
                f"interval [{low:+.4f}, {high:+.4f}] wholly beyond the tolerance {rule.tolerance}"
            ]
        return []
    if worse_by > rule.tolerance:
        return [
            f"guardrail {rule.metric}: {cand:.4f} vs {champ:.4f} is worse by {worse_by:.4f} (> {rule.tolerance})"
        ]
    return []


def _latency_failure(c: Comparison, policy: PromotionPolicy) -> list[str]:
    cand, champ = c.candidate.get(policy.latency_metric), c.champion.get(policy.latency_metric)
    if cand is None or champ is None or champ <= 0:
        return []  # latency not measured for both: not a reason to block
    if cand > policy.max_latency_factor * champ:
        return [
            f"latency {cand:.3f}s vs {champ:.3f}s is {cand / champ:.2f}x the champion's "
            f"(> {policy.max_latency_factor}x allowed)"
        ]
    return []


def _online_rules(
    online: OnlineEvidence | None, policy: PromotionPolicy
) -> tuple[list[str], list[str], list[str]]:
    """(failures, reasons to wait for more traffic, evidence) of the online-evidence rules."""
    if online is None:
        return (
            [],
            ["policy requires online evidence: no online.* tags yet (run `tuneline report online`)"],
            [],
        )
    if online.rated < policy.min_online_feedback:
        return [], [f"online: {online.rated} rated answers, policy needs {policy.min_online_feedback}"], []
    if online.delta_lower is None:
        return [], ["online: no champion feedback to compare the up-vote share with"], []
    share = "n/a" if online.upvote_share is None else f"{online.upvote_share:.3f}"
    text = (
        f"online: {online.rated} rated answers, up-vote share {share}, "
        f"delta vs champion 95% lower bound {online.delta_lower:+.3f}"
    )
    if online.delta_lower < -policy.max_online_regression:
        return [f"{text} is below -{policy.max_online_regression:.3f} (max_online_regression)"], [], []
    return [], [], [f"{text} >= -{policy.max_online_regression:.3f}"]

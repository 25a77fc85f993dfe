"""decide_promotion: every rule, the approval flow and forced moves, as a table."""

from __future__ import annotations

import pytest

from components.register.decision import Comparison, Guardrail, PromotionPolicy, decide_promotion

GUARDS = [
    Guardrail(metric="guardrail_rate", higher_is_better=False, tolerance=0.0),
    Guardrail(metric="preference_accuracy", higher_is_better=True, tolerance=0.02),
]


def comparison(delta=0.10, ci_low=0.05, guard=0.0, pref=0.70, latency=1.0, metric="rouge_l", label="v3"):
    cand = {
        "rouge_l": 0.5 + delta,
        "guardrail_rate": guard,
        "preference_accuracy": pref,
        "latency_s_per_answer": latency,
    }
    champ = {"rouge_l": 0.5, "guardrail_rate": 0.0, "preference_accuracy": 0.70, "latency_s_per_answer": 1.0}
    return Comparison(metric, delta, ci_low, delta + 0.05, cand, champ, label)


CASES = [
    # (name, comparison, policy overrides, approved_by, force_reason, promote, status, text in reasons)
    ("clear win", comparison(), {}, None, None, True, "promote", "lower bound above"),
    (
        "interval touches zero",
        comparison(0.02, -0.01),
        {},
        None,
        None,
        False,
        "reject",
        "lower bound not above",
    ),
    ("below min delta", comparison(0.05, 0.02), {"min_delta": 0.03}, None, None, False, "reject", "+0.0300"),
    ("guardrail leak", comparison(guard=0.05), {}, None, None, False, "reject", "guardrail guardrail_rate"),
    ("pref within tolerance", comparison(pref=0.69), {}, None, None, True, "promote", "lower bound above"),
    ("pref beyond tolerance", comparison(pref=0.60), {}, None, None, False, "reject", "preference_accuracy"),
    ("too slow", comparison(latency=2.0), {}, None, None, False, "reject", "latency"),
    (
        "slow but allowed",
        comparison(latency=2.0),
        {"max_latency_factor": 2.5},
        None,
        None,
        True,
        "promote",
        "",
    ),
    (
        "wrong primary metric",
        comparison(metric="exact_match"),
        {},
        None,
        None,
        False,
        "reject",
        "primary metric",
    ),
    ("first version vs base", comparison(label="base model"), {}, None, None, True, "promote", "base model"),
    (
        "needs approval",
        comparison(),
        {"require_approval": True},
        None,
        None,
        False,
        "awaiting_approval",
        "approval",
    ),
    (
        "approved",
        comparison(),
        {"require_approval": True},
        "ana (ok)",
        None,
        True,
        "approved",
        "approved by ana",
    ),
    (
        "approval cannot pass a failed gate",
        comparison(0.0, -0.1),
        {},
        "ana",
        None,
        False,
        "reject",
        "lower bound",
    ),
    (
        "forced over failed gate",
        comparison(0.0, -0.1),
        {},
        None,
        "hotfix",
        True,
        "forced",
        "forced by operator: hotfix",
    ),
    ("force needs a reason", comparison(), {}, None, "  ", False, "reject", "needs a reason"),
]


@pytest.mark.parametrize(
    ("name", "comp", "overrides", "approved_by", "force", "promote", "status", "text"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_decide_promotion(name, comp, overrides, approved_by, force, promote, status, text):
    policy = PromotionPolicy(guardrails=GUARDS, **overrides)
    decision = decide_promotion(comp, policy, approved_by=approved_by, force_reason=force)
    assert (decision.promote, decision.status) == (promote, status)
    assert any(text in reason for reason in decision.reasons), decision.reasons


def test_missing_guardrail_metric_blocks():
    comp = comparison()
    del comp.candidate["guardrail_rate"]
    decision = decide_promotion(comp, PromotionPolicy(guardrails=GUARDS))
    assert not decision.promote and "missing" in decision.reasons[-1]


def test_every_failure_is_listed():
    decision = decide_promotion(
        comparison(0.0, -0.1, guard=0.2, latency=9.0), PromotionPolicy(guardrails=GUARDS)
    )
    assert len(decision.reasons) == 3


def test_rouge_up_facts_down_is_refused_by_the_fact_gate():
    """A challenger that learned the answers' style (ROUGE-L up) while stating fewer right facts is refused,
    with the fact interval and the guardrails as the reasons, as configs/promote.yaml sets them."""
    policy = PromotionPolicy(
        primary_metric="fact_accuracy",
        guardrails=[
            Guardrail(metric="contradiction_rate", higher_is_better=False, tolerance=0.0),
            Guardrail(metric="unsupported_claim_rate", higher_is_better=False, tolerance=0.0),
        ],
    )
    champion = {
        "fact_accuracy": 0.14,
        "rouge_l": 0.12,
        "contradiction_rate": 0.02,
        "unsupported_claim_rate": 0.4,
    }
    candidate = {
        "fact_accuracy": 0.11,
        "rouge_l": 0.15,
        "contradiction_rate": 0.05,
        "unsupported_claim_rate": 0.5,
    }
    facts = Comparison("fact_accuracy", -0.03, -0.08, 0.02, candidate, champion, "base model")
    decision = decide_promotion(facts, policy)
    assert not decision.promote and decision.status == "reject"
    assert any("fact_accuracy delta -0.0300" in r and "not above" in r for r in decision.reasons)
    assert any(r.startswith("guardrail contradiction_rate") for r in decision.reasons)
    assert any(r.startswith("guardrail unsupported_claim_rate") for r in decision.reasons)
    rouge = Comparison("rouge_l", 0.03, 0.01, 0.05, candidate, champion, "base model")
    refused = decide_promotion(rouge, policy)  # a report judged on ROUGE-L cannot pass a fact policy
    assert not refused.promote and "policy decides on 'fact_accuracy'" in refused.reasons[0]


def test_interval_guardrails_refuse_a_clear_rise_and_pass_noise():
    """test: interval reads the paired interval of candidate - champion: wholly above the tolerance = refused."""
    rule = Guardrail(metric="contradiction_rate", higher_is_better=False, tolerance=0.0, test="interval")
    policy = PromotionPolicy(primary_metric="fact_accuracy", guardrails=[rule])
    champ = {"fact_accuracy": 0.0, "contradiction_rate": 0.0}

    def decide(rate, low, high):
        cand = {"fact_accuracy": 0.3, "contradiction_rate": rate}
        intervals = {"contradiction_rate": (low, high)}
        return decide_promotion(
            Comparison("fact_accuracy", 0.3, 0.2, 0.4, cand, champ, "base", intervals), policy
        )

    assert decide(0.009, 0.0, 0.027).promote  # one answer in 112: the interval reaches 0
    clear = decide(0.12, 0.06, 0.18)
    assert not clear.promote and "wholly beyond the tolerance 0.0" in clear.reasons[0]
    higher = Guardrail(metric="preference_accuracy", higher_is_better=True, tolerance=0.02, test="interval")
    policy = PromotionPolicy(primary_metric="fact_accuracy", guardrails=[higher])
    cand, base = (
        {"fact_accuracy": 0.3, "preference_accuracy": 0.5},
        {"fact_accuracy": 0.0, "preference_accuracy": 0.6},
    )
    dropped = Comparison(
        "fact_accuracy", 0.3, 0.2, 0.4, cand, base, "base", {"preference_accuracy": (-0.15, -0.05)}
    )
    assert not decide_promotion(dropped, policy).promote  # fell by at least 0.05 > 0.02
    noisy = Comparison(
        "fact_accuracy", 0.3, 0.2, 0.4, cand, base, "base", {"preference_accuracy": (-0.2, 0.01)}
    )
    assert decide_promotion(noisy, policy).promote
    missing = Comparison("fact_accuracy", 0.3, 0.2, 0.4, cand, base, "base")
    assert "has no paired interval" in decide_promotion(missing, policy).reasons[0]

"""The online loop's statistics and promotion rules against hand-computed and published values.

Wilson and Newcombe values are the worked examples of Newcombe (Statistics in Medicine 1998, 17: 857-872 and
873-890); PSI, JS and percentiles are computed by hand in the comments.
"""

from __future__ import annotations

import math

import pytest

from components.online.drift import chi2_quantile, noise_critical
from components.online.report import version_stats
from components.online.stats import (
    bin_shares,
    js_divergence,
    newcombe_difference,
    percentile,
    psi,
    quantile_edges,
    wilson_interval,
)
from components.register.decision import Comparison, OnlineEvidence, PromotionPolicy, decide_promotion


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (30, 40, 0.5981, 0.8581),  # centre (0.75 + 1.96^2/80) / (1 + 1.96^2/40) = 0.7281, half-width 0.1300
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_without_data_is_everything():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("a", "n_a", "b", "n_b", "low", "high"),
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_difference_matches_published_values(a, n_a, b, n_b, low, high):
    delta, lower, upper = newcombe_difference(a, n_a, b, n_b)
    assert delta == pytest.approx(a / n_a - b / n_b)
    assert (lower, upper) == pytest.approx((low, high), abs=5e-5)


def test_difference_needs_both_groups():
    assert newcombe_difference(3, 4, 0, 0) is None


def test_psi_and_js_by_hand():
    # PSI: (0.8 - 0.5) ln(0.8/0.5) + (0.2 - 0.5) ln(0.2/0.5) = 0.3 * 0.47000 + 0.3 * 0.91629 = 0.41589
    assert psi([0.5, 0.5], [0.8, 0.2]) == pytest.approx(0.41589, abs=1e-5)
    assert psi([0.25] * 4, [0.25] * 4) == 0.0
    # JS: m = (0.65, 0.35); KL(p||m) = 0.06803, KL(q||m) = 0.07818 bits; mean 0.07310
    assert js_divergence([0.5, 0.5], [0.8, 0.2]) == pytest.approx(0.07310, abs=1e-5)
    assert js_divergence([1, 0], [0, 1]) == pytest.approx(1.0)


def test_psi_survives_an_empty_bin():
    value = psi([0.5, 0.5, 0.0], [0.4, 0.4, 0.2])
    assert math.isfinite(value) and value > 1.0  # mass where training had none is a big shift


def test_percentiles_interpolate_like_numpy():
    assert percentile([40, 10, 30, 20], 50) == 25.0
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)  # rank 0.95 * 3 = 2.85 -> 30 + 0.85 * 10
    assert percentile([], 50) is None


def test_bins_come_from_reference_quantiles():
    reference = list(range(1, 11))  # 1..10
    edges = quantile_edges(reference, 2)
    assert edges == [5.5]
    assert bin_shares([1, 2, 9, 10, 11], edges) == [0.4, 0.6]


def test_chi_square_quantile_and_noise_floor():
    assert chi2_quantile(9, 0.95) == pytest.approx(16.919, rel=0.01)  # table value
    assert chi2_quantile(49, 0.95) == pytest.approx(66.339, rel=0.01)
    # 30 recent prompts vs 400 training prompts in 10 bins: chance alone reaches PSI ~0.61 at 5%
    assert noise_critical(10, 400, 30, 0.05) == pytest.approx(16.919 * (1 / 400 + 1 / 30), rel=0.01)


def test_version_stats_of_a_known_log():
    rows = [{"route": "champion", "rating": "up", "latency_ms": 100.0, "feedback_at": 1.0}] * 30
    rows += [{"route": "champion", "rating": "down", "latency_ms": 300.0, "feedback_at": 1.0}] * 10
    rows += [{"route": "champion", "rating": None, "latency_ms": 200.0, "feedback_at": None}] * 60
    stats = version_stats(rows)
    assert (stats["requests"], stats["rated"], stats["up"]) == (100, 40, 30)
    assert stats["feedback_rate"] == pytest.approx(0.4)
    assert stats["upvote_share"] == 0.75
    assert (stats["upvote_lower"], stats["upvote_upper"]) == pytest.approx((0.5981, 0.8581), abs=5e-5)
    assert (stats["latency_ms_p50"], stats["latency_ms_p95"]) == (200.0, 300.0)


def test_online_evidence_round_trips_through_tags():
    evidence = OnlineEvidence(rated=40, upvote_share=0.75, delta=0.1, delta_lower=-0.02, delta_upper=0.2)
    tags = evidence.to_tags()
    assert tags["online.rated"] == "40" and tags["online.delta_lower"] == "-0.02"
    assert OnlineEvidence.from_tags(tags) == evidence
    assert OnlineEvidence.from_tags({"eval.delta": "0.1"}) is None


def passing_comparison() -> Comparison:
    metrics = {"rouge_l": 0.6, "latency_s_per_answer": 1.0}
    return Comparison("rouge_l", 0.1, 0.05, 0.15, metrics, {**metrics, "rouge_l": 0.5}, "v3")


def evidence(rated=50, lower=-0.01):
    return OnlineEvidence(rated=rated, upvote_share=0.8, delta=0.05, delta_lower=lower, delta_upper=0.1)


ONLINE_CASES = [
    # (name, policy overrides, online evidence, approved_by, force, promote, status, text in reasons)
    ("not required: tags ignored", {}, None, None, None, True, "promote", "lower bound above"),
    ("not required: bad tags ignored", {}, evidence(lower=-0.5), None, None, True, "promote", "lower bound"),
    ("required, no tags yet", {"require_online_evidence": True}, None, None, None, False,
     "awaiting_online_evidence", "no online.* tags"),
    ("too few rated answers", {"require_online_evidence": True}, evidence(rated=10), None, None, False,
     "awaiting_online_evidence", "10 rated answers, policy needs 30"),
    ("no champion comparison", {"require_online_evidence": True}, evidence(lower=None), None, None, False,
     "awaiting_online_evidence", "no champion feedback"),
    ("enough and no regression", {"require_online_evidence": True}, evidence(), None, None, True,
     "promote", "lower bound -0.010 >= -0.050"),
    ("exactly at the margin", {"require_online_evidence": True}, evidence(lower=-0.05), None, None, True,
     "promote", ">= -0.050"),
    ("regression beyond margin", {"require_online_evidence": True}, evidence(lower=-0.08), None, None, False,
     "reject", "below -0.050"),
    ("stricter margin", {"require_online_evidence": True, "max_online_regression": 0.0}, evidence(), None,
     None, False, "reject", "below -0.000"),
    ("fewer needed", {"require_online_evidence": True, "min_online_feedback": 5}, evidence(rated=10), None,
     None, True, "promote", "10 rated answers"),
    ("approval does not replace evidence", {"require_online_evidence": True}, None, "ana (ok)", None, False,
     "awaiting_online_evidence", "no online.* tags"),
    ("evidence then approval", {"require_online_evidence": True, "require_approval": True}, evidence(), None,
     None, False, "awaiting_approval", "approval"),
    ("force over missing evidence", {"require_online_evidence": True}, None, None, "hotfix", True, "forced",
     "no online.* tags"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "overrides", "online", "approved_by", "force", "promote", "status", "text"),
    ONLINE_CASES,
    ids=[c[0] for c in ONLINE_CASES],
)
def test_online_evidence_rules(name, overrides, online, approved_by, force, promote, status, text):
    decision = decide_promotion(
        passing_comparison(), PromotionPolicy(**overrides), approved_by, force, online=online
    )
    assert (decision.promote, decision.status) == (promote, status)
    assert any(text in reason for reason in decision.reasons), decision.reasons

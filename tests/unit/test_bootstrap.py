"""Paired statistics and the held-out preference split: pure functions, exact expectations."""

from __future__ import annotations

import numpy as np
import pytest

from components.common.splits import held_out_ids, split_preference_pairs
from components.evaluate_model.stats import outcomes, paired_bootstrap, slice_results, win_tie_loss

RNG = np.random.default_rng(7)
CHAMPION = RNG.uniform(0.1, 0.6, size=60).tolist()


def test_identical_models_give_an_interval_containing_zero():
    result = paired_bootstrap(CHAMPION, CHAMPION, resamples=1000, seed=0)
    assert result.mean_delta == 0.0
    assert result.ci_low <= 0.0 <= result.ci_high


def test_noisy_equal_models_still_give_an_interval_containing_zero():
    noise = RNG.normal(0, 0.05, size=60)
    candidate = (np.asarray(CHAMPION) + noise - noise.mean()).tolist()  # same mean, different examples
    result = paired_bootstrap(candidate, CHAMPION, resamples=2000, seed=1)
    assert result.ci_low < 0.0 < result.ci_high


def test_better_on_every_example_gives_an_interval_strictly_above_zero():
    candidate = [c + RNG.uniform(0.001, 0.2) for c in CHAMPION]
    result = paired_bootstrap(candidate, CHAMPION, resamples=2000, seed=0)
    assert 0.0 < result.ci_low <= result.mean_delta <= result.ci_high
    assert result.share_at_or_below_zero == 0.0


def test_worse_everywhere_gives_an_interval_below_zero_and_lower_is_better_flips_the_sign():
    candidate = [c - 0.1 for c in CHAMPION]
    assert paired_bootstrap(candidate, CHAMPION, resamples=500).ci_high < 0
    assert paired_bootstrap(candidate, CHAMPION, resamples=500, higher_is_better=False).ci_low > 0


def test_bootstrap_is_reproducible_with_its_seed_and_records_it():
    candidate = [c + RNG.normal(0, 0.1) for c in CHAMPION]
    first = paired_bootstrap(candidate, CHAMPION, resamples=1500, seed=3, confidence=0.9)
    again = paired_bootstrap(candidate, CHAMPION, resamples=1500, seed=3, confidence=0.9)
    other = paired_bootstrap(candidate, CHAMPION, resamples=1500, seed=4, confidence=0.9)
    assert first == again and (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    assert (first.seed, first.resamples, first.confidence, first.n) == (3, 1500, 0.9, 60)


def test_bootstrap_refuses_unpaired_or_empty_scores():
    with pytest.raises(ValueError, match="same length"):
        paired_bootstrap([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        paired_bootstrap([], [])


def test_win_tie_loss_and_outcomes_respect_direction_and_tolerance():
    cand, champ = [0.5, 0.3, 0.2, 0.4 + 1e-12], [0.4, 0.3, 0.6, 0.4]
    assert win_tie_loss(cand, champ) == {"win": 1, "tie": 2, "loss": 1}
    assert outcomes(cand, champ) == ["win", "tie", "loss", "tie"]
    assert win_tie_loss(cand, champ, higher_is_better=False) == {"win": 1, "tie": 2, "loss": 1}
    assert outcomes(cand, champ, higher_is_better=False) == ["loss", "tie", "win", "tie"]
    assert win_tie_loss(cand, champ, tolerance=0.15) == {"win": 0, "tie": 3, "loss": 1}


def test_slices_group_by_label_with_their_own_numbers():
    labels = ["billing", "sync", "billing", "sync"]
    result = slice_results(labels, [1.0, 0.2, 0.8, 0.2], [0.5, 0.2, 0.4, 0.4], resamples=200)
    assert sorted(result) == ["billing", "sync"]
    billing, sync = result["billing"], result["sync"]
    assert (
        billing["n"] == 2
        and billing["candidate"] == pytest.approx(0.9)
        and billing["champion"] == pytest.approx(0.45)
    )
    assert billing["delta"] == pytest.approx(0.45) and billing["ci_low"] > 0 and billing["win"] == 2
    assert sync["delta"] == pytest.approx(-0.1) and (sync["tie"], sync["loss"]) == (1, 1)


def test_preference_split_is_deterministic_disjoint_and_order_independent():
    rows = [{"id": f"pref-{i:04d}"} for i in range(1, 337)]
    train, held = split_preference_pairs(rows, 0.2, seed=42)
    assert len(held) == round(336 * 0.2) and len(train) + len(held) == 336
    assert not {r["id"] for r in train} & {r["id"] for r in held}
    shuffled = list(reversed(rows))
    assert {r["id"] for r in split_preference_pairs(shuffled, 0.2, seed=42)[1]} == {r["id"] for r in held}
    assert held_out_ids([r["id"] for r in rows], 0.2, seed=7) != {r["id"] for r in held}


def test_preference_split_edges():
    ids = ["a", "b", "c"]
    assert held_out_ids(ids, 0.0, seed=1) == set()
    assert len(held_out_ids(ids, 0.01, seed=1)) == 1  # at least one pair held out
    assert len(held_out_ids(ids, 0.99, seed=1)) == 2  # never all of them
    with pytest.raises(ValueError, match="unique"):
        held_out_ids(["a", "a"], 0.5, seed=1)

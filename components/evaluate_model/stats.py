"""Paired comparison statistics (pure): bootstrap interval of the mean delta, win/tie/loss, per-slice results.

    result = paired_bootstrap(candidate_scores, champion_scores, resamples=2000, seed=0)
    result.mean_delta, result.ci_low, result.ci_high        # candidate - champion, 95% percentile interval
    win_tie_loss(candidate_scores, champion_scores)         # {"win": 70, "tie": 30, "loss": 12}

The bootstrap resamples *examples* (the same indices for both models), so the interval reflects how much
the delta would move on another golden set drawn like this one; the seed makes it reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

_CHUNK = 1000  # resamples drawn at a time: bounds memory at _CHUNK * n indices


@dataclass(frozen=True)
class BootstrapResult:
    """Mean paired delta (candidate - champion) with its percentile interval."""

    mean_delta: float
    ci_low: float
    ci_high: float
    confidence: float
    resamples: int
    seed: int
    n: int
    share_at_or_below_zero: float  # share of resampled mean deltas <= 0 (one-sided bootstrap p-value)

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def paired_deltas(
    candidate: Sequence[float], champion: Sequence[float], higher_is_better: bool = True
) -> np.ndarray:
    """Per-example improvement of the candidate; positive is better whatever the metric's direction."""
    cand, champ = np.asarray(candidate, dtype=float), np.asarray(champion, dtype=float)
    if cand.shape != champ.shape or cand.ndim != 1:
        raise ValueError(f"paired scores need the same length, got {cand.shape} and {champ.shape}")
    return cand - champ if higher_is_better else champ - cand


def bootstrap_means(deltas: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of `resamples` resamples (with replacement, same size) of the deltas."""
    if len(deltas) == 0:
        raise ValueError("cannot bootstrap an empty set of paired scores")
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    rng = np.random.default_rng(seed)
    means = []
    for start in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - start)
        means.append(deltas[rng.integers(0, len(deltas), size=(size, len(deltas)))].mean(axis=1))
    return np.concatenate(means)


def paired_bootstrap(
    candidate: Sequence[float],
    champion: Sequence[float],
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    higher_is_better: bool = True,
) -> BootstrapResult:
    """Mean delta and its `confidence` percentile interval over paired resamples of the examples."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    deltas = paired_deltas(candidate, champion, higher_is_better)
    means = bootstrap_means(deltas, resamples, seed)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return BootstrapResult(
        mean_delta=float(deltas.mean()),
        ci_low=float(low),
        ci_high=float(high),
        confidence=confidence,
        resamples=resamples,
        seed=seed,
        n=len(deltas),
        share_at_or_below_zero=float((means <= 0).mean()),
    )


def win_tie_loss(
    candidate: Sequence[float],
    champion: Sequence[float],
    tolerance: float = 1e-9,
    higher_is_better: bool = True,
) -> dict[str, int]:
    """Examples where the candidate is better / within `tolerance` / worse."""
    deltas = paired_deltas(candidate, champion, higher_is_better)
    return {
        "win": int((deltas > tolerance).sum()),
        "tie": int((np.abs(deltas) <= tolerance).sum()),
        "loss": int((deltas < -tolerance).sum()),
    }


def outcomes(
    candidate: Sequence[float],
    champion: Sequence[float],
    tolerance: float = 1e-9,
    higher_is_better: bool = True,
) -> list[str]:
    """ "win" / "tie" / "loss" per example (same rule as win_tie_loss)."""
    deltas = paired_deltas(candidate, champion, higher_is_better)
    return ["win" if d > tolerance else "loss" if d < -tolerance else "tie" for d in deltas]


def slice_results(
    slices: Sequence[str],
    candidate: Sequence[float],
    champion: Sequence[float],
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    tolerance: float = 1e-9,
    higher_is_better: bool = True,
) -> dict[str, dict]:
    """Per slice (e.g. golden-set category): n, both means, bootstrap of the delta, win/tie/loss."""
    cand, champ = np.asarray(candidate, dtype=float), np.asarray(champion, dtype=float)
    labels = np.asarray(slices, dtype=object)
    if len(labels) != len(cand):
        raise ValueError(f"{len(labels)} slice labels for {len(cand)} paired scores")
    results: dict[str, dict] = {}
    for name in sorted(set(labels.tolist())):
        mask = labels == name
        boot = paired_bootstrap(cand[mask], champ[mask], resamples, seed, confidence, higher_is_better)
        results[name] = {
            "n": int(mask.sum()),
            "candidate": float(cand[mask].mean()),
            "champion": float(champ[mask].mean()),
            "delta": boot.mean_delta,
            "ci_low": boot.ci_low,
            "ci_high": boot.ci_high,
            **win_tie_loss(cand[mask], champ[mask], tolerance, higher_is_better),
        }
    return results

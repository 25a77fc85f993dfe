"""Statistics of the online loop as pure functions: proportions with intervals, percentiles, distribution shift.

    wilson_interval(30, 40)                       # (0.5981, 0.8581): up-vote share 30/40 with its 95% interval
    newcombe_difference(45, 50, 30, 40)           # interval of 45/50 - 30/40 (challenger minus champion)
    psi([0.5, 0.5], [0.8, 0.2])                   # 0.4159: population stability index
    js_divergence([0.5, 0.5], [0.8, 0.2])         # 0.0731 bits

Wilson's score interval keeps its coverage near the nominal 95% for small counts and shares near 0 or 1, where
the textbook p ± z·sqrt(p(1-p)/n) collapses to zero width. Newcombe's hybrid score interval (his method 10,
Statistics in Medicine 1998) combines the two Wilson intervals into one for the difference of independent
proportions. No numpy or scipy: these run on a handful of numbers and are unit-tested against hand values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

EPSILON = 1e-4  # share given to an empty bin in PSI / JS, so one empty bin does not make the index infinite


def z_value(confidence: float = 0.95) -> float:
    """Two-sided standard-normal quantile: 1.959964 for 95%."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of successes/n; (0, 1) when n is 0 (nothing is known)."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got {successes}/{n}")
    if n == 0:
        return 0.0, 1.0
    z = z_value(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = 0.95
) -> tuple[float, float, float] | None:
    """(p_a - p_b, lower, upper) by Newcombe's hybrid score method; None when either group is empty."""
    if n_a == 0 or n_b == 0:
        return None
    p_a, p_b = successes_a / n_a, successes_b / n_b
    low_a, high_a = wilson_interval(successes_a, n_a, confidence)
    low_b, high_b = wilson_interval(successes_b, n_b, confidence)
    delta = p_a - p_b
    lower = delta - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    upper = delta + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return delta, lower, upper


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def quantile_edges(reference: Sequence[float], bins: int) -> list[float]:
    """Inner bin edges at the reference's 1/bins ... (bins-1)/bins quantiles, duplicates removed.

    Bins are (-inf, e1], (e1, e2], ..., (e_last, inf): roughly equal reference mass in each, whatever the scale.
    """
    if bins < 2:
        raise ValueError("need at least 2 bins")
    edges = [percentile(reference, 100 * i / bins) for i in range(1, bins)]
    return sorted({edge for edge in edges if edge is not None})


def bin_shares(values: Sequence[float], edges: Sequence[float]) -> list[float]:
    """Share of `values` in each bin defined by `edges` (see quantile_edges); len(edges) + 1 shares."""
    counts = [0] * (len(edges) + 1)
    for value in values:
        counts[sum(value > edge for edge in edges)] += 1
    total = len(values)
    return [count / total if total else 0.0 for count in counts]


def _floored(shares: Sequence[float]) -> list[float]:
    floored = [max(share, EPSILON) for share in shares]
    total = sum(floored)
    return [share / total for share in floored]


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index: sum (a - e) * ln(a / e) over bins; empty bins count as EPSILON."""
    if len(expected) != len(actual):
        raise ValueError("expected and actual need the same bins")
    e, a = _floored(expected), _floored(actual)
    return sum((ai - ei) * math.log(ai / ei) for ei, ai in zip(e, a, strict=True))


def js_divergence(p: Sequence[float], q: Sequence[float]) -> float:
    """Jensen-Shannon divergence in bits (0 = same distribution, 1 = disjoint support)."""
    if len(p) != len(q):
        raise ValueError("both distributions need the same bins")

    def kl(x: Sequence[float], m: Sequence[float]) -> float:
        return sum(xi * math.log2(xi / mi) for xi, mi in zip(x, m, strict=True) if xi > 0)

    total_p, total_q = sum(p) or 1.0, sum(q) or 1.0
    p = [x / total_p for x in p]
    q = [x / total_q for x in q]
    m = [(pi + qi) / 2 for pi, qi in zip(p, q, strict=True)]
    return max(0.0, (kl(p, m) + kl(q, m)) / 2)

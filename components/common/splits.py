"""Which preference pairs are held out for evaluation; the alignment step must train on the rest.

    from components.common.splits import split_preference_pairs
    train_pairs, eval_pairs = split_preference_pairs(rows, fraction=0.2, seed=42)

The round(n * fraction) pairs with the smallest sha256("<seed>:<id>") are held out (at least one, never
all). The rule depends only on the ids, the fraction and the seed: not on file order, and adding pairs
moves few others. The train step holds out conversations with it too. The align step splits with it
and writes the held-out ids into the adapter's record (`held_out_pair_ids`); evaluation scores exactly those
pairs for that adapter, so the two never need the same setting in two configs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

Row = TypeVar("Row", bound=Mapping[str, Any])


def held_out_ids(ids: Sequence[str], fraction: float, seed: int) -> set[str]:
    """Ids of the held-out share (see module docstring); empty when fraction <= 0."""
    if not 0 <= fraction < 1:
        raise ValueError(f"held-out fraction must be in [0, 1), got {fraction}")
    if fraction == 0 or not ids:
        return set()
    if len(set(ids)) != len(ids):
        raise ValueError("pair ids must be unique to split them")
    ranked = sorted(ids, key=lambda row_id: hashlib.sha256(f"{seed}:{row_id}".encode()).hexdigest())
    count = min(len(ids) - 1, max(1, round(len(ids) * fraction)))
    return set(ranked[:count])


def split_preference_pairs(rows: Sequence[Row], fraction: float, seed: int) -> tuple[list[Row], list[Row]]:
    """(train, held_out) in the rows' original order."""
    held = held_out_ids([str(row["id"]) for row in rows], fraction, seed)
    return [r for r in rows if str(r["id"]) not in held], [r for r in rows if str(r["id"]) in held]

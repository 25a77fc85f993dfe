"""Semantic contamination and near-duplicates: MiniLM embeddings of the prompts, kept in the vector index.

    result = semantic_check(loaded, hashes, cfg)     # loaded files and their sha256 by kind
    result.problems     # {golden line: "nearest training prompt sft.jsonl:12 at cosine 0.981 >= 0.97: '...'"}
    result.section      # report.json "semantic": distribution, golden ids at/above the threshold, duplicates

Each data file's prompts (every user turn; a golden row's prompt is its last user turn) are synced into the
vector index (components/common/vector_index.py) under `dataset/<sha256[:16] of the file>`, so an unchanged
file embeds nothing on the next run and a changed one embeds only its new prompts. For every golden prompt the
nearest training prompt (SFT user turns and preference prompts) is looked up with the index's search; its
cosine similarity is the contamination signal, reported as a distribution (min, p50, p95, max) and as the
golden rows at or above `semantic_contamination_threshold` (rule golden.semantic_contamination, a warning
by default). Near-duplicate training prompts (distinct texts at or above `semantic_duplicate_threshold`)
are counted from the same vectors in memory and reported with a few examples; they never block.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from components.common.embeddings import Embedder, EmbedderUnavailable
from components.common.jsonl import LoadedFile
from components.common.messages import user_turns
from components.common.vector_index import PromptIndex, dataset_key, truncate_utf8
from components.validate_data.config import ValidateDataConfig

SEMANTIC_RULE = "golden.semantic_contamination"
TRAINING_KINDS = ("sft", "preference")
BLOCK = 2048  # rows per block of the in-memory similarity matrix (memory ~ BLOCK x n floats)


@dataclass
class SemanticResult:
    """Golden-line problems for the frame, the report section, flat metrics and human summary lines."""

    problems: dict[int, str] = field(default_factory=dict)
    section: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None  # why nothing was checked (off, no training file)
    error: str | None = None  # why nothing could be checked (no embedding model): judged like a finding


def file_prompts(loaded: LoadedFile) -> list[str]:
    """Every user turn of the file, in order (the set the index stores for this file)."""
    return [turn for _, record in loaded.records for turn in user_turns(record)]


def where_index(training: Mapping[str, LoadedFile]) -> dict[str, str]:
    """Training prompt (as the index stores it) -> `file:line` of its first occurrence."""
    where: dict[str, str] = {}
    for loaded in training.values():
        for line, record in loaded.records:
            for turn in user_turns(record):  # keyed as the index stores texts (hits quote those)
                where.setdefault(truncate_utf8(turn), f"{loaded.path.name}:{line}")
    return where


def distribution(values: np.ndarray) -> dict[str, float | None]:
    if not len(values):
        return {"min": None, "p50": None, "p95": None, "max": None}
    q = np.quantile(values, [0, 0.5, 0.95, 1])
    return {name: round(float(v), 4) for name, v in zip(("min", "p50", "p95", "max"), q, strict=True)}


def near_duplicates(
    texts: list[str], vectors: np.ndarray, threshold: float, keep: int
) -> tuple[int, list[tuple[float, str, str]]]:
    """Pairs of distinct texts with cosine >= threshold: their count and the `keep` most similar."""
    count, best = 0, []
    for start in range(0, len(texts), BLOCK):
        sims = vectors[start : start + BLOCK] @ vectors.T
        rows, cols = np.nonzero(sims >= threshold)
        upper = cols > rows + start  # each pair once, never a text with itself
        rows, cols = rows[upper], cols[upper]
        count += len(rows)
        top = np.argsort(-sims[rows, cols])[:keep]
        best += [(float(sims[rows[i], cols[i]]), texts[rows[i] + start], texts[cols[i]]) for i in top]
    return count, sorted(best, reverse=True)[:keep]


def semantic_check(
    loaded: Mapping[str, LoadedFile], hashes: Mapping[str, str], cfg: ValidateDataConfig
) -> SemanticResult:
    """Sync every file's prompts into the index, then score golden vs training and training vs itself."""
    started = time.perf_counter()
    training = {kind: loaded[kind] for kind in TRAINING_KINDS if kind in loaded}
    try:
        embedder = Embedder.load()
    except EmbedderUnavailable as exc:
        return SemanticResult(error=str(exc))
    with PromptIndex(cfg.vector_uri, embedder) as index:
        syncs = {
            kind: index.sync(
                dataset_key(hashes[kind]), file_prompts(f), "train" if kind in training else kind
            )
            for kind, f in loaded.items()
        }
        vectors = {kind: dict(zip(*index.vectors(dataset_key(hashes[kind])), strict=True)) for kind in loaded}
        golden = _golden_nearest(loaded.get("golden"), vectors.get("golden", {}), training, hashes, index)
    result = SemanticResult()
    if golden is not None:
        _report_golden(golden, cfg, result, where_index(training))
    if training:
        _report_duplicates(training, vectors, cfg, result)
    embedded = sum(s.embedded for s in syncs.values())
    result.section["index"] = {
        "uri": index.uri,
        "embedder": embedder.name,
        "keys": {kind: s.key for kind, s in syncs.items()},
        "embedded": embedded,
        "reused": sum(s.reused for s in syncs.values()),
        "kept": sum(s.kept for s in syncs.values()),
        "embed_s": round(sum(s.embed_s for s in syncs.values()), 3),
        "seconds": round(time.perf_counter() - started, 3),
    }
    result.metrics["semantic.embedded"] = float(embedded)
    return result


def _golden_nearest(
    golden: LoadedFile | None,
    by_text: Mapping[str, np.ndarray],
    training: Mapping[str, LoadedFile],
    hashes: Mapping[str, str],
    index: PromptIndex,
) -> list[tuple[int, str, str | None, float | None]] | None:
    """(line, id, nearest training prompt, similarity) per golden row with a prompt; None: nothing to compare.
    `by_text`: the golden file's stored prompts (as stored: cut to TEXT_MAX_BYTES) and their vectors."""
    if golden is None or not training:
        return None
    rows = [(line, str(r.get("id", line)), user_turns(r)[-1]) for line, r in golden.records if user_turns(r)]
    queried = [(line, gid, truncate_utf8(p)) for line, gid, p in rows if truncate_utf8(p) in by_text]
    keys = [dataset_key(hashes[kind]) for kind in training]
    hits = index.search(np.asarray([by_text[p] for _, _, p in queried]), k=1, keys=keys) if queried else []
    return [
        (line, gid, found[0].text if found else None, found[0].similarity if found else None)
        for (line, gid, _), found in zip(queried, hits, strict=True)
    ]


def _report_golden(
    golden: list[tuple[int, str, str | None, float | None]],
    cfg: ValidateDataConfig,
    result: SemanticResult,
    where: Mapping[str, str],
) -> None:
    threshold = cfg.semantic_contamination_threshold
    scored = [(line, gid, text, sim) for line, gid, text, sim in golden if sim is not None]
    sims = np.asarray([sim for *_, sim in scored])
    above = sorted((r for r in scored if r[3] >= threshold), key=lambda r: -r[3])
    for line, _, text, sim in above:
        result.problems[line] = (
            f"nearest training prompt {where.get(text, '?')} at cosine {sim:.3f} >= {threshold}: {text[:80]!r}"
        )
    spread = distribution(sims)
    result.section["golden_nearest_training"] = {
        "threshold": threshold,
        "golden_prompts": len(scored),
        **spread,
        "above_threshold": len(above),
        "above_threshold_ids": [gid for _, gid, _, _ in above],
        "closest": [
            {"id": gid, "line": line, "similarity": round(sim, 4), "training": where.get(text), "text": text}
            for line, gid, text, sim in sorted(scored, key=lambda r: -r[3])[: cfg.max_examples]
        ],
    }
    result.metrics.update({f"semantic.golden_nearest_{k}": v for k, v in spread.items() if v is not None})
    result.metrics["semantic.golden_above_threshold"] = float(len(above))
    if scored:
        result.notes.append(
            f"INFO golden.semantic_contamination: nearest training prompt of {len(scored)} golden prompts, "
            f"cosine min {spread['min']:.3f} / p50 {spread['p50']:.3f} / p95 {spread['p95']:.3f} / "
            f"max {spread['max']:.3f}; {len(above)} at or above {threshold}"
        )


def _report_duplicates(
    training: Mapping[str, LoadedFile],
    vectors: Mapping[str, Mapping[str, np.ndarray]],
    cfg: ValidateDataConfig,
    result: SemanticResult,
) -> None:
    merged = {text: v for kind in training for text, v in vectors[kind].items()}
    texts = list(merged)
    matrix = np.asarray(list(merged.values()), dtype=np.float32).reshape(len(texts), -1)
    threshold = cfg.semantic_duplicate_threshold
    count, examples = near_duplicates(texts, matrix, threshold, cfg.max_examples)
    where = where_index(training)
    result.section["training_near_duplicates"] = {
        "threshold": threshold,
        "training_prompts": len(texts),
        "pairs": count,
        "examples": [
            {"similarity": round(sim, 4), "a": where.get(a), "b": where.get(b), "a_text": a, "b_text": b}
            for sim, a, b in examples
        ],
    }
    result.metrics["semantic.training_near_duplicate_pairs"] = float(count)
    if count:
        sim, a, b = examples[0]
        result.notes.append(
            f"INFO training.semantic_duplicates: {count} pairs of distinct training prompts at cosine >= "
            f"{threshold} (e.g. {where.get(a)} ~ {where.get(b)} at {sim:.3f})"
        )

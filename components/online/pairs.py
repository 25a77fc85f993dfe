"""Preference pairs from logged feedback, as pure functions (rows of RequestLog.requests in, pairs out).

    pairs = build_pairs(rows, system_prompt="You are Quill, ...")

Two sources, both in the schema of data/raw/preference.jsonl (id, category, prompt, chosen, rejected,
rejection_type) plus `source` (which completions and versions the pair came from):

- correction: a person wrote a preferred answer for a down-rated (or unrated) answer:
  chosen = the preferred answer, rejected = the answer given.
- comparison: two versions answered the same messages (a canary or shadow row next to the champion's) and
  one answer got an up-vote, the other a down-vote: chosen = the up-voted answer, rejected = the down-voted.
  Identical answers with opposite votes say nothing about the model and make no pair.

A pair's id is a hash of its prompt, chosen and rejected text, so exporting the same feedback again yields
the same ids (and the export skips them) and two identical pairs from different requests collapse to one.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

Row = dict[str, Any]
Pair = dict[str, Any]


def pair_id(prompt: list[dict[str, str]], chosen: str, rejected: str) -> str:
    """Stable content id: `fb-` + 16 hex digits of sha256 over the canonical JSON of the pair."""
    payload = json.dumps([prompt, chosen, rejected], sort_keys=True, ensure_ascii=False)
    return "fb-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def prompt_of(messages: list[dict[str, str]], system_prompt: str | None) -> list[dict[str, str]]:
    """The logged messages as a training prompt; `system_prompt` is prepended when there is none."""
    prompt = [{"role": m.get("role"), "content": m.get("content")} for m in messages]
    if system_prompt and not (prompt and prompt[0]["role"] == "system"):
        prompt.insert(0, {"role": "system", "content": system_prompt})
    return prompt


def make_pair(
    prompt: list[dict[str, str]], chosen: str, rejected: str, rejection_type: str, source: dict[str, Any]
) -> Pair:
    return {
        "id": pair_id(prompt, chosen, rejected),
        "category": "feedback",
        "prompt": prompt,
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
        "rejection_type": rejection_type,
        "source": source,
    }


def correction_pairs(rows: Iterable[Row], system_prompt: str | None = None) -> list[Pair]:
    """A person's preferred answer over the answer they rated down (or did not rate)."""
    return [
        make_pair(
            prompt_of(row["messages"], system_prompt),
            row["preferred"],
            row["answer"],
            "down_vote" if row.get("rating") == "down" else "corrected",
            {"kind": "correction", "rejected_id": row["id"], "rejected_version": row["version"]},
        )
        for row in rows
        if row.get("preferred") and row.get("rating") in ("down", None)
    ]


def messages_key(messages: list[dict[str, str]]) -> str:
    return json.dumps(messages, sort_keys=True, ensure_ascii=False)


def comparison_pairs(rows: Iterable[Row], system_prompt: str | None = None) -> list[Pair]:
    """Up-voted answer of one version over a down-voted answer of another version to the same messages."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.get("rating") in ("up", "down"):
            groups[messages_key(row["messages"])].append(row)
    pairs = []
    for group in groups.values():
        ups = [r for r in group if r["rating"] == "up"]
        downs = [r for r in group if r["rating"] == "down"]
        for up in ups:
            for down in downs:
                if up["version"] == down["version"] or up["answer"].strip() == down["answer"].strip():
                    continue
                source = {
                    "kind": "comparison",
                    "chosen_id": up["id"],
                    "chosen_version": up["version"],
                    "rejected_id": down["id"],
                    "rejected_version": down["version"],
                }
                prompt = prompt_of(up["messages"], system_prompt)
                pairs.append(make_pair(prompt, up["answer"], down["answer"], "lost_comparison", source))
    return pairs


def build_pairs(rows: list[Row], system_prompt: str | None = None) -> list[Pair]:
    """All pairs from the log rows, first occurrence of each id kept, in log order."""
    unique: dict[str, Pair] = {}
    for pair in correction_pairs(rows, system_prompt) + comparison_pairs(rows, system_prompt):
        unique.setdefault(pair["id"], pair)
    return list(unique.values())


def completion_ids(pair: Pair) -> set[str]:
    """The logged completions a pair was made from."""
    return {v for k, v in pair.get("source", {}).items() if k.endswith("_id") and v}

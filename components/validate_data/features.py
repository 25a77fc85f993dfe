"""Feature frames: one pandas row per JSONL line (index = line number), one column per rule.

    frames = build_frames(loaded_files, cfg, tokenizer)
    frames["sft"].loc[17, "role_order"]    # "messages[2] is 'user' after 'user', expected 'assistant'"

A column holds None where the line passes its rule and a short description where it fails, or a number
(token count, whether chosen is longer) that an expectation bounds. Unparseable lines appear only in the
`parse` column, so one broken line yields one finding. Cross-row rules (duplicates, contamination) are
computed here too; great-expectations then asserts every column (suites.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from components.common.jsonl import LoadedFile, Record
from components.common.messages import user_turns
from components.common.pii import PiiFinding
from components.validate_data.checks import check_record, content_text, normalise
from components.validate_data.rules import FEATURE_COLUMNS, NUMERIC_COLUMNS

CountTokens = Callable[[list[list[dict[str, str]]]], list[int | None]]
DUPLICATE_KEYS = {"sft": ("messages",), "preference": ("prompt", "chosen", "rejected")}
MIN_CONTAINED_WORDS = 4  # shorter evaluation prompts ("hi", "thanks") only count as leaked on an exact match


def record_rows(
    kind: str,
    loaded: LoadedFile,
    allowed_roles: list[str],
    pii: Mapping[int, list[PiiFinding]],
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, bool]]]:
    """Per-line feature values from the record alone; also which message fields are well formed."""
    rows: dict[int, dict[str, Any]] = {line: {"parse": error} for line, error in loaded.parse_errors.items()}
    well_formed: dict[int, dict[str, bool]] = {}
    for line, record in loaded.records:
        problems, well_formed[line] = check_record(kind, record, allowed_roles)
        found = pii.get(line)
        if found:
            problems["pii"] = "; ".join(f.describe() for f in found[:3]) + (" ..." if len(found) > 3 else "")
        rows[line] = problems
    return rows, well_formed


def mark_duplicates(kind: str, records: list[tuple[int, Record]], rows: dict[int, dict[str, Any]]) -> None:
    """Flag every later copy of an exact-duplicate example (ids and categories ignored)."""
    keys = DUPLICATE_KEYS.get(kind)
    if not keys:
        return
    first_seen: dict[str, int] = {}
    for line, record in records:
        if not all(key in record for key in keys):
            continue
        key = json.dumps([record[k] for k in keys], sort_keys=True, ensure_ascii=False)
        if key in first_seen:
            rows[line]["duplicates"] = f"same as line {first_seen[key]}"
        else:
            first_seen[key] = line


def add_token_counts(
    kind: str,
    records: list[tuple[int, Record]],
    well_formed: dict[int, dict[str, bool]],
    rows: dict[int, dict[str, Any]],
    count_tokens: CountTokens,
) -> None:
    """token_count: the longest chat-template rendering of the example (preference: prompt + each answer)."""
    conversations: list[list[dict[str, str]]] = []
    owners: list[int] = []
    for line, record in records:
        ok = well_formed[line]
        if kind == "sft" and ok.get("messages"):
            conversations.append(record["messages"])
            owners.append(line)
        elif kind == "preference" and ok.get("prompt"):
            for side in ("chosen", "rejected"):
                if ok.get(side):
                    conversations.append(record["prompt"] + record[side])
                    owners.append(line)
    for line, count in zip(owners, count_tokens(conversations), strict=True):
        if count is None:
            rows[line].setdefault("message_format", "the base model's chat template cannot render it")
        else:
            rows[line]["token_count"] = max(count, rows[line].get("token_count") or 0)


def add_length_preference(records: list[tuple[int, Record]], well_formed, rows) -> None:
    """chosen_longer: 1.0 where the chosen answer has more characters than the rejected one, else 0.0."""
    for line, record in records:
        if well_formed[line].get("chosen") and well_formed[line].get("rejected"):
            longer = len(content_text(record["chosen"])) > len(content_text(record["rejected"]))
            rows[line]["chosen_longer"] = 1.0 if longer else 0.0


def training_index(training: Mapping[str, LoadedFile]) -> list[tuple[str, str]]:
    """(normalised user turn, `file:line`) for every user turn of every training file."""
    return [
        (f" {normalise(turn)} ", f"{loaded.path}:{line}")
        for loaded in training.values()
        for line, record in loaded.records
        for turn in user_turns(record)
    ]


def mark_contamination(
    golden: LoadedFile,
    training: Mapping[str, LoadedFile],
    rows: dict[int, dict[str, Any]],
    max_jaccard: float = 0.6,
) -> None:
    """Flag evaluation prompts whose user turn equals, appears as whole words inside, or is a near-copy of
    (token Jaccard >= max_jaccard) a training turn: a reworded copy measures memory, not understanding."""
    index = training_index(training)
    exact = {turn: where for turn, where in reversed(index)}
    word_sets = [(set(turn.split()), where) for turn, where in index]  # split once, not once per golden row
    for line, record in golden.records:
        for prompt in user_turns(record):
            needle = f" {normalise(prompt)} "
            if not needle.strip():
                continue
            where = exact.get(needle)
            if where is None and len(needle.split()) >= MIN_CONTAINED_WORDS:
                where = next((w for turn, w in index if needle in turn), None)
            if where:
                rows[line]["contamination"] = f"user prompt also appears in {where}"
                break
            near = _nearest(set(needle.split()), word_sets, max_jaccard)
            if near:
                rows[line]["contamination"] = (
                    f"user prompt is a near-copy of {near[1]} (token Jaccard {near[0]:.2f} >= {max_jaccard})"
                )
                break


def _nearest(
    words: set[str], word_sets: list[tuple[set[str], str]], threshold: float
) -> tuple[float, str] | None:
    """(Jaccard, where) of the most similar training turn (as a word set) at or above `threshold`, or None."""
    best: tuple[float, str] | None = None
    for other, where in word_sets:
        score = len(words & other) / len(words | other) if words | other else 0.0
        if score >= threshold and (best is None or score > best[0]):
            best = (score, where)
    return best


def to_frame(kind: str, rows: dict[int, dict[str, Any]]) -> pd.DataFrame:
    """The feature frame: index = line number, every rule column present even when the file is empty."""
    columns = FEATURE_COLUMNS[kind]
    lines = sorted(rows)
    data = {
        column: pd.Series(
            [rows[line].get(column) for line in lines],
            index=lines,
            dtype="float64" if column in NUMERIC_COLUMNS else "object",
        )
        for column in columns
    }
    frame = pd.DataFrame(data, columns=list(columns), index=pd.Index(lines, dtype="int64", name="line"))
    return frame


def build_frames(
    loaded: Mapping[str, LoadedFile],
    allowed_roles: list[str],
    pii: Mapping[str, Mapping[int, list[PiiFinding]]],
    count_tokens: CountTokens | None,
    max_prompt_jaccard: float = 0.6,
    semantic: Mapping[int, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Feature frames for every loaded kind; `count_tokens` may be None when only golden data is checked.
    `semantic`: golden line -> semantic-contamination problem (computed by semantic.py on embeddings)."""
    frames: dict[str, pd.DataFrame] = {}
    training = {kind: loaded[kind] for kind in ("sft", "preference") if kind in loaded}
    for kind, file in loaded.items():
        rows, well_formed = record_rows(kind, file, allowed_roles, pii.get(kind, {}))
        mark_duplicates(kind, file.records, rows)
        if kind in ("sft", "preference") and count_tokens is not None:
            add_token_counts(kind, file.records, well_formed, rows, count_tokens)
        if kind == "preference":
            add_length_preference(file.records, well_formed, rows)
        if kind == "golden":
            mark_contamination(file, training, rows, max_prompt_jaccard)
            for line, problem in (semantic or {}).items():
                rows[line]["semantic_contamination"] = problem
        frames[kind] = to_frame(kind, rows)
    return frames

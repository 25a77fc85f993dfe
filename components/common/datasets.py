"""Read the golden set and the held-out preference pairs, refusing malformed rows by file, line and rule."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from components.common.config import ConfigError
from components.common.jsonl import read_records
from components.common.messages import Messages, MessagesError, parse_messages
from components.common.splits import split_preference_pairs


class EvaluationInputError(ConfigError):
    """An evaluation input (golden set, preference file, model source) is unusable; names file/row/rule."""


@dataclass(frozen=True)
class GoldenExample:
    id: str
    category: str
    prompt: Messages
    reference: str
    key_facts: tuple[str, ...] = ()  # facts a right answer states (fact metrics); empty: none declared
    wrong_facts: tuple[str, ...] = ()  # values of a plausible wrong answer (contradiction rate)

    @property
    def question(self) -> str:
        """The last user turn: what a reader of the side-by-side table wants to see."""
        return next((m["content"] for m in reversed(self.prompt) if m["role"] == "user"), "")


@dataclass(frozen=True)
class PreferencePair:
    id: str
    prompt: Messages
    chosen: str
    rejected: str


def read_jsonl(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each line; the first bad line is an EvaluationInputError naming it."""
    return read_records(path, EvaluationInputError)


def _messages(value: Any, where: str, field: str, last: str | None = None) -> Messages:
    try:
        return parse_messages(value, where, field, last)
    except MessagesError as exc:
        raise EvaluationInputError(str(exc)) from None


def read_golden(path: str | Path, max_examples: int | None = None) -> list[GoldenExample]:
    """Golden rows in file order (first `max_examples` if set); ids unique, prompts end with a user turn."""
    examples, seen = [], set()
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        row_id = row.get("id")
        if not isinstance(row_id, str) or not row_id:
            raise EvaluationInputError(f"{where}: `id` must be a non-empty string")
        if row_id in seen:
            raise EvaluationInputError(f"{where}: duplicate id {row_id!r}")
        seen.add(row_id)
        prompt = _messages(row.get("prompt"), where, "prompt", last="user")
        if not isinstance(row.get("reference"), str):
            raise EvaluationInputError(f"{where}: `reference` must be a string")
        category = row.get("category", "all")
        facts = {field: _fact_list(row, field, where) for field in ("key_facts", "wrong_facts")}
        examples.append(GoldenExample(row_id, str(category), prompt, row["reference"], **facts))
    if not examples:
        raise EvaluationInputError(f"{path}: the golden set is empty")
    return examples[:max_examples] if max_examples else examples


def _fact_list(row: dict[str, Any], field: str, where: str) -> tuple[str, ...]:
    value = row.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise EvaluationInputError(f"{where}: `{field}` must be a list of non-empty strings")
    return tuple(value)


def golden_set_hash(examples: list[GoldenExample]) -> str:
    """Identity of exactly what the models are asked and scored against (the selected rows' ids, prompts and
    references, not the file's formatting). Declared facts are left out: they change how answers are
    judged, not the answers, so editing them reuses cached generations (the report records them per row)."""
    fields = ("id", "category", "prompt", "reference")
    payload = json.dumps(
        [{k: v for k, v in asdict(e).items() if k in fields} for e in examples],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def read_held_out_pairs(
    path: str | Path, fraction: float, seed: int, ids: Sequence[str] = ()
) -> list[PreferencePair]:
    """The preference pairs held out from alignment, validated: exactly `ids` when given (what an aligned
    adapter's record says its alignment held out), else the split rule of splits.split_preference_pairs."""
    rows = []
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        if not isinstance(row.get("id"), str):
            raise EvaluationInputError(f"{where}: `id` must be a string")
        answers = []
        for field in ("chosen", "rejected"):
            answers.append(_messages(row.get(field), where, field, last="assistant")[-1]["content"])
        rows.append(
            {"id": row["id"], "prompt": _messages(row.get("prompt"), where, "prompt"), "answers": answers}
        )
    if ids:
        missing = sorted(set(ids) - {r["id"] for r in rows})
        if missing:
            raise EvaluationInputError(
                f"{path}: the candidate's alignment held out pairs this file lacks ({', '.join(missing[:3])}, ...): "
                "evaluate it on the preference file it was aligned on"
            )
        held = [r for r in rows if r["id"] in set(ids)]
    else:
        try:
            _, held = split_preference_pairs(rows, fraction, seed)
        except ValueError as exc:
            raise EvaluationInputError(f"{path}: {exc}") from None
    return [PreferencePair(r["id"], r["prompt"], *r["answers"]) for r in held]


def pairs_hash(pairs: list[PreferencePair]) -> str:
    payload = json.dumps([asdict(p) for p in pairs], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()

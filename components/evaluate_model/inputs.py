"""Read the golden set and the held-out preference pairs, refusing malformed rows by file, line and rule."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from components.common.config import ConfigError
from components.evaluate_model.splits import split_preference_pairs

Messages = list[dict[str, str]]


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
    """(line number, object) for each non-blank line."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationInputError(f"{path} does not exist")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvaluationInputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise EvaluationInputError(f"{path}:{number}: each line must be a JSON object")
        rows.append((number, row))
    return rows


def _messages(value: Any, where: str, field: str) -> Messages:
    ok = (
        isinstance(value, list)
        and value
        and all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in value
        )
    )
    if not ok:
        raise EvaluationInputError(
            f"{where}: `{field}` must be a non-empty list of {{role, content}} messages"
        )
    return [{"role": m["role"], "content": m["content"]} for m in value]


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
        prompt = _messages(row.get("prompt"), where, "prompt")
        if prompt[-1]["role"] != "user":
            raise EvaluationInputError(f"{where}: `prompt` must end with a user turn (the question)")
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


def read_held_out_pairs(path: str | Path, fraction: float, seed: int) -> list[PreferencePair]:
    """The preference pairs held out from alignment (splits.split_preference_pairs), validated."""
    rows = []
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        if not isinstance(row.get("id"), str):
            raise EvaluationInputError(f"{where}: `id` must be a string")
        answers = []
        for field in ("chosen", "rejected"):
            messages = _messages(row.get(field), where, field)
            if messages[-1]["role"] != "assistant":
                raise EvaluationInputError(f"{where}: `{field}` must end with an assistant message")
            answers.append(messages[-1]["content"])
        rows.append(
            {"id": row["id"], "prompt": _messages(row.get("prompt"), where, "prompt"), "answers": answers}
        )
    try:
        _, held = split_preference_pairs(rows, fraction, seed)
    except ValueError as exc:
        raise EvaluationInputError(f"{path}: {exc}") from None
    return [PreferencePair(r["id"], r["prompt"], *r["answers"]) for r in held]


def pairs_hash(pairs: list[PreferencePair]) -> str:
    payload = json.dumps([asdict(p) for p in pairs], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()

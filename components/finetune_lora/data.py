"""Read chat conversations for SFT and split off a deterministic held-out set.

The split is the project's one rule (components/common/splits.py): each conversation's id hashed with the seed,
so a row stays on the same side when rows are added or reordered; the held-out share is exact (rounded), never
empty when eval_fraction > 0.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from components.common.jsonl import read_records
from components.common.messages import MessagesError, parse_messages
from components.common.splits import held_out_ids
from components.common.training import TrainingInputError


def read_conversations(path: str | Path) -> list[dict[str, Any]]:
    """Rows with an `id` (the line number when absent) and `messages` ending with the assistant turn that is
    learned; errors name the file, line and rule."""
    rows = []
    for number, row in read_records(path, TrainingInputError):
        try:
            messages = parse_messages(row.get("messages"), f"{path}:{number}", "messages", last="assistant")
        except MessagesError as exc:
            raise TrainingInputError(str(exc)) from None
        rows.append({"id": str(row.get("id", number)), "messages": messages})
    if not rows:
        raise TrainingInputError(f"{path}: no conversations")
    return rows


def split_holdout(
    rows: list[dict[str, Any]], fraction: float, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, held_out): the round(n * fraction) rows with the smallest seeded id hashes are held out."""
    try:
        held = held_out_ids([row["id"] for row in rows], fraction, seed) if fraction > 0 else set()
    except ValueError as exc:
        raise TrainingInputError(f"eval_fraction: {exc}") from None
    return [r for r in rows if r["id"] not in held], [r for r in rows if r["id"] in held]


def dominant_system_prompt(rows: list[dict[str, Any]]) -> str | None:
    """The system prompt most conversations use (serving should send the same one), None if there is none."""
    prompts = Counter(row["messages"][0]["content"] for row in rows if row["messages"][0]["role"] == "system")
    return prompts.most_common(1)[0][0] if prompts else None


def to_dataset(rows: list[dict[str, Any]]):
    """A datasets.Dataset with only the `messages` column (TRL's conversational format)."""
    from datasets import Dataset

    return Dataset.from_list([{"messages": row["messages"]} for row in rows])

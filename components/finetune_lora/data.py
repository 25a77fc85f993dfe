"""Read chat conversations for SFT and split off a deterministic held-out set.

The split hashes each conversation's id with the seed, so a row stays on the same side when rows are
added or reordered; the held-out share is exact (rounded), never empty when eval_fraction > 0.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from components.common.training import TrainingInputError

ROLES = {"system", "user", "assistant"}


def read_conversations(path: str | Path) -> list[dict[str, Any]]:
    """Rows with an `id` (the line number when absent) and `messages`; errors name the file, line and rule."""
    path = Path(path)
    if not path.is_file():
        raise TrainingInputError(f"train_file {path} does not exist")
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingInputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            _check_messages(row.get("messages") if isinstance(row, dict) else None, f"{path}:{number}")
            rows.append({"id": str(row.get("id", number)), "messages": row["messages"]})
    if not rows:
        raise TrainingInputError(f"{path}: no conversations")
    return rows


def _check_messages(messages: Any, where: str) -> None:
    if not isinstance(messages, list) or not messages:
        raise TrainingInputError(f"{where}: `messages` must be a non-empty list of {{role, content}}")
    for turn in messages:
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ROLES
            or not isinstance(turn.get("content"), str)
        ):
            raise TrainingInputError(
                f"{where}: each message needs role in {sorted(ROLES)} and string content"
            )
    if messages[-1]["role"] != "assistant":
        raise TrainingInputError(
            f"{where}: the conversation must end with an assistant turn (what is learned)"
        )


def split_holdout(
    rows: list[dict[str, Any]], fraction: float, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, held_out): the round(n * fraction) rows with the smallest seeded id hashes are held out."""
    if fraction <= 0:
        return list(rows), []
    ranked = sorted(rows, key=lambda row: hashlib.sha256(f"{seed}:{row['id']}".encode()).hexdigest())
    count = min(len(rows) - 1, max(1, round(len(rows) * fraction)))
    held = {row["id"] for row in ranked[:count]}
    return [r for r in rows if r["id"] not in held], [r for r in rows if r["id"] in held]


def dominant_system_prompt(rows: list[dict[str, Any]]) -> str | None:
    """The system prompt most conversations use (serving should send the same one), None if there is none."""
    prompts = Counter(row["messages"][0]["content"] for row in rows if row["messages"][0]["role"] == "system")
    return prompts.most_common(1)[0][0] if prompts else None


def to_dataset(rows: list[dict[str, Any]]):
    """A datasets.Dataset with only the `messages` column (TRL's conversational format)."""
    from datasets import Dataset

    return Dataset.from_list([{"messages": row["messages"]} for row in rows])

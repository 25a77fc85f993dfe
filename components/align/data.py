"""Preference pairs for alignment: read and check them, split off evaluation's held-out pairs, shape them per
method.

The held-out split is `components.common.splits.split_preference_pairs` with the same fraction and
seed as configs/evaluate.yaml, so alignment never trains on a pair its preference accuracy is measured on.
Pairs exported from serving feedback (`feedback_dir`) join the training side only, after the split.
Shapes: DPO / ORPO / reward model take TRL's conversational preference format (prompt, chosen, rejected);
KTO takes unpaired rows (prompt, completion, label), one desirable and one undesirable per pair, interleaved
so every batch mixes both (KTO estimates its KL term from mismatched completions in a batch); GRPO takes
prompts only and samples its own completions.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from components.common.jsonl import read_records
from components.common.messages import MessagesError, parse_messages
from components.common.splits import split_preference_pairs
from components.common.tracking import content_hash_many
from components.common.training import TrainingInputError

Pair = dict[str, Any]  # {"id", "prompt": [...], "chosen": [...], "rejected": [...]}


def read_preference_pairs(path: str | Path, min_pairs: int = 2) -> list[Pair]:
    """Rows of a TRL conversational preference JSONL; errors name the file, line and rule."""
    pairs, seen = [], set()
    for number, row in read_records(path, TrainingInputError):
        where = f"{path}:{number}"
        if not isinstance(row.get("id"), str) or not row["id"]:
            raise TrainingInputError(f"{where}: each line must be an object with a non-empty string `id`")
        if row["id"] in seen:
            raise TrainingInputError(f"{where}: duplicate id {row['id']!r}")
        seen.add(row["id"])
        pairs.append(
            {
                "id": row["id"],
                "prompt": _messages(row.get("prompt"), where, "prompt", last="user"),
                "chosen": _messages(row.get("chosen"), where, "chosen", last="assistant"),
                "rejected": _messages(row.get("rejected"), where, "rejected", last="assistant"),
                "rejection_type": row.get("rejection_type"),
            }
        )
    if len(pairs) < min_pairs:
        raise TrainingInputError(f"{path}: needs at least {min_pairs} preference pairs, found {len(pairs)}")
    return pairs


def _asked(pair: Pair) -> str:
    """The last user turn, case and spacing folded: what makes two prompts the same question."""
    return " ".join(
        next(m["content"] for m in reversed(pair["prompt"]) if m["role"] == "user").lower().split()
    )


def read_feedback_pairs(folder: str | Path | None, pairs: list[Pair], held_out: list[Pair]) -> list[Pair]:
    """Pairs exported from serving feedback (every *.jsonl in `folder`), for training only.

    Skipped: ids already among `pairs` or an earlier feedback file, and pairs asking a held-out pair's question
    (training on them would inflate the held-out preference accuracy). A missing folder means no feedback yet.
    """
    seen = {p["id"] for p in pairs}
    held_questions = {_asked(p) for p in held_out}
    extra = []
    for file in feedback_files(folder):
        for pair in read_preference_pairs(file, min_pairs=0):
            if pair["id"] not in seen and _asked(pair) not in held_questions:
                seen.add(pair["id"])
                extra.append(pair)
    return extra


def feedback_files(folder: str | Path | None) -> list[Path]:
    """The feedback pair files; one that DVC tracks but this checkout lacks is an error, not "no feedback"."""
    if folder is not None and Path(folder).is_file():
        raise TrainingInputError(
            f"feedback_dir {folder} is a file: give the folder `tuneline feedback export` writes"
        )
    if folder is None or not Path(folder).is_dir():
        return []
    missing = [p for p in Path(folder).glob("*.jsonl.dvc") if not p.with_suffix("").is_file()]
    if missing:
        raise TrainingInputError(
            f"{missing[0].with_suffix('')} is tracked by DVC but not in this checkout: dvc pull {folder}/*.dvc"
        )
    return sorted(Path(folder).glob("*.jsonl"))


def feedback_hash(folder: str | Path | None) -> str:
    """Content hash of the feedback pair files ('' when there are none), for fingerprints and lineage."""
    files = feedback_files(folder)
    return content_hash_many(files) if files else ""


def _messages(value: Any, where: str, field: str, last: str) -> list[dict[str, str]]:
    try:
        return parse_messages(value, where, field, last)
    except MessagesError as exc:
        raise TrainingInputError(str(exc)) from None


def split_pairs(
    pairs: list[Pair],
    fraction: float,
    seed: int,
    max_train: int | None = None,
    rejection_types: list[str] | None = None,
) -> tuple[list[Pair], list[Pair]]:
    """(train, held_out) by evaluation's rule; then the training side keeps only the listed rejection types
    (None: all) and its first `max_train` pairs. The held-out side never depends on those two."""
    try:
        train, held = split_preference_pairs(pairs, fraction, seed)
    except ValueError as exc:
        raise TrainingInputError(f"preference pairs: {exc}") from None
    if rejection_types is not None:
        train = [p for p in train if p.get("rejection_type") in rejection_types]
        if len(train) < 2:
            raise TrainingInputError(
                f"preference pairs: {len(train)} training pairs have rejection_type in {rejection_types}; "
                "need at least 2 (the field is optional in the file: pairs without it never match)"
            )
    return (train[:max_train] if max_train else train), held


def system_prompt_of(pairs: list[Pair]) -> str | None:
    """The system prompt most pairs use, None when they have none."""
    prompts = Counter(p["prompt"][0]["content"] for p in pairs if p["prompt"][0]["role"] == "system")
    return prompts.most_common(1)[0][0] if prompts else None


def preference_dataset(pairs: list[Pair]):
    """DPO / ORPO / reward model input: TRL conversational preference rows."""
    from datasets import Dataset

    return Dataset.from_list(
        [{"prompt": p["prompt"], "chosen": p["chosen"], "rejected": p["rejected"]} for p in pairs]
    )


def kto_rows(pairs: list[Pair]) -> list[dict[str, Any]]:
    """Each pair as two unpaired rows, chosen (desirable) then rejected (undesirable), pair after pair."""
    rows = []
    for p in pairs:
        rows.append({"prompt": p["prompt"], "completion": p["chosen"], "label": True})
        rows.append({"prompt": p["prompt"], "completion": p["rejected"], "label": False})
    return rows


def kto_dataset(pairs: list[Pair]):
    from datasets import Dataset

    return Dataset.from_list(kto_rows(pairs))


def prompt_dataset(pairs: list[Pair]):
    """GRPO input: the prompts only (the policy samples completions; the reward model scores them)."""
    from datasets import Dataset

    return Dataset.from_list([{"prompt": p["prompt"]} for p in pairs])


def dataset_for(method: str, pairs: list[Pair]):
    """The training dataset shape a preference method takes."""
    return kto_dataset(pairs) if method == "kto" else preference_dataset(pairs)

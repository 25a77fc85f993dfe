"""Round trip: the version loaded back from the registry answers exactly as the evaluated adapter did.

    check = verify_roundtrip("models:/tuneline-assistant/3", eval_report)   # RoundTripError on any difference
    python -m components.register.roundtrip models:/tuneline-assistant/3 artifacts/evaluate/eval_report.json

The register step runs this on every new version before it gets an alias: it downloads the version (adapter +
base reference), loads it the way serving does, re-answers the first evaluation batch of golden prompts with
the report's greedy generation settings, and compares the text with the candidate answers in the report. The
batch is the evaluation's own first batch (same prompts, same order, same size), so even the left padding is
the same and greedy decoding must give identical tokens; a difference means the registry does not hold what
was evaluated (wrong base, lost adapter file, changed tokenizer or system prompt).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


class RoundTripError(RuntimeError):
    """The reloaded version answered differently from the evaluated adapter."""


def verify_roundtrip(model_uri: str, report: dict[str, Any]) -> dict[str, Any]:
    """Re-answer the report's first golden batch with `model_uri`; returns counts, raises on a mismatch."""
    import torch

    from components.common.chat_model import ChatModel
    from components.common.datasets import read_golden

    started = time.perf_counter()
    generation = dict(report["generation"])
    batch_size = int(generation.pop("batch_size"))
    merge = bool(generation.pop("merge_adapter"))
    continuous = (
        {"max_in_flight": batch_size} if generation.pop("continuous_batching", False) and merge else None
    )
    examples = read_golden(report["golden_set"]["file"])[: min(batch_size, report["golden_set"]["n"])]
    expected = {row["id"]: row["candidate_answer"] for row in report["examples"]}
    chat = ChatModel.load(model_uri, merge=merge, continuous=continuous)
    torch.manual_seed(0)
    answers = chat.generate([e.prompt for e in examples], **generation)
    mismatches = [
        {"id": e.id, "evaluated": expected[e.id], "reloaded": a.text}
        for e, a in zip(examples, answers, strict=True)
        if a.text != expected.get(e.id)
    ]
    result = {
        "model_uri": model_uri,
        "checked": len(examples),
        "identical": len(examples) - len(mismatches),
        "seconds": round(time.perf_counter() - started, 2),
        "mismatches": mismatches[:5],
    }
    if mismatches:
        first = mismatches[0]
        raise RoundTripError(
            f"{model_uri} reloaded from the registry answered {len(mismatches)} of {len(examples)} golden prompts "
            f"differently from the evaluated adapter (first: {first['id']!r}: evaluated {first['evaluated'][:80]!r}"
            f", reloaded {first['reloaded'][:80]!r})"
        )
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m components.register.roundtrip MODELS_URI EVAL_REPORT.json", file=sys.stderr)
        return 2
    from components.common.step import offline_environment

    offline_environment()
    try:
        result = verify_roundtrip(argv[0], json.loads(Path(argv[1]).read_text()))
    except RoundTripError as exc:
        print(f"round trip FAILED: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

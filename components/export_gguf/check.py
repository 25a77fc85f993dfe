"""Check one exported GGUF before anyone uses it: re-answer the evaluated golden prompts through the engine that
will serve it, compare with the version's evaluated answers, and apply the gate.

    result = check_export(cfg, path, sha256, golden)   # {"passed", "reasons", "agreement", ...}

The file is read as a user's engine reads it: its metadata (system prompt, generation defaults, chat template)
comes from the file, not from the registry, so a file that lost them fails here.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from components.export_gguf.config import ExportConfig
from components.export_gguf.converter import ExportError
from components.export_gguf.decision import ExportPolicy, compare_answers, decide_export
from components.export_gguf.engines import open_engine
from components.export_gguf.metadata import TEMPLATE, read_gguf
from components.export_gguf.source import EvaluatedGolden

MAX_DIFFERENCES = 5  # prompts with a different answer kept in the check record (the first ones)


def check_export(
    cfg: ExportConfig,
    path: Path,
    sha256: str,
    golden: EvaluatedGolden,
    loaded: dict[str, tuple[Any, Any]] | None = None,
) -> dict[str, Any]:
    """Decode `golden` from the GGUF at `path` with the configured engine; numbers, verdict and evidence.
    `loaded`: tokenizers and configs read from this export's other files (engines.TransformersEngine)."""
    started = time.perf_counter()
    gguf = read_gguf(path)
    metadata = gguf.metadata
    if TEMPLATE not in metadata:
        raise ExportError(f"{path} carries no chat template ({TEMPLATE}): the converter did not find one")
    answers: list[str] = []
    with open_engine(cfg, path, gguf, sha256, {} if loaded is None else loaded) as engine:
        loaded = time.perf_counter()
        batches = range(0, len(golden.examples), golden.batch_size)
        for start in tqdm(batches, desc=f"check {path.name}", unit="batch", leave=False):
            batch = golden.examples[start : start + golden.batch_size]
            answers += engine.answer([e.prompt for e in batch], golden.generation)
        label, command = engine.label, engine.command
    numbers, differences = compare_answers(golden.examples, golden.answers, answers)
    policy = ExportPolicy(cfg.max_fact_accuracy_drop, cfg.min_agreement)
    verdict = decide_export(numbers, policy)
    return {
        "passed": verdict.passed,
        "reasons": verdict.reasons,
        **numbers.as_dict(),
        "max_fact_accuracy_drop": policy.max_fact_accuracy_drop,
        "min_agreement": policy.min_agreement,
        "engine": label,
        "engine_command": command,
        "golden_file": golden.golden_file,
        "generation": {**golden.generation, "batch_size": golden.batch_size},
        "metadata": metadata,
        "kv_digest": gguf.kv_digest,  # equal across quantizations: same tokenizer, template, hyperparameters
        "differences": differences[:MAX_DIFFERENCES],
        "seconds": {"load": round(loaded - started, 2), "total": round(time.perf_counter() - started, 2)},
    }

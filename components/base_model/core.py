"""Resolve the configured base model, answer one sanity prompt, write base_model.json.

python -m components.base_model --config configs/base_model.yaml
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from components.base_model.config import BaseModelConfig
from components.common.base_model import resolve_base_model


def greedy_answer(model, tokenizer, question: str, max_new_tokens: int) -> str:
    """One chat turn answered with greedy decoding (deterministic)."""
    import torch

    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": question}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
    return tokenizer.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True).strip()


def run(cfg: BaseModelConfig) -> dict[str, Any]:
    started = time.perf_counter()
    base = resolve_base_model(cfg.spec)
    resolved_s = time.perf_counter() - started
    model, tokenizer = base.load_model(), base.load_tokenizer()
    answer = greedy_answer(model, tokenizer, cfg.sanity_prompt, cfg.max_new_tokens)
    result = {
        "spec": base.spec,
        "kind": base.kind,
        "sha256": base.sha256,
        "parameters": sum(p.numel() for p in model.parameters()),
        "architecture": type(model).__name__,
        "sanity_prompt": cfg.sanity_prompt,
        "sanity_answer": answer,
    }
    out_dir = Path(cfg.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "base_model.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return {**result, "resolve_seconds": round(resolved_s, 2), "out": str(out_dir / "base_model.json")}

"""Shared fixtures: offline mode, and a tiny random Llama with the SmolLM2 tokenizer that trains in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.common.step import offline_environment

offline_environment()
REPO = Path(__file__).resolve().parents[1]


def build_tiny_model(out_dir: Path, seed: int = 0) -> Path:
    """A 2-layer, hidden-64 Llama with SmolLM2's tokenizer and chat template, saved as safetensors."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from components.common.base_model import _builtin_gguf_path

    gguf = _builtin_gguf_path("smollm2-135m-instruct")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """Folder of the tiny model; treat it as read-only (copy it before changing files)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture()
def tuneline_cache(tmp_path, monkeypatch) -> Path:
    """A throwaway TUNELINE_CACHE for tests that must not reuse converted models."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("TUNELINE_CACHE", str(cache))
    return cache

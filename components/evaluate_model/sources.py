"""Resolve the candidate and champion to model sources *without loading weights*.

    candidate = describe_source("artifacts/train/adapter", "candidate")
    champion = resolve_champion("auto", candidate, fallback_base="smollm2-135m-instruct")
    champion.fingerprint                     # cache identity, known before any weights are read
    champion.chat()                          # ChatModel.load(...) on first use only

The fingerprint is computed exactly as ChatModel.fingerprint (base content hash + adapter content hash)
from hashes alone, so a fully cached evaluation never loads a model. `chat()` checks the loaded model's
fingerprint against it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from components.common.base_model import ResolvedBase, resolve_base_model
from components.common.chat_model import (
    AdapterRecord,
    ChatModel,
    GenerationDefaults,
    ModelLoadError,
    adapter_base,
)
from components.common.datasets import EvaluationInputError
from components.common.hashing import content_hash
from components.common.registry_io import (
    RegistryError,
    alias_uri,
    base_from_ref,
    fetch_version,
    resolve_version,
)
from components.common.settings import get_settings


@dataclass
class ModelSource:
    """One model to evaluate: where it comes from and what identifies it."""

    role: str
    requested: str
    path: str  # what ChatModel.load receives: a local adapter folder or a base-model spec
    label: str
    fingerprint: str
    base_model: str
    base_sha256: str
    adapter: bool
    method: str | None
    generation_defaults: dict[str, Any]
    registry_uri: str | None = None
    registry_version: str | None = None
    resolution: str = ""
    held_out_pair_ids: tuple[
        str, ...
    ] = ()  # the preference pairs its alignment held out (its adapter record)
    _chat: ChatModel | None = field(default=None, repr=False)

    @property
    def loaded(self) -> bool:
        return self._chat is not None

    def chat(self, merge: bool = False, continuous: dict[str, int] | None = None) -> ChatModel:
        """The model, loaded on first use (never when everything it would compute is cached).

        `merge` folds a LoRA adapter into the base weights, as serving does by default: faster generation;
        `continuous`: greedy answers decode through continuous batching (ChatModel.load).
        """
        if self._chat is None:
            chat = ChatModel.load(self.path, merge=merge, continuous=continuous)
            if chat.fingerprint != self.fingerprint:
                raise EvaluationInputError(
                    f"{self.role} {self.requested}: loaded fingerprint {chat.fingerprint} differs from the "
                    f"resolved {self.fingerprint}; the files changed during evaluation"
                )
            self._chat = chat
        return self._chat

    def release(self) -> None:
        """Drop the loaded model (the next `chat()` loads it again)."""
        self._chat = None

    def identity(self) -> dict[str, Any]:
        """What the report records about this model."""
        data = asdict(self)
        for internal in ("_chat", "role", "requested"):
            data.pop(internal)
        return {"source": self.requested, **data}


def describe_source(source: str, role: str, resolution: str = "given in config") -> ModelSource:
    """Adapter folder, base spec/folder, or models:/ URI -> ModelSource (hashes only, no weights loaded)."""
    if source.startswith("models:/"):
        try:  # the one registry loader's way: verified adapter, base by its reference
            ref = resolve_version(source)
            local, base_ref = fetch_version(ref.uri)
            base = base_from_ref(base_ref)
        except RegistryError as exc:
            raise EvaluationInputError(f"{role} {source}: {exc}") from None
        described = _describe_adapter(local, str(local), role, resolution, base)
        described.requested, described.registry_uri, described.registry_version = source, ref.uri, ref.version
        described.path = ref.uri  # loaded as serving loads it: ChatModel.load("models:/<name>/<version>")
        alias = f" (@{ref.alias})" if ref.alias else ""
        described.label = f"{ref.uri}{alias}"
        return described
    path = Path(source)
    if (path / "adapter_config.json").is_file():
        return _describe_adapter(path, source, role, resolution)
    if not path.exists() and ("/" in source or source.startswith(".")):
        raise EvaluationInputError(
            f"{role} {source!r} does not exist: run the step that writes it (e.g. `dvc repro train`) or set "
            f"{role}=<adapter folder | base-model spec | models:/name@alias>"
        )
    base = resolve_base_model(source)
    return ModelSource(
        role=role,
        requested=source,
        path=source,
        label=f"base model {source}",
        fingerprint=f"{base.sha256[:32]}-none",
        base_model=source,
        base_sha256=base.sha256,
        adapter=False,
        method=None,
        generation_defaults=_defaults({}),
        resolution=resolution,
    )


def _describe_adapter(
    path: Path, source: str, role: str, resolution: str, base: ResolvedBase | None = None
) -> ModelSource:
    try:
        record = AdapterRecord.read(path)
        base = adapter_base(record, f"adapter {path}", base)
    except ModelLoadError as exc:
        raise EvaluationInputError(f"{role}: {exc}") from None
    return ModelSource(
        role=role,
        requested=source,
        path=str(path),
        label=f"{record.method} adapter {source}",
        fingerprint=f"{base.sha256[:32]}-{content_hash(path)[:32]}",
        base_model=record.base_model,
        base_sha256=record.base_sha256,
        adapter=True,
        method=record.method,
        generation_defaults=_defaults(record.generation),
        resolution=resolution,
        held_out_pair_ids=tuple(record.extra.get("held_out_pair_ids") or ()),
    )


def _defaults(generation: dict[str, Any]) -> dict[str, Any]:
    return asdict(GenerationDefaults().merged(**generation))


def resolve_champion(setting: str, candidate: ModelSource, fallback_base: str) -> ModelSource:
    """`auto`: the registry's @champion, else the base the candidate was trained on (else `fallback_base`)."""
    if setting != "auto":
        return describe_source(setting, "champion")
    name = get_settings().registered_model_name
    uri = alias_uri(name, "champion")
    if uri is not None:
        return describe_source(f"models:/{name}@champion", "champion", f"registry alias {name}@champion")
    base = candidate.base_model if candidate.adapter else fallback_base
    why = "candidate's base model" if candidate.adapter else "configured base_model"
    return describe_source(base, "champion", f"no {name}@champion in the registry: the {why}")

"""One way to load and query any model the lifecycle produces: a base, an adapter folder, or a registry URI.

    chat = ChatModel.load("artifacts/train/adapter")          # adapter folder (base resolved from its record)
    chat = ChatModel.load("smollm2-135m-instruct")            # a base model alone
    chat = ChatModel.load("models:/tuneline-assistant@champion")  # a registered version (see register step)
    chat.generate([[{"role": "user", "content": "How do I export a note?"}]])

Evaluation, registration and serving all use this, so "the same model" means the same code path:
same system prompt, same chat template, same generation defaults, and one decoder (components/common/generation.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from components.common.base_model import ResolvedBase, resolve_base_model
from components.common.continuous import ContinuousBackend
from components.common.generation import (
    Completion,
    GenerationBackend,
    GenerationRequest,
    SamplingParams,
    TransformersBackend,
)
from components.common.hashing import content_hash
from components.common.registry_io import base_from_ref, fetch_version

ADAPTER_RECORD = "tuneline_adapter.json"  # written next to the adapter by every training step


class ModelLoadError(RuntimeError):
    """A model source cannot be loaded as asked; the message names the source and what is wrong."""


@dataclass(frozen=True)
class GenerationDefaults:
    """Generation settings versioned with a model; a request may override each."""

    max_new_tokens: int = 128
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0

    def merged(self, **overrides: Any) -> GenerationDefaults:
        known = {k: v for k, v in overrides.items() if v is not None and k in self.__dataclass_fields__}
        return GenerationDefaults(**{**asdict(self), **known})


@dataclass
class AdapterRecord:
    """Contents of tuneline_adapter.json: what an adapter needs to be rebuilt exactly."""

    base_model: str
    base_sha256: str
    method: str = "sft"
    system_prompt: str = ""
    generation: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, adapter_dir: Path) -> Path:
        """Write the record beside the adapter weights (every training step calls this)."""
        data = {**self.extra, **{k: v for k, v in asdict(self).items() if k != "extra"}}
        path = Path(adapter_dir) / ADAPTER_RECORD
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def read(cls, adapter_dir: Path) -> AdapterRecord:
        path = adapter_dir / ADAPTER_RECORD
        if not path.is_file():
            raise ModelLoadError(f"{adapter_dir} has no {ADAPTER_RECORD}: not an adapter written by tuneline")
        data = json.loads(path.read_text())
        known = {k: data.pop(k) for k in list(data) if k in cls.__dataclass_fields__ and k != "extra"}
        return cls(**known, extra=data)


def adapter_base(record: AdapterRecord, what: str, base: ResolvedBase | None = None) -> ResolvedBase:
    """The base an adapter was trained on (`base`, else its record's spec), refused when the content hash
    differs from the one the adapter recorded: the one base check every loader uses."""
    base = base or resolve_base_model(record.base_model)
    if base.sha256 != record.base_sha256:
        raise ModelLoadError(
            f"{what} was trained on base sha256 {record.base_sha256[:16]}..., but {record.base_model!r} "
            f"resolves to {base.sha256[:16]}...: refusing a silent base mismatch"
        )
    return base


def weights_device(model):
    """Where the model's weights are: inputs built on the CPU must go there (a trainer may have moved it to a GPU)."""
    return next(model.parameters()).device


class ChatModel:
    """A causal LM (+ optional LoRA adapter) with its tokenizer, system prompt and generation defaults."""

    def __init__(
        self, model, tokenizer, base: ResolvedBase, adapter_dir: Path | None, record: AdapterRecord | None
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.base = base
        self.adapter_dir = adapter_dir
        self.record = record
        self.system_prompt = record.system_prompt if record else ""
        self.defaults = GenerationDefaults().merged(**(record.generation if record else {}))
        # A version may pin a minimum answer length (benchmarks do, so every server makes the same tokens).
        self.min_new_tokens = int((record.generation if record else {}).get("min_new_tokens", 0))
        self.tokenizer.padding_side = "left"  # batched generation needs prompts aligned at the right
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self._backend: GenerationBackend | None = None
        self.continuous: dict[str, int] | None = None  # continuous batching: its sizes (see `load`)

    @classmethod
    def load(
        cls,
        source: str | Path,
        base_override: ResolvedBase | None = None,
        merge: bool = False,
        continuous: dict[str, int] | None = None,
    ) -> ChatModel:
        """Load a base spec, an adapter folder, or a `models:/` URI (downloaded, then loaded as a folder).

        `continuous` (for a base or a merged version): decode greedy requests through transformers' continuous
        batching (components/common/continuous.py), sized by its keys `max_in_flight` and `max_tokens`
        (prompt + answer per request), as serving does for one merged version."""
        source = str(source)
        if source.startswith("models:/"):  # adapter from the registry (verified), base by its reference
            adapter_dir, base_ref = fetch_version(source)
            chat = cls._load_adapter(adapter_dir, base_override or base_from_ref(base_ref), merge)
        elif (Path(source) / "adapter_config.json").is_file():
            chat = cls._load_adapter(Path(source), base_override, merge)
        else:
            base = base_override or resolve_base_model(source)
            chat = cls(base.load_model(), base.load_tokenizer(), base, None, None)
        if continuous:
            if chat.adapter_dir is not None and not merge:
                raise ModelLoadError(
                    f"{source}: continuous batching decodes a base or a merged version; load it with merge=True "
                    "(an unmerged adapter decodes through `generate`, which mixes adapters per row)"
                )
            chat.continuous = dict(continuous)
        return chat

    @classmethod
    def _load_adapter(cls, adapter_dir: Path, base_override: ResolvedBase | None, merge: bool) -> ChatModel:
        from peft import PeftModel

        record = AdapterRecord.read(adapter_dir)
        base = adapter_base(record, f"adapter {adapter_dir}", base_override)
        model = PeftModel.from_pretrained(base.load_model(), adapter_dir)
        if merge:
            model = model.merge_and_unload()
        tokenizer_dir = adapter_dir if (adapter_dir / "tokenizer_config.json").is_file() else base.path
        from transformers import AutoTokenizer

        return cls(model, AutoTokenizer.from_pretrained(tokenizer_dir), base, adapter_dir, record)

    @property
    def fingerprint(self) -> str:
        """Identity of what generates: base content hash + adapter content hash (if any)."""
        adapter = content_hash(self.adapter_dir) if self.adapter_dir else "none"
        return f"{self.base.sha256[:32]}-{adapter[:32]}"

    def with_system_prompt(self, messages: list[dict[str, str]]) -> list[dict[str, str]]:
        """Prepend the versioned system prompt unless the conversation brings its own."""
        if self.system_prompt and (not messages or messages[0].get("role") != "system"):
            return [{"role": "system", "content": self.system_prompt}, *messages]
        return list(messages)

    def render(self, messages: list[dict[str, str]]) -> str:
        return self.tokenizer.apply_chat_template(
            self.with_system_prompt(messages), tokenize=False, add_generation_prompt=True
        )

    def prompt_ids(self, messages: list[dict[str, str]]) -> list[int]:
        """Token ids of the rendered conversation (versioned system prompt + chat template)."""
        return self.tokenizer(self.render(messages), add_special_tokens=False)["input_ids"]

    def sampling(self, **overrides: Any) -> SamplingParams:
        """The versioned generation defaults with `overrides` (None values keep the default); also takes
        `min_new_tokens`, `seed` and `stop` (a list of strings). An unknown setting is an error."""
        min_new_tokens = overrides.pop("min_new_tokens", None) or self.min_new_tokens
        seed, stop = overrides.pop("seed", None), overrides.pop("stop", None) or ()
        unknown = set(overrides) - set(GenerationDefaults.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown generation settings: {sorted(unknown)}")
        cfg = self.defaults.merged(**overrides)
        return SamplingParams(
            max_new_tokens=cfg.max_new_tokens,
            min_new_tokens=min_new_tokens,
            do_sample=cfg.do_sample,
            temperature=cfg.temperature,
            top_p=cfg.top_p,
            repetition_penalty=cfg.repetition_penalty,
            seed=seed,
            stop=tuple(stop),
        )

    @property
    def backend(self) -> GenerationBackend:
        """The generation backend over this model (built once; serving and evaluation share it)."""
        if self._backend is None and self.continuous:
            self._backend = ContinuousBackend(self.model, self.tokenizer, **self.continuous)
        elif self._backend is None:
            self._backend = TransformersBackend(self.model, self.tokenizer)
        return self._backend

    def close(self) -> None:
        """Stop a running continuous-batching backend (its manager's thread), after its requests finish."""
        if isinstance(self._backend, ContinuousBackend):
            self._backend.stop()

    def generate(self, conversations: list[list[dict[str, str]]], **overrides: Any) -> list[Completion]:
        """Answer a batch of conversations together through the backend (greedy unless told otherwise).
        The text is exactly what serving sends for the same batch: not stripped, not post-processed."""
        params = self.sampling(**overrides)
        return self.backend.decode([GenerationRequest(self.prompt_ids(c), params) for c in conversations])

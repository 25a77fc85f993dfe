"""A loaded registry version as serving holds it: the chat model, where it came from, and its batch lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from components.common.chat_model import ChatModel
from components.common.registry_io import VersionRef
from serving.engine import end_ids


@dataclass
class ServedModel:
    """One loaded registry version: the chat model plus where it came from."""

    chat: ChatModel
    ref: VersionRef
    alias: str
    loaded_at: float = field(default_factory=time.time)
    fingerprint: str = ""
    end_ids: set[int] = field(default_factory=set)
    adapter_name: str | None = None  # unmerged PeftModel: the adapter to activate (several may share a model)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one per model: batches and adapter changes
    retired: bool = False  # replaced: a batch that picked it before the swap picks again

    def __post_init__(self) -> None:
        self.fingerprint = self.fingerprint or self.chat.fingerprint
        self.end_ids = self.end_ids or end_ids(self.chat.tokenizer, self.chat.model)

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def version(self) -> str:
        return self.ref.version

    @property
    def chat_min_tokens(self) -> int:
        """The version's pinned minimum answer length (0 unless its generation defaults set one)."""
        return getattr(self.chat, "min_new_tokens", 0)

    def prompt_ids(self, messages: list[dict[str, str]]) -> list[int]:
        """Token ids of the rendered conversation (versioned system prompt + chat template)."""
        return self.chat.tokenizer(self.chat.render(messages), add_special_tokens=False)["input_ids"]

    @contextmanager
    def in_use(self) -> Iterator[bool]:
        """Hold the model for one batch with this version's adapter active; yields False once retired."""
        with self.lock:
            if self.retired:
                yield False
                return
            model = self.chat.model
            if self.adapter_name and model.active_adapter != self.adapter_name:
                model.set_adapter(self.adapter_name, inference_mode=True)
            yield True

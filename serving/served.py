"""A loaded registry version as serving holds it: the chat model, where it came from, and its batch lock."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from components.common.chat_model import ChatModel
from components.common.registry_io import VersionRef


@dataclass
class ServedModel:
    """One loaded registry version: the chat model plus where it came from."""

    chat: ChatModel
    ref: VersionRef
    alias: str
    loaded_at: float = field(default_factory=time.time)
    fingerprint: str = ""
    adapter_name: str | None = None  # unmerged PeftModel: this version's adapter (several may share a model)
    lock: threading.Lock = field(default_factory=threading.Lock)  # one per model: batches and adapter changes
    retired: bool = False  # replaced: a batch that picked it before the swap picks again

    def __post_init__(self) -> None:
        self.fingerprint = self.fingerprint or self.chat.fingerprint

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def version(self) -> str:
        return self.ref.version

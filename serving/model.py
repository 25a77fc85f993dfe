"""The served model and the watcher that hot-swaps it: the only serving module that reads the registry.

    manager = ModelManager(settings, metrics); manager.start()   # loads models:/<name>@<alias> in the background
    manager.current.version                                       # "3": the registry version answering now
    manager.check(force=True)                                     # what POST /admin/reload does

A move of the alias is noticed by polling; the new version is loaded and warmed beside the old one, then
swapped in with one assignment. Batches already running keep their reference to the old model and finish
on it. If the new version fails to load or warm up, the old one keeps serving; the failure is logged,
counted, and not retried until the alias moves again (or a forced reload).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

from components.common.chat_model import ChatModel
from components.common.registry_io import (
    VersionRef,
    download_artifact_folder,
    download_version,
    resolve_version,
)
from serving.decoding import SamplingParams, SequenceState
from serving.engine import end_ids, run_batch
from serving.metrics import ServingMetrics
from serving.settings import ServingSettings

log = logging.getLogger("tuneline.serving")


@dataclass
class ServedModel:
    """One loaded registry version: the chat model plus where it came from."""

    chat: ChatModel
    ref: VersionRef
    alias: str
    loaded_at: float = field(default_factory=time.time)
    fingerprint: str = ""
    end_ids: set[int] = field(default_factory=set)

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


@dataclass
class CheckResult:
    status: str  # unchanged | swapped | failed | skipped
    served_version: str | None
    alias_version: str | None
    error: str | None = None


def load_version(ref: VersionRef, alias: str, merge: bool) -> ServedModel:
    """Load a registered version: its base by reference (local if the hash matches, else the registry's)."""
    from components.register.flavor import load_base_from_ref

    adapter_dir = download_version(ref.uri)
    base_ref = json.loads(download_artifact_folder(ref.uri, "base_ref").read_text())
    chat = ChatModel.load(adapter_dir, base_override=load_base_from_ref(base_ref), merge=merge)
    return ServedModel(chat, ref, alias)


def warm_up(served: ServedModel) -> None:
    """Generate a couple of tokens so a broken version fails here, not on a user's request."""
    state = SequenceState(
        served.prompt_ids([{"role": "user", "content": "Hello"}]),
        SamplingParams(max_new_tokens=2),
        served.chat.tokenizer,
        served.end_ids,
        lambda event: None,
    )
    run_batch(served.chat.model, served.chat.tokenizer.pad_token_id, [state])


class ModelManager:
    """Holds the served version and swaps it when the alias moves (background watcher thread)."""

    def __init__(self, settings: ServingSettings, metrics: ServingMetrics):
        self.settings = settings
        self.metrics = metrics
        self.current: ServedModel | None = None
        self.failed_versions: set[str] = set()
        self._check_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        return self.current is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="tuneline-model-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.settings.poll_interval_s)

    def check(self, force: bool = False) -> CheckResult:
        """Resolve the alias; load, warm and swap in the version it points at if that is new."""
        with self._check_lock:
            served = self.current.version if self.current else None
            try:
                ref = resolve_version(self.settings.model_uri)
            except Exception as exc:  # registry unreachable or alias missing: keep serving what we have
                self.metrics.poll_errors.inc()
                log.warning("cannot resolve %s: %s", self.settings.model_uri, exc)
                return CheckResult("failed", served, None, str(exc))
            if ref.version == served:
                return CheckResult("unchanged", served, ref.version)
            if ref.version in self.failed_versions and not force:
                return CheckResult("skipped", served, ref.version, "this version failed to load before")
            return self._swap_to(ref, served)

    def _swap_to(self, ref: VersionRef, served: str | None) -> CheckResult:
        started = time.perf_counter()
        log.info("loading %s (alias %s) beside version %s", ref.uri, self.settings.serve_alias, served)
        try:
            candidate = load_version(ref, self.settings.serve_alias, self.settings.merge_adapter)
            warm_up(candidate)
        except Exception as exc:  # any failure leaves the old version serving
            self.failed_versions.add(ref.version)
            self.metrics.load_failures.labels(version=ref.version).inc()
            log.error("version %s failed to load; still serving %s: %s", ref.uri, served, exc)
            return CheckResult("failed", served, ref.version, f"{type(exc).__name__}: {exc}")
        self.current = candidate  # the atomic swap: new batches take this one
        self.failed_versions.discard(ref.version)
        self.metrics.set_served(ref.name, ref.version)
        if served is not None:
            self.metrics.swaps.inc()
        log.info(
            "serving %s (alias %s, fingerprint %s) after %.1f s",
            ref.uri,
            self.settings.serve_alias,
            candidate.chat.fingerprint,
            time.perf_counter() - started,
        )
        return CheckResult("swapped", ref.version, ref.version)

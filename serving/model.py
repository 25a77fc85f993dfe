"""The served versions: `tuneline serve`'s engine, loaded by the alias controller (serving/controller.py).

    manager = ModelManager(settings, metrics); manager.start()   # the controller loads models:/<name>@<alias>
    manager.current.version                                       # "3": the registry version answering now
    manager.get("challenger")                                     # the challenger (routing on), or None
    manager.check(force=True)                                     # what POST /admin/reload does
    manager.load_adapter("assistant", adapter_dir, ref)           # what POST /v1/load_lora_adapter does

A version is loaded and warmed beside the one it replaces, then swapped in with one assignment; batches
already running finish on the old one. If it fails to load or warm up, the old one keeps serving and the
failure is counted. While routing is on, versions over one base share a PeftModel (serving/adapters.py),
so champion and challenger rows decode in one batch. With `watch_registry` off, nothing is loaded until a
controller outside the process calls the adapter endpoints (as it would call vLLM's).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from components.common.chat_model import ChatModel
from components.common.generation import GenerationRequest, SamplingParams
from components.common.registry_io import (
    ADAPTER_ARTIFACT,
    VersionRef,
    base_from_ref,
    base_ref_of,
    verify_artifact,
)
from serving.adapters import attach_version, find_host, release
from serving.controller import AliasController, CheckResult, adapter_name
from serving.metrics import ServingMetrics
from serving.served import ServedModel
from serving.settings import ServingSettings

log = logging.getLogger("tuneline.serving")


def warm_up(served: ServedModel) -> None:
    """Generate a couple of tokens so a broken version fails here, not on a user's request."""
    prompt = served.chat.prompt_ids([{"role": "user", "content": "Hello"}])
    with served.lock:
        served.chat.backend.decode(
            [GenerationRequest(prompt, SamplingParams(max_new_tokens=2), served.adapter_name)]
        )


class ModelManager:
    """Holds the version of each watched alias; the controller calls `load_adapter` when an alias moves."""

    def __init__(
        self,
        settings: ServingSettings,
        metrics: ServingMetrics,
        peers: Callable[[], list[ServedModel]] | None = None,
        load_lock: threading.Lock | None = None,
    ):
        self.settings, self.metrics = settings, metrics
        self.aliases = settings.served_aliases  # the served alias first
        # routing on, or several registered models (peers: every version the set serves): unmerged adapters,
        # one model per base
        self.shared = len(self.aliases) > 1 or peers is not None
        self.served: dict[str, ServedModel] = {}
        self.peers = peers or (lambda: list(self.served.values()))
        self.load_lock = load_lock or threading.Lock()  # one load at a time (a set shares it: one base load)
        # the batch thread's torch threads: a continuous-batching manager's thread takes them
        self.torch_threads = 0
        self.controller = AliasController(settings, self)
        self.controller.on_poll_error = metrics.poll_errors.inc

    @property
    def current(self) -> ServedModel | None:
        """The served alias's version (the champion): what answers when routing is off."""
        return self.served.get(self.settings.serve_alias)

    @property
    def challenger(self) -> ServedModel | None:
        """The challenger while routing is on and it is another version than the champion (every newly
        registered version gets the alias, and a promotion leaves both aliases on one version)."""
        challenger = self.served.get(self.settings.challenger_alias) if self.shared else None
        champion = self.current
        if challenger is None or (champion is not None and challenger.version == champion.version):
            return None
        return challenger

    @property
    def members(self) -> list[ModelManager]:
        """The registered models served (one here; serving/model_set.py serves several)."""
        return [self]

    def is_loaded(self, name: str) -> bool:
        """Whether the adapter name (model id) `name` has a version loaded (KeyError: not served here)."""
        return self.served.get(self.alias_of(name)) is not None

    @property
    def ready(self) -> bool:
        """The champion is loaded and every other alias was tried once (so routing is settled)."""
        settled = self.controller.checked.is_set() or not self.settings.watch_registry
        return self.current is not None and settled

    def get(self, alias: str, model: str | None = None) -> ServedModel | None:
        """The version answering for `alias` (None for a challenger that is the champion's version); `model`
        names the registered model where several are served (serving/model_set.py)."""
        if self.shared and alias == self.settings.challenger_alias:
            return self.challenger
        return self.served.get(alias)

    def start(self) -> None:
        if self.settings.watch_registry:
            self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
        for served in list(self.served.values()):
            served.chat.close()

    def check(self, force: bool = False) -> CheckResult:
        return self.controller.check(force)

    def alias_of(self, name: str) -> str:
        """The watched alias an adapter name stands for (the inverse of `adapter_name`)."""
        for alias in self.aliases:
            if adapter_name(self.settings, alias) == name:
                return alias
        names = ", ".join(adapter_name(self.settings, a) for a in self.aliases)
        raise KeyError(f"adapter name {name!r} is not served here; this server serves {names}")

    def load_adapter(self, name: str, path: Path, ref: VersionRef) -> None:
        """Load version `ref` (adapter folder `path`) for the alias `name` stands for, warm it, swap it in."""
        alias = self.alias_of(name)
        held = self.served.get(alias)
        started = time.perf_counter()
        log.info("loading %s (alias %s) beside version %s", ref.uri, alias, held.version if held else None)
        try:
            with self.load_lock:
                candidate = self._load(alias, ref, Path(path))
        except Exception:
            self.metrics.load_failures.labels(version=ref.version).inc()
            raise
        self.served[alias] = candidate  # the atomic swap: new batches take this one
        if held is not None:
            release(held, [s for s in self.peers() if s is not held])
            self.metrics.swaps.inc()
        self.metrics.set_served([(s.name, s.version) for s in self.peers()])
        log.info(
            "serving %s (alias %s, fingerprint %s%s) after %.1f s",
            ref.uri,
            alias,
            candidate.fingerprint,
            f", adapter {candidate.adapter_name}" if self.shared else "",
            time.perf_counter() - started,
        )

    def loaded_names(self) -> set[str]:
        return {adapter_name(self.settings, alias) for alias in self.served}

    def unload_adapter(self, name: str) -> None:
        held = self.served.pop(self.alias_of(name), None)
        if held is not None:
            release(held, self.peers())
            self.metrics.set_served([(s.name, s.version) for s in self.peers()])
            log.info("%s unloaded (version %s)", name, held.version)

    def continuous_sizes(self) -> dict[str, int] | None:
        """Continuous batching's sizes for a merged version, or None where it is off (evaluation decodes the
        same way: its report records the mode, components/common/continuous.py)."""
        if not self.settings.continuous_batching:
            return None
        per_request = self.settings.max_prompt_tokens + self.settings.max_tokens_limit
        return {"max_in_flight": self.settings.max_batch_size, "max_tokens": per_request}

    def _load(self, alias: str, ref: VersionRef, adapter_dir: Path) -> ServedModel:
        """Routing off: the version alone (merged if configured). On: reuse the version if another alias
        holds it, else add its adapter to a model over the same base, else load it over its own base."""
        verify_artifact(ref.uri, ref.tags, ADAPTER_ARTIFACT, adapter_dir)  # a given folder is that version's
        base_ref = base_ref_of(ref)
        if self.shared and (
            same := next((s for s in self.served.values() if s.version == ref.version), None)
        ):
            return dataclasses.replace(same, alias=alias, loaded_at=time.time())
        host = find_host(self.peers(), base_ref["sha256"]) if self.shared else None
        if host is not None:
            candidate = attach_version(host, ref, alias, adapter_dir)
        else:
            merge = self.settings.merge_adapter and not self.shared
            continuous = self.continuous_sizes() if merge else None
            chat = ChatModel.load(
                adapter_dir, base_override=base_from_ref(base_ref), merge=merge, continuous=continuous
            )
            if continuous:
                chat.backend.threads = self.torch_threads
                chat.backend.start()
            candidate = ServedModel(
                chat, ref, alias, adapter_name=None if merge else chat.model.active_adapter
            )
        try:
            warm_up(candidate)
        except Exception:
            release(candidate, [s for s in self.peers() if s is not candidate])
            raise
        return candidate

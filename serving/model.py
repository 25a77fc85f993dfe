"""The served versions and the watcher that hot-swaps them: the only serving module that reads the registry.

    manager = ModelManager(settings, metrics); manager.start()   # loads models:/<name>@<alias> in the background
    manager.current.version                                       # "3": the registry version answering now
    manager.get("challenger")                                     # the challenger (routing on), or None
    manager.check(force=True)                                     # what POST /admin/reload does

Each alias in `settings.served_aliases` (the served alias, plus the challenger while routing is on) is
watched on its own. A move is noticed by polling; the new version is loaded and warmed beside the old one,
then swapped in with one assignment. Batches already running finish on the old one. If the new version
fails to load or warm up, the old one keeps serving; the failure is logged, counted, and not retried until
the alias moves again (or a forced reload). A challenger alias that does not exist is simply not served.
While routing is on, versions over the same base share one PeftModel (see serving/adapters.py).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field

from components.common.chat_model import ChatModel
from components.common.generation import GenerationRequest, SamplingParams
from components.common.registry_io import VersionRef, fetch_version, resolve_version
from serving.metrics import ServingMetrics
from serving.served import ServedModel
from serving.settings import ServingSettings

log = logging.getLogger("tuneline.serving")


@dataclass
class CheckResult:
    status: str  # unchanged | swapped | failed | skipped | missing (a challenger alias that is not set)
    served_version: str | None
    alias_version: str | None
    error: str | None = None
    alias: str = ""
    others: list[CheckResult] = field(default_factory=list)  # the other served aliases (routing on)


def load_version(ref: VersionRef, alias: str, merge: bool) -> ServedModel:
    """Load a registered version through the one loader (`ChatModel.load("models:/...")`): the verified adapter,
    its base by reference (local if the hash matches, else the registry's)."""
    chat = ChatModel.load(ref.uri, merge=merge)
    return ServedModel(chat, ref, alias, adapter_name=None if merge else chat.model.active_adapter)


def warm_up(served: ServedModel) -> None:
    """Generate a couple of tokens so a broken version fails here, not on a user's request."""
    prompt = served.chat.prompt_ids([{"role": "user", "content": "Hello"}])
    with served.lock:
        served.chat.backend.decode(
            [GenerationRequest(prompt, SamplingParams(max_new_tokens=2), served.adapter_name)]
        )


class ModelManager:
    """Holds the served version of each alias and swaps it when the alias moves (background watcher)."""

    def __init__(self, settings: ServingSettings, metrics: ServingMetrics):
        self.settings = settings
        self.metrics = metrics
        self.aliases = settings.served_aliases  # the served alias first
        self.shared = len(self.aliases) > 1  # routing on: unmerged adapters, one model per base
        self.served: dict[str, ServedModel] = {}
        self.failed_versions: set[str] = set()
        self._check_lock = threading.Lock()
        self._checked = (
            threading.Event()
        )  # every alias checked once (the challenger loaded, missing or failed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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
    def ready(self) -> bool:
        """The champion is loaded and every other alias was tried once (so routing is settled)."""
        return self.current is not None and self._checked.is_set()

    def get(self, alias: str) -> ServedModel | None:
        """The version answering for `alias` (None for a challenger that is the champion's version)."""
        if self.shared and alias == self.settings.challenger_alias:
            return self.challenger
        return self.served.get(alias)

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
        """Check every alias; the served alias's result, with the others' in `.others`."""
        with self._check_lock:
            primary, *others = [self._check_alias(alias, force) for alias in self.aliases]
            self._checked.set()
        primary.others = others
        return primary

    def _check_alias(self, alias: str, force: bool) -> CheckResult:
        """Resolve the alias; load, warm and swap in the version it points at if that is new."""
        held = self.served.get(alias)
        served = held.version if held else None
        uri = f"models:/{self.settings.registered_model_name}@{alias}"
        try:
            ref = resolve_version(uri)
        except Exception as exc:  # registry unreachable or alias missing: keep serving what we have
            if alias != self.settings.serve_alias and getattr(exc, "missing", False):
                self._drop(alias)  # no challenger (any more): everything goes to the champion
                return CheckResult("missing", None, None, str(exc), alias)
            self.metrics.poll_errors.inc()
            log.warning("cannot resolve %s: %s", uri, exc)
            return CheckResult("failed", served, None, str(exc), alias)
        if ref.version == served:
            return CheckResult("unchanged", served, ref.version, alias=alias)
        if ref.version in self.failed_versions and not force:
            return CheckResult("skipped", served, ref.version, "this version failed to load before", alias)
        return self._swap_to(alias, ref, held)

    def _swap_to(self, alias: str, ref: VersionRef, held: ServedModel | None) -> CheckResult:
        served = held.version if held else None
        started = time.perf_counter()
        log.info("loading %s (alias %s) beside version %s", ref.uri, alias, served)
        try:
            candidate = self._load(alias, ref)
        except Exception as exc:  # any failure leaves the old version serving
            self.failed_versions.add(ref.version)
            self.metrics.load_failures.labels(version=ref.version).inc()
            log.error("version %s failed to load; still serving %s: %s", ref.uri, served, exc)
            return CheckResult("failed", served, ref.version, f"{type(exc).__name__}: {exc}", alias)
        self.served[alias] = candidate  # the atomic swap: new batches take this one
        self.failed_versions.discard(ref.version)
        if held is not None:
            self._release(held)
            self.metrics.swaps.inc()
        self.metrics.set_served([(s.name, s.version) for s in self.served.values()])
        log.info(
            "serving %s (alias %s, fingerprint %s%s) after %.1f s",
            ref.uri,
            alias,
            candidate.fingerprint,
            f", adapter {candidate.adapter_name}" if self.shared else "",
            time.perf_counter() - started,
        )
        return CheckResult("swapped", ref.version, ref.version, alias=alias)

    def _load(self, alias: str, ref: VersionRef) -> ServedModel:
        """Routing off: the version alone (merged if configured). On: reuse the version if another alias
        holds it, else add its adapter to a model over the same base, else load it over its own base."""
        from serving.adapters import attach_version, find_host

        if not self.shared:
            candidate = load_version(ref, alias, self.settings.merge_adapter)
        elif same := next((s for s in self.served.values() if s.version == ref.version), None):
            return dataclasses.replace(same, alias=alias, loaded_at=time.time())
        else:
            adapter_dir, base_ref = fetch_version(ref.uri)
            host = find_host(self.served.values(), base_ref["sha256"])
            candidate = (
                attach_version(host, ref, alias, adapter_dir) if host else load_version(ref, alias, False)
            )
        try:
            warm_up(candidate)
        except Exception:
            self._release(candidate)
            raise
        return candidate

    def _release(self, old: ServedModel) -> None:
        from serving.adapters import release

        release(old, [s for s in self.served.values() if s is not old])

    def _drop(self, alias: str) -> None:
        held = self.served.pop(alias, None)
        if held is not None:
            self._release(held)
            self.metrics.set_served([(s.name, s.version) for s in self.served.values()])
            log.info("alias %s no longer exists: version %s unloaded", alias, held.version)

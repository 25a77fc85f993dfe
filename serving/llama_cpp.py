"""llama.cpp as `tuneline serve`'s CPU backend: the served alias's checked GGUF export, in a llama-server process.

    tuneline serve --backend llama_cpp                    # TUNELINE_BACKEND=llama_cpp; docs/serving.md
    manager = LlamaCppManager(settings, metrics); manager.start()   # the alias controller drives it
    with manager.lease() as served: ...                   # the process answering one request, until it ends

The control plane is the transformers backend's: the alias controller (serving/controller.py) calls
`load_adapter(name, _, ref)` when the alias moves. This engine picks the version's GGUF export whose check passed
through llama-server in the configured quantization (serving/gguf_exports.py; none: refused, whatever was served
keeps serving, /ready and the log say why, and the next poll looks again), downloads it verified against the
sha256 the registry recorded, starts llama-server on it on a private 127.0.0.1 port (serving/llama_server.py:
the check's own flags plus this deployment's slots and threads; a random API key, so only this process can call
it), waits for /health and a warm-up answer, then swaps: new requests go to the new process, the old one stops
once its requests in flight have finished. The request path is serving/llama_cpp_proxy.py.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from components.common.chat_model import GenerationDefaults
from components.common.registry_io import (
    MANIFEST_TAG,
    VersionRef,
    download_artifact_folder,
    resolve_version,
)
from components.export_gguf.engines import free_port, stop_process
from components.export_gguf.metadata import record_from_metadata
from serving.controller import AliasController, CheckResult, EngineUnavailable, adapter_name
from serving.gguf_exports import export_candidates, gguf_metadata, pick_export
from serving.llama_server import (
    BACKEND,
    LlamaServed,
    collect_output,
    find_llama_server,
    serve_command,
    spawn,
    wait_until_answering,
)
from serving.metrics import ServingMetrics
from serving.schemas import ApiError
from serving.settings import ServingSettings

log = logging.getLogger("tuneline.serving")


class LlamaCppError(RuntimeError):
    """backend=llama_cpp cannot run as configured (no llama-server executable)."""


class ExportNotReady(EngineUnavailable):
    """The version has no servable GGUF export (yet): not a failed version; the next poll looks again."""


class ExportController(AliasController):
    """The alias controller, minus the adapter download (the engine fetches the version's GGUF export itself);
    a check that finds the alias on the served version again clears an earlier refusal."""

    def _fetch(self, ref: VersionRef) -> Path:
        return Path()  # unused by LlamaCppManager.load_adapter

    def check(self, force: bool = False) -> CheckResult:
        result = super().check(force)
        if result.status in ("unchanged", "swapped"):
            self.engine.refused = None  # type: ignore[attr-defined]
        return result


class LlamaCppManager:
    """Holds the served alias's llama-server; what ModelManager is for the transformers backend."""

    def __init__(self, settings: ServingSettings, metrics: ServingMetrics):
        binary = find_llama_server(settings.llama_server)
        if binary is None:
            where = (
                settings.llama_server or "`llama-server` on PATH or bench/.llama.cpp/build/bin/llama-server"
            )
            raise LlamaCppError(
                f"backend=llama_cpp needs a llama-server executable and found none ({where}): set "
                "TUNELINE_LLAMA_SERVER or --llama-server; `python bench/edge_bench.py --build-only` builds one"
            )
        self.settings, self.metrics, self.binary = settings, metrics, binary
        self.aliases = settings.served_aliases  # the served alias only (routing is refused with llama_cpp)
        self.served: dict[str, LlamaServed] = {}
        self.refused: dict[str, str] | None = None  # {"version", "reason"}: the alias's version not served
        self._cond = threading.Condition()
        self._running: set[LlamaServed] = set()  # served and draining processes, stopped with the server
        self.controller = ExportController(settings, self)
        self.controller.on_poll_error = metrics.poll_errors.inc

    # -- what the app and the controller read ------------------------------------------------------------
    @property
    def current(self) -> LlamaServed | None:
        return self.served.get(self.settings.serve_alias)

    challenger = None  # no canary or shadow with llama_cpp

    @property
    def ready(self) -> bool:
        settled = self.controller.checked.is_set() or not self.settings.watch_registry
        return self.current is not None and settled

    def get(self, alias: str, model: str | None = None) -> LlamaServed | None:
        return self.served.get(alias)

    @property
    def members(self) -> list[LlamaCppManager]:
        return [self]

    def is_loaded(self, name: str) -> bool:
        return self.served.get(self.alias_of(name)) is not None

    def alias_of(self, name: str) -> str:
        if name == adapter_name(self.settings, self.settings.serve_alias):
            return self.settings.serve_alias
        raise KeyError(f"adapter name {name!r} is not served here; this server serves {self.aliases[0]!r}")

    def status(self) -> dict:
        """What /ready adds: the backend, the export served and its command, a version refused and why."""
        served = self.current
        body = {"backend": BACKEND, **(served.describe() if served else {})}
        return body | ({"refused": self.refused} if self.refused else {})

    def start(self) -> None:
        log.info("backend llama.cpp: %s, %s exports, %d slots", self.binary,
                 self.settings.llama_cpp_quantization.upper(), self.settings.llama_cpp_slots)  # fmt: skip
        if self.settings.watch_registry:
            self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
        with self._cond:
            running = list(self._running)
        for served in running:
            self._stop_process(served)

    def check(self, force: bool = False) -> CheckResult:
        return self.controller.check(force)

    def loaded_names(self) -> set[str]:
        """Aliases whose llama-server still runs: one that died is loaded again at the next poll."""
        alive = set()
        for alias, served in self.served.items():
            if served.process.poll() is None:
                alive.add(adapter_name(self.settings, alias))
            else:
                log.error("llama-server for %s exited with %s: %s", served.ref.uri, served.process.returncode,
                          " | ".join(served.output))  # fmt: skip
        return alive

    # -- loading and the hot swap -------------------------------------------------------------------------
    def load_adapter(self, name: str, path: Path, ref: VersionRef) -> None:
        """Serve version `ref` for the alias `name` stands for (`path` is unused: the engine serves the
        version's checked GGUF export, which it picks and fetches itself), then stop the one it replaces."""
        alias = self.alias_of(name)
        started = time.perf_counter()
        try:
            candidate = self._start(alias, ref)
        except Exception as exc:
            self._refuse(ref, str(exc) if isinstance(exc, ExportNotReady) else f"{type(exc).__name__}: {exc}")
            if not isinstance(exc, EngineUnavailable):
                self.metrics.load_failures.labels(version=ref.version).inc()
            raise
        with self._cond:
            held, self.served[alias] = self.served.get(alias), candidate  # the swap: new requests go here
            self.refused = None
        if held is not None:
            self._retire(held)
            self.metrics.swaps.inc()
        self.metrics.set_served([(s.name, s.version) for s in self.served.values()])
        log.info("serving %s (alias %s) through %s %s after %.1f s: %s", ref.uri, alias, BACKEND,
                 candidate.export.uri, time.perf_counter() - started, " ".join(candidate.command))  # fmt: skip

    def unload_adapter(self, name: str) -> None:
        with self._cond:
            held = self.served.pop(self.alias_of(name), None)
        if held is not None:
            self._retire(held)
            self.metrics.set_served([(s.name, s.version) for s in self.served.values()])

    def _refuse(self, ref: VersionRef, reason: str) -> None:
        held = self.current.version if self.current else None
        if self.refused != {"version": ref.version, "reason": reason}:  # once per reason, not every poll
            log.error("not serving %s through %s (still serving %s): %s", ref.uri, BACKEND, held, reason)
        self.refused = {"version": ref.version, "reason": reason}

    def _start(self, alias: str, ref: VersionRef) -> LlamaServed:
        """Pick, fetch and verify the export of `ref`, start llama-server on it, wait until it answers."""
        settings, quant = self.settings, self.settings.llama_cpp_quantization
        export_model = settings.llama_cpp_export_model or f"{ref.name}-gguf"
        try:
            candidates = export_candidates(export_model)
        except Exception as exc:  # the registry did not answer: not the version's fault
            raise EngineUnavailable(f"cannot list {export_model}: {exc}") from None
        choice = pick_export(ref.uri, quant, export_model, candidates)
        if choice.version is None:
            raise ExportNotReady(choice.reason)
        export = resolve_version(f"models:/{export_model}/{choice.version}")
        gguf = verified_gguf(export)
        metadata = gguf_metadata(gguf)
        if metadata.get("tuneline.source_uri") != ref.uri:
            raise ValueError(
                f"{export.uri}'s file says it is {metadata.get('tuneline.source_uri')}, not {ref.uri}"
            )
        record = record_from_metadata(gguf, metadata)  # what the check decoded with: the file's own metadata
        check_command = json.loads(export.tags.get("check.engine_command", "[]"))
        port, api_key = free_port(), secrets.token_urlsafe(24)
        slot_context = settings.max_prompt_tokens + settings.max_tokens_limit
        command = serve_command(self.binary, gguf, port, check_command, settings.llama_cpp_slots,
                                slot_context, settings.llama_cpp_threads)  # fmt: skip
        if check_command and Path(check_command[0]).resolve() != self.binary.resolve():
            log.warning(
                "%s was checked with %s; serving it with %s", export.uri, check_command[0], self.binary
            )
        served = LlamaServed(
            ref, alias, export, quant, command, spawn(command, api_key), f"http://127.0.0.1:{port}", api_key,
            record.system_prompt, GenerationDefaults().merged(**record.generation),
            int(record.generation.get("min_new_tokens") or 0), f"gguf-{quant}-{export.tags['export.sha256'][:16]}",
        )  # fmt: skip
        with self._cond:
            self._running.add(served)
        try:
            collect_output(served)
            wait_until_answering(served, settings.llama_cpp_startup_timeout_s)
        except Exception:
            self._stop_process(served)
            raise
        return served

    def _retire(self, held: LlamaServed) -> None:
        """Stop `held` in the background once its requests in flight have finished (or timed out)."""

        def drain() -> None:
            deadline = time.monotonic() + self.settings.request_timeout_s + 5
            with self._cond:
                while held.inflight and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
            self._stop_process(held)
            log.info("llama-server for %s stopped (replaced)", held.ref.uri)

        threading.Thread(target=drain, name="tuneline-llama-drain", daemon=True).start()

    def _stop_process(self, served: LlamaServed) -> None:
        stop_process(served.process)
        with self._cond:
            self._running.discard(served)

    # -- the request path ---------------------------------------------------------------------------------
    @contextmanager
    def lease(self) -> Iterator[LlamaServed]:
        """The served alias's process for one request; a replaced process waits for its leases to end."""
        capacity = self.settings.llama_cpp_slots + self.settings.max_queued_requests
        with self._cond:
            served = self.current
            if served is None:
                raise ApiError(503, "no model version is loaded yet; see GET /ready", type="server_error",
                               code="not_ready")  # fmt: skip
            if sum(s.inflight for s in self._running) >= capacity:
                raise ApiError(429, f"server busy: {capacity} requests already in flight; retry shortly",
                               type="server_busy", code="queue_full", headers={"Retry-After": "1"})  # fmt: skip
            served.inflight += 1
        try:
            yield served
        finally:
            with self._cond:
                served.inflight -= 1
                self._cond.notify_all()


def verified_gguf(export: VersionRef) -> Path:
    """The export's file, downloaded once and verified against the registry's sha256 on every call, and the
    same file the check judged (the manifest's sha256 is the one the check recorded)."""
    local = download_artifact_folder(export, "gguf")
    gguf = local if local.is_file() else next(local.rglob("*.gguf"))
    recorded = json.loads(export.tags[MANIFEST_TAG])["gguf"]
    if recorded.get(gguf.name) != export.tags["export.sha256"]:
        raise ValueError(f"{export.uri}: the registered file is not the one its export check judged")
    return gguf

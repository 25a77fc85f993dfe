"""Registry aliases -> adapters in an inference engine: one controller for `tuneline serve` and for vLLM.

    controller = AliasController(settings, HttpEngine("http://127.0.0.1:8000"))   # an engine over HTTP
    controller.check()      # load each alias's version where it moved (in place), unload an alias that is gone
    tuneline serve-controller --engine-url http://vllm:8000 --adapter-root /adapters   # the same, polling
    tuneline serve-controller --engine-url http://127.0.0.1:8000 --once                # one check, as JSON

Each watched alias is served under an adapter name that is also the model id clients ask for: the registered
model name for the served alias (`tuneline-assistant`), `<name>@<alias>` for the others. A version is
downloaded and verified (`fetch_version`: every file against its recorded sha256) before the engine sees it,
and loaded with `load_inplace`, so the name never disappears while its version changes. `tuneline serve`
runs this controller in process (`ModelManager` is its engine); vLLM gets the same calls over its runtime
LoRA API (docs/serving.md). A version that fails to load is not retried until the alias moves again or a
forced check; the engine keeps serving the version it had. An engine that does not answer is not a failed
version: the next poll tries again, and an engine that lost the served adapter (restarted) gets it again.
The served alias is followed only as far as tuneline governs it: a move made outside tuneline (the MLflow UI)
is recorded and followed, refused or reverted first (components/register/ui_promotion.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from components.common.registry_io import VersionRef, fetch_version, resolve_version
from components.register import ui_promotion
from serving.settings import ServingSettings

log = logging.getLogger("tuneline.serving")


class AdapterEngine(Protocol):
    """What the controller drives: vLLM's runtime LoRA API, or `tuneline serve`'s model manager."""

    def load_adapter(self, name: str, path: Path, ref: VersionRef) -> None: ...

    def unload_adapter(self, name: str) -> None: ...

    def loaded_names(self) -> set[str]: ...


class EngineUnavailable(RuntimeError):
    """The engine did not answer (starting, restarting, network): retry later, the version is not at fault."""


@dataclass
class CheckResult:
    # unchanged | swapped | failed | skipped | missing (a non-served alias that is not set) | refused (the
    # served alias moved outside tuneline and the ui_promotion policy does not let serving follow)
    status: str
    served_version: str | None
    alias_version: str | None
    error: str | None = None
    alias: str = ""
    others: list[CheckResult] = field(default_factory=list)  # the other watched aliases


def adapter_name(settings: ServingSettings, alias: str) -> str:
    """The model id an alias is served as: the registered name for the served alias, else `<name>@<alias>`."""
    name = settings.registered_model_name
    return name if alias == settings.serve_alias else f"{name}@{alias}"


class AliasController:
    """Watches `settings.served_aliases` and keeps `engine` loaded with the version each points at."""

    def __init__(self, settings: ServingSettings, engine: AdapterEngine, adapter_root: Path | None = None):
        self.settings, self.engine, self.adapter_root = settings, engine, adapter_root
        self.aliases = settings.served_aliases  # the served alias first
        self.versions: dict[str, str] = {}  # alias -> version the engine holds
        self.failed_versions: set[str] = set()
        self.on_poll_error = lambda: None  # metrics hooks (tuneline serve counts these)
        self._lock = threading.Lock()
        self.checked = threading.Event()  # every alias checked once
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="tuneline-alias-controller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except Exception:  # a bug must not end the watching: log it, try again at the next poll
                log.exception("alias check failed")
            self._stop.wait(self.settings.poll_interval_s)

    def check(self, force: bool = False) -> CheckResult:
        """Check every alias; the served alias's result, with the others' in `.others`."""
        with self._lock:
            primary, *others = [self._check_alias(alias, force) for alias in self.aliases]
            self.checked.set()
        primary.others = others
        return primary

    def _check_alias(self, alias: str, force: bool) -> CheckResult:
        held = self.versions.get(alias)
        if held and alias == self.settings.serve_alias:  # an engine that restarted lost its adapters
            try:
                if adapter_name(self.settings, alias) not in self.engine.loaded_names():
                    del self.versions[alias]
                    held = None
            except EngineUnavailable as exc:
                return CheckResult("failed", held, None, str(exc), alias)
        uri = f"models:/{self.settings.registered_model_name}@{alias}"
        if alias == self.settings.serve_alias:
            governed = self._governed_uri(alias, held)
            if isinstance(governed, CheckResult):
                return governed
            uri = governed or uri
        try:
            ref = resolve_version(uri)
        except Exception as exc:  # registry unreachable or alias missing: keep serving what is loaded
            if alias != self.settings.serve_alias and getattr(exc, "missing", False):
                if alias in self.versions:
                    try:
                        self.engine.unload_adapter(adapter_name(self.settings, alias))
                    except Exception as unload_error:  # tried again at the next poll
                        return CheckResult("failed", self.versions[alias], None, str(unload_error), alias)
                    del self.versions[alias]
                return CheckResult("missing", None, None, str(exc), alias)
            self.on_poll_error()
            log.warning("cannot resolve %s: %s", uri, exc)
            return CheckResult("failed", held, None, str(exc), alias)
        if ref.version == held:
            return CheckResult("unchanged", held, ref.version, alias=alias)
        if ref.version in self.failed_versions and not force:
            return CheckResult("skipped", held, ref.version, "this version failed to load before", alias)
        try:
            self.engine.load_adapter(adapter_name(self.settings, alias), self._fetch(ref), ref)
        except EngineUnavailable as exc:
            log.warning("engine unavailable, %s not loaded yet: %s", ref.uri, exc)
            return CheckResult("failed", held, ref.version, str(exc), alias)
        except Exception as exc:  # the engine keeps what it had
            self.failed_versions.add(ref.version)
            log.error("version %s failed to load; still serving %s: %s", ref.uri, held, exc)
            return CheckResult("failed", held, ref.version, f"{type(exc).__name__}: {exc}", alias)
        self.versions[alias] = ref.version
        self.failed_versions.discard(ref.version)
        return CheckResult("swapped", ref.version, ref.version, alias=alias)

    def _governed_uri(self, alias: str, held: str | None) -> str | CheckResult | None:
        """The version the policy lets the served alias load (`models:/name/<v>`), None: the alias as it is
        (not set), or the CheckResult that keeps what is loaded (a refused move, an unreadable audit)."""
        name = self.settings.registered_model_name
        try:
            governed = ui_promotion.governed_version(name, alias)
        except Exception as exc:  # registry unreachable: keep serving what is loaded
            self.on_poll_error()
            log.warning("cannot check %s@%s against the audit: %s", name, alias, exc)
            return CheckResult("failed", held, None, str(exc), alias)
        if governed.serve is None:
            if governed.current is None:
                return None
            return CheckResult("refused", held, governed.current, governed.reason, alias)
        return f"models:/{name}/{governed.serve}"

    def _fetch(self, ref: VersionRef) -> Path:
        """The version's verified adapter folder; copied under `adapter_root` when the engine reads from there."""
        adapter_dir, _ = fetch_version(ref)
        if self.adapter_root is None:
            return adapter_dir
        target = self.adapter_root / ref.name / f"v{ref.version}"
        if not target.is_dir():
            shutil.copytree(adapter_dir, target.with_suffix(".partial"), dirs_exist_ok=True)
            target.with_suffix(".partial").rename(target)
        return target


class HttpEngine:
    """vLLM's runtime LoRA API (`POST /v1/load_lora_adapter`, `/v1/unload_lora_adapter`), which `tuneline
    serve` implements too. `registry_uri` is tuneline's extension: vLLM ignores it, tuneline serve labels
    the answers with that version and takes its base reference from the registry."""

    def __init__(self, url: str, api_key: str | None = None, timeout_s: float = 600):
        self.url, self.api_key, self.timeout_s = url.rstrip("/"), api_key, timeout_s

    def load_adapter(self, name: str, path: Path, ref: VersionRef) -> None:
        body = {"lora_name": name, "lora_path": str(path), "load_inplace": True, "registry_uri": ref.uri}
        self._post("/v1/load_lora_adapter", body)

    def unload_adapter(self, name: str) -> None:
        self._post("/v1/unload_lora_adapter", {"lora_name": name})

    def loaded_names(self) -> set[str]:
        """Model ids the engine answers to (vLLM lists the base and every loaded adapter)."""
        return {model["id"] for model in self._call("GET", "/v1/models")["data"]}

    def _post(self, path: str, body: dict) -> None:
        self._call("POST", path, body)

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                text = reply.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{self.url}{path} answered {exc.code}: {exc.read()[:300]!r}") from None
        except OSError as exc:  # refused, reset, timed out: the engine is not there (yet)
            raise EngineUnavailable(f"{self.url}{path}: {exc}") from None
        try:
            return json.loads(text)
        except ValueError:  # vLLM answers the adapter endpoints with plain text
            return {}


def main(argv: list[str] | None = None) -> int:
    """`tuneline serve-controller`: keep an engine's adapters on the registry's aliases until SIGTERM."""
    parser = argparse.ArgumentParser(prog="tuneline serve-controller", description=main.__doc__)
    parser.add_argument("--engine-url", required=True, help="the engine's base URL, without /v1")
    parser.add_argument(
        "--api-key-env", default="TUNELINE_ENGINE_API_KEY", help="env var with its bearer key"
    )
    parser.add_argument(
        "--adapter-root", type=Path, help="folder the engine reads: versions are copied there"
    )
    parser.add_argument("--once", action="store_true", help="check once, print each alias's result as JSON")
    parser.add_argument("--model", help="registered model name (TUNELINE_REGISTERED_MODEL_NAME)")
    parser.add_argument("--alias", help="served alias, loaded under the model name (TUNELINE_SERVE_ALIAS)")
    parser.add_argument("--routing", choices=["off", "canary", "shadow"], help="not off: the challenger too")
    parser.add_argument("--challenger-alias", help="TUNELINE_CHALLENGER_ALIAS (default challenger)")
    args = parser.parse_args(argv)
    from components.common.step import offline_environment

    offline_environment()
    logging.basicConfig(level="INFO", format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = ServingSettings.from_flags(
        registered_model_name=args.model,
        serve_alias=args.alias,
        routing=args.routing,
        challenger_alias=args.challenger_alias,
    )
    controller = AliasController(
        settings, HttpEngine(args.engine_url, os.environ.get(args.api_key_env) or None), args.adapter_root
    )
    if args.once:
        results = [(r := controller.check()), *r.others]
        fields = ("status", "served_version", "alias_version", "error")
        print(
            json.dumps(
                {
                    c.alias: {
                        "adapter": adapter_name(settings, c.alias),
                        **{f: getattr(c, f) for f in fields},
                    }
                    for c in results
                },
                indent=2,
            )
        )
        return 1 if any(c.status == "failed" for c in results) else 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    controller.start()
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

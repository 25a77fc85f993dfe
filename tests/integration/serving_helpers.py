"""Shared pieces of the serving integration tests: a throwaway registry, uvicorn on 127.0.0.1, HTTP helpers.

from tests.integration.serving_helpers import registry_env, register_as_champion, running_server, client
"""

from __future__ import annotations

import json
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
import uvicorn

from components.common.config import load_config
from components.register import registry
from components.register.config import RegisterConfig
from components.register.core import run as register
from serving.app import create_app
from serving.settings import ServingSettings

KEY = "test-key-1"
ASK = [{"role": "user", "content": "How do I export a page?"}]


@contextmanager
def registry_env(root: Path):
    """TUNELINE_* pointed at a SQLite registry, artifacts and cache under `root` (for a module fixture)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{root}/mlflow.db")
        mp.setenv("TUNELINE_ARTIFACT_ROOT", str(root / "mlartifacts"))
        mp.setenv("TUNELINE_CACHE", str(root / "cache"))
        mp.setenv("TUNELINE_ACTOR", "test-operator")
        yield root


def register_as_champion(
    store: Path, adapter_dir: Path, name: str, move: bool = True, alias: str = "champion"
) -> str:
    """Register `adapter_dir` as a new version of `name` and (by default) point `alias` at it."""
    cfg = load_config(
        RegisterConfig, adapter_dir=str(adapter_dir), registered_model_name=name, out_dir=str(store / "reg")
    )
    version = register(cfg)["version"]
    if move:
        registry.move_alias(name, alias, version, registry.alias_version(name, alias), "promote", "test")
    return version


@dataclass
class Reply:
    status_code: int
    text: str
    headers: dict | None = None

    def json(self):
        return json.loads(self.text)


def http(method: str, url: str, content: bytes | None = None, headers: dict | None = None) -> Reply:
    """A plain HTTP call (stdlib), for what the openai client does not send: bad bodies, probes, metrics."""
    request = urllib.request.Request(url, data=content, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read().decode(), dict(exc.headers))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(ready_path: str = "/ready", **overrides):
    """uvicorn in a thread on 127.0.0.1; yields (base_url, settings, app) once `ready_path` answers 200 (the
    model is loaded; "/health" for a server that waits for a controller outside).

    The request log goes to a temporary SQLite file unless `request_log_url` is given."""
    with tempfile.TemporaryDirectory(prefix="tuneline-requests-", ignore_cleanup_errors=True) as logs:
        overrides.setdefault("request_log_url", f"sqlite:///{logs}/requests.db")
        settings = ServingSettings(port=free_port(), **overrides)
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{settings.port}"
        try:
            for _ in range(600):  # up to 60 s for the first load
                try:
                    if http("GET", base + ready_path).status_code == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            else:
                raise AssertionError("server never became ready")
            yield base, settings, app
        finally:
            server.should_exit = True
            thread.join(timeout=30)


def client(base: str, key: str | None = KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=key or "none", max_retries=0, timeout=60)


def wait_for(condition, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def sample_value(metrics_text: str, sample: str) -> float:
    """Value of one Prometheus sample line (`name{labels} value`), 0 if absent."""
    for line in metrics_text.splitlines():
        if line.startswith(sample + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@contextmanager
def clients_asking(ask, clients: int = 2):
    """`clients` threads calling `ask()` (a chat completion) in a loop while the block runs, e.g. across a hot
    swap; yields (seen, failures): (registry_version, content) of every answer, and every exception."""
    seen, failures, stop = [], [], threading.Event()

    def loop() -> None:
        for _ in range(2000):  # bounded; stops as soon as the block ends
            if stop.is_set():
                return
            try:
                reply = ask()
                seen.append((reply.registry_version, reply.choices[0].message.content))
            except Exception as exc:
                failures.append(exc)

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield seen, failures
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def evaluated_report(
    out: Path, candidate: Path, champion: Path, merge: bool = True, continuous: bool = False
) -> dict:
    """A real evaluation (smoke sizes: 8 golden prompts, batches of 4) of candidate vs champion, in `out`."""
    from components.evaluate_model.config import EvaluateConfig
    from components.evaluate_model.core import run as evaluate

    repo = Path(__file__).resolve().parents[2]
    cfg = load_config(
        EvaluateConfig, repo / "configs" / "smoke" / "evaluate.yaml", candidate=str(candidate),
        champion=str(champion), preference_file=None, golden_file=str(repo / "data" / "raw" / "golden.jsonl"),
        out_dir=str(out / "evaluate"), cache_dir=str(out / "gen-cache"), merge_adapter=merge,
        continuous_batching=continuous,
    )  # fmt: skip
    evaluate(cfg)
    return json.loads((out / "evaluate" / "eval_report.json").read_text())

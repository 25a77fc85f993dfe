"""One llama-server process serving one GGUF export: its command line, start, readiness and stop.

    binary = find_llama_server(settings.llama_server)     # configured, else on PATH, else the bench build
    command = serve_command(binary, gguf, port, check_command, slots=4, slot_context=2560, threads=0)
    process = spawn(command, api_key); wait_until_answering(served, timeout=300); stop_process(process)

The command keeps the flags the export check ran llama-server with (`check.engine_command` on the export
version) and sets only what each run sets: the file, a private 127.0.0.1 port, the slots and their context, and
the threads when configured. serving/llama_cpp.py decides which export runs and when; this module only runs it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from components.common.chat_model import GenerationDefaults
from components.common.registry_io import VersionRef
from components.export_gguf.engines import wait_healthy

server_log = logging.getLogger("tuneline.llama_server")  # llama-server's own output, at debug level
BENCH_BUILD = Path(__file__).resolve().parents[1] / "bench" / ".llama.cpp" / "build" / "bin" / "llama-server"
RUN_FLAGS = {"-m", "--host", "--port", "-np", "-c"}  # what each run of the check set (export_gguf/engines.py)
BACKEND = "llama.cpp"


def find_llama_server(configured: str | None) -> Path | None:
    """The llama-server executable: the configured path, else `llama-server` on PATH, else the bench build."""
    if configured:
        return Path(configured) if Path(configured).is_file() else None
    on_path = shutil.which("llama-server")
    return Path(on_path) if on_path else (BENCH_BUILD if BENCH_BUILD.is_file() else None)


def check_flags(check_command: list[str]) -> list[str]:
    """The flags the export check ran llama-server with, less those every run sets (file, address, slots,
    context): what decides how the file decodes (e.g. -t, sampling or template flags) stays the same."""
    words, flags, i = check_command[1:], [], 0
    while i < len(words):
        if words[i] in RUN_FLAGS:
            i += 2
            continue
        flags.append(words[i])
        i += 1
    return flags


def serve_command(
    binary: Path, gguf: Path, port: int, check_command: list[str], slots: int, slot_context: int, threads: int
) -> list[str]:
    """llama-server serving `gguf` on 127.0.0.1:`port` with `slots` parallel sequences (-np) of `slot_context`
    tokens each (-c is their total), the check's flags, and `threads` CPU threads (-t; 0: the check's)."""
    command = [str(binary), "-m", str(gguf), "--host", "127.0.0.1", "--port", str(port),
               "-np", str(slots), "-c", str(slots * slot_context), *check_flags(check_command)]  # fmt: skip
    return command + (["-t", str(threads)] if threads else [])  # a later -t wins in llama.cpp's parser


@dataclass(eq=False)  # one per process: compared and hashed by identity
class LlamaServed:
    """One registry version served by one llama-server process (the GGUF export of that version)."""

    ref: VersionRef  # the version the alias points at
    alias: str
    export: VersionRef  # the `<name>-gguf` version whose file this process serves
    quantization: str
    command: list[str]
    process: subprocess.Popen
    url: str
    api_key: str = field(repr=False)
    system_prompt: str = ""
    defaults: GenerationDefaults = field(default_factory=GenerationDefaults)
    min_new_tokens: int = 0
    fingerprint: str = ""
    output: deque = field(default_factory=lambda: deque(maxlen=20))  # llama-server's last lines
    loaded_at: float = field(default_factory=time.time)
    inflight: int = 0  # requests holding a lease: a replaced process stops once none is left

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def version(self) -> str:
        return self.ref.version

    @property
    def logged_name(self) -> str:
        """What the request log's `model` column holds: the model, the backend and the export that answered."""
        return f"{self.name} via {BACKEND} {self.export.uri}"

    def describe(self) -> dict:
        return {"backend": BACKEND, "export": self.export.uri, "quantization": self.quantization,
                "check_command": json.loads(self.export.tags.get("check.engine_command", "[]")),
                "command": self.command}  # fmt: skip


def spawn(command: list[str], api_key: str) -> subprocess.Popen:
    """Start llama-server with only the flags given (no LLAMA_ARG_* from the environment) and its API key in
    the environment (not on the command line, where `ps` shows it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_ARG_")} | {"LLAMA_API_KEY": api_key}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)


def collect_output(served: LlamaServed) -> None:
    """Forward llama-server's output to the `tuneline.llama_server` logger (debug), keeping the last lines."""

    def read() -> None:
        for raw in served.process.stdout or ():
            line = raw.decode(errors="replace").rstrip()
            served.output.append(line)
            server_log.debug("%s %s", served.export.uri, line)

    threading.Thread(target=read, name="tuneline-llama-output", daemon=True).start()


def wait_until_answering(served: LlamaServed, timeout: float) -> None:
    """Until /health answers 200 (the file is loaded), then one short answer (a broken file fails here)."""
    wait_healthy(served.url, served.process, timeout, served.output.copy, "llama_cpp_startup_timeout_s")
    body = {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 2, "temperature": 0}
    request = urllib.request.Request(
        f"{served.url}/v1/chat/completions", json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {served.api_key}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        json.loads(reply.read())["choices"][0]["message"]

"""The engines that decode an exported GGUF for its check: transformers (reads the file) or llama.cpp's server.

    with open_engine(cfg, path, read_gguf(path), sha256, loaded={}) as engine:
        texts = engine.answer([messages, ...], {"max_new_tokens": 64, "do_sample": False, ...})

`transformers` loads the file itself (`from_pretrained(..., gguf_file=...)`: weights dequantized to fp32, the
tokenizer and chat template the file carries) and generates through tuneline's one decoder (ChatModel), with
the system prompt and generation defaults read from the file's metadata. `llama-server` starts llama.cpp's
server on the file (127.0.0.1, a free port), sends each conversation to its OpenAI-compatible chat endpoint
greedily and stops it again: the numbers are then those of what an edge deployment serves.
"""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from components.common.base_model import ResolvedBase
from components.common.chat_model import ChatModel
from components.export_gguf.config import ExportConfig, LlamaServerSettings
from components.export_gguf.converter import ExportError
from components.export_gguf.metadata import GgufFile, record_from_metadata

Messages = list[dict[str, str]]


class Engine(Protocol):
    label: str
    command: list[str]  # how it was started (llama-server's flags), recorded with the check

    def answer(self, conversations: list[Messages], generation: dict[str, Any]) -> list[str]: ...


def load_gguf_model(path: Path, like: tuple[Any, Any] | None = None) -> tuple[Any, Any, Any]:
    """(model, tokenizer, config) read from a GGUF file by transformers (weights dequantized to fp32).

    `like`: (tokenizer, config) already read from a file whose key/values are the same but for the
    quantization (GgufFile.kv_digest): only this file's weights are read then. Transformers parses a GGUF's
    whole vocabulary for each of tokenizer, config and weights: seconds each."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    if like is None:
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        config = AutoConfig.from_pretrained(path.parent, gguf_file=path.name)
    else:
        tokenizer, config = like
    model = AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=path.name, config=copy.deepcopy(config), dtype=torch.float32
    )
    return model, tokenizer, config


def gguf_chat(path: Path, metadata: dict[str, Any], sha256: str, model, tokenizer) -> ChatModel:
    """A ChatModel over a GGUF's model and tokenizer, with the system prompt and generation defaults its
    metadata records (no adapter: the LoRA weights are merged into the file)."""
    base = ResolvedBase(str(path), "gguf_file", path.parent, sha256, path)
    return ChatModel(model, tokenizer, base, None, record_from_metadata(path, metadata))


class TransformersEngine:
    label = "transformers"

    def __init__(self, path: Path, gguf: GgufFile, sha256: str, loaded: dict[str, tuple[Any, Any]]):
        """`loaded`: (tokenizer, config) by kv_digest of the files this export already read."""
        model, tokenizer, config = load_gguf_model(path, loaded.get(gguf.kv_digest))
        loaded.setdefault(gguf.kv_digest, (tokenizer, config))
        self.chat = gguf_chat(path, gguf.metadata, sha256, model, tokenizer)
        self.command: list[str] = []

    def answer(self, conversations: list[Messages], generation: dict[str, Any]) -> list[str]:
        import torch

        torch.manual_seed(0)
        return [c.text for c in self.chat.generate(conversations, **generation)]


class LlamaServerEngine:
    """llama.cpp's `llama-server` on the file; one request at a time, greedy unless sampling is asked for."""

    label = "llama-server"

    def __init__(self, url: str, system_prompt: str, command: list[str] | None = None):
        self.url, self.system_prompt = url.rstrip("/"), system_prompt
        self.command = command or []

    def answer(self, conversations: list[Messages], generation: dict[str, Any]) -> list[str]:
        return [self.ask(c, generation) for c in conversations]

    def ask(self, messages: Messages, generation: dict[str, Any]) -> str:
        body = chat_request(messages, self.system_prompt, generation)
        reply = post_json(f"{self.url}/v1/chat/completions", body, timeout=600)
        return reply["choices"][0]["message"]["content"] or ""


def chat_request(messages: Messages, system_prompt: str, generation: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat request for llama-server answering as tuneline does: the versioned system prompt first
    unless the conversation has one, greedy (temperature 0) unless sampling, a fixed length when min = max."""
    if system_prompt and (not messages or messages[0]["role"] != "system"):
        messages = [{"role": "system", "content": system_prompt}, *messages]
    sampling = bool(generation.get("do_sample"))
    body: dict[str, Any] = {
        "messages": messages,
        "max_tokens": int(generation.get("max_new_tokens") or 128),
        "temperature": float(generation.get("temperature") or 1.0) if sampling else 0.0,
        "top_p": float(generation.get("top_p") or 1.0) if sampling else 1.0,
        "repeat_penalty": float(generation.get("repetition_penalty") or 1.0),
        "seed": 0,
    }
    if int(generation.get("min_new_tokens") or 0) >= body["max_tokens"]:
        body["ignore_eos"] = True  # llama.cpp has no min_tokens; min = max means exactly max tokens
    return body


def post_json(url: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def llama_server_command(settings: LlamaServerSettings, path: Path, port: int, slots: int = 1) -> list[str]:
    """The command line that serves `path` (also what the check records)."""
    if not settings.binary or not Path(settings.binary).is_file():
        what = f"{settings.binary} is not a file" if settings.binary else "it is not set"
        raise ExportError(
            f"engine=llama-server needs llama_server.binary, the llama-server executable ({what}); "
            "`python bench/edge_bench.py --build-only` builds one from the pinned sdist"
        )
    context = str(settings.context * slots)
    return [settings.binary, "-m", str(path), "--host", "127.0.0.1", "--port", str(port),
            "-np", str(slots), "-c", context, *settings.args]  # fmt: skip


@contextlib.contextmanager
def llama_server(
    settings: LlamaServerSettings, path: Path, slots: int = 1
) -> Iterator[tuple[str, list[str]]]:
    """Start llama-server on `path`, wait until /health answers 200, yield (base URL, command); stop it."""
    port = free_port()
    command = llama_server_command(settings, path, port, slots)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

        def tail() -> list[str]:
            log.seek(0)
            return log.read().decode(errors="replace").strip().splitlines()

        try:
            wait_healthy(f"http://127.0.0.1:{port}", process, settings.startup_timeout_s, tail)
            yield f"http://127.0.0.1:{port}", command
        finally:
            stop_process(process)


def stop_process(process: subprocess.Popen) -> None:
    """Stop a llama-server this process started: SIGTERM, then SIGKILL after 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def wait_healthy(
    url: str,
    process: subprocess.Popen,
    timeout: float,
    tail: Callable[[], Iterable[str]],
    setting: str = "llama_server.startup_timeout_s",
) -> None:
    """Until llama-server's /health answers 200 (its file is loaded); ExportError with the last lines of its
    output (`tail`) when it exits first, or naming `setting` when it is not healthy within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ExportError(
                f"llama-server exited with {process.returncode}: {' | '.join(list(tail())[-4:])}"
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass  # 503 while the model loads, or not listening yet
        time.sleep(0.25)
    raise ExportError(f"llama-server at {url} was not healthy after {timeout:.0f} s ({setting})")


@contextlib.contextmanager
def open_engine(
    cfg: ExportConfig, path: Path, gguf: GgufFile, sha256: str, loaded: dict[str, tuple[Any, Any]]
) -> Iterator[Engine]:
    """The configured engine over the GGUF at `path` (`loaded`: see TransformersEngine)."""
    if cfg.engine == "transformers":
        yield TransformersEngine(path, gguf, sha256, loaded)
        return
    system_prompt = record_from_metadata(path, gguf.metadata).system_prompt
    with llama_server(cfg.llama_server, path) as (url, command):
        yield LlamaServerEngine(url, system_prompt, command)

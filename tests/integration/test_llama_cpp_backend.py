"""`tuneline serve` with backend=llama_cpp against a real SQLite registry: tiny versions exported to Q8_0 GGUF and
checked through llama-server (`tuneline export gguf engine=llama-server`), served by llama-server processes behind
tuneline's control plane (uvicorn on 127.0.0.1, the official `openai` client).

Needs a llama-server executable (TUNELINE_LLAMA_SERVER, `llama-server` on PATH, or the bench build from
`python bench/edge_bench.py --build-only`); skipped without one.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from components.common.config import load_config
from components.common.datasets import read_golden
from components.export_gguf.config import ExportConfig
from components.export_gguf.core import run as export_gguf
from components.register import registry
from components.register.config import RegisterConfig
from components.register.core import run as register
from serving.llama_server import find_llama_server
from tests.integration.serving_helpers import (
    KEY,
    client,
    clients_asking,
    http,
    registry_env,
    running_server,
    wait_for,
)
from tests.integration.test_export_gguf import GOLDEN, REPO, N, answered_report, converter_cache  # noqa: F401

BINARY = find_llama_server(os.environ.get("TUNELINE_LLAMA_SERVER"))
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        BINARY is None,
        reason="no llama-server executable (TUNELINE_LLAMA_SERVER, `llama-server` on PATH, or "
        "`python bench/edge_bench.py --build-only`): the llama_cpp backend serves through one",
    ),
]
EXAMPLES = read_golden(GOLDEN, N)
SERVER = {"registered_model_name": "assistant", "backend": "llama_cpp", "llama_server": str(BINARY),
          "api_keys": [KEY], "poll_interval_s": 0.5, "llama_cpp_slots": 2, "max_prompt_tokens": 300,
          "max_tokens_limit": 64}  # fmt: skip


def checked_answers(report: dict, check_file: str) -> dict[str, str]:
    """The export check's answer to each golden prompt: the evaluated answer where it was identical, else the
    differing answer the check recorded (all of them at N=4)."""
    check = json.loads(Path(check_file).read_text())["exports"][0]["check"]
    assert check["engine"] == "llama-server" and check["checked"] == N and check["passed"]
    answers = {row["id"]: row["candidate_answer"] for row in report["examples"]}
    return answers | {row["id"]: row["exported"] for row in check["differences"]}


@pytest.fixture(scope="module")
def store(tmp_path_factory, tiny_model_dir, tiny_adapter_dir, make_tiny_adapter, converter_cache):  # noqa: F811
    """Versions 1 and 2 (two adapters) exported to Q8_0 and checked through llama-server; version 3 not exported."""
    with registry_env(tmp_path_factory.mktemp("llama-cpp-backend")) as root:
        adapters = [tiny_adapter_dir, make_tiny_adapter(tiny_model_dir, root / "adapter-2", seed=2)]
        checked, exports = {}, {}
        for i, adapter in enumerate(adapters, start=1):
            report = answered_report(adapter)
            (root / f"eval_report_{i}.json").write_text(json.dumps(report))
            version = register(load_config(
                RegisterConfig, adapter_dir=str(adapter), eval_report=str(root / f"eval_report_{i}.json"),
                registered_model_name="assistant", out_dir=str(root / f"register-{i}"), verify_roundtrip=False,
            ))["version"]  # fmt: skip
            result = export_gguf(load_config(ExportConfig, REPO / "configs" / "export.yaml", [
                f"source=models:/assistant/{version}", "quantizations=[q8_0]", "engine=llama-server",
                f"llama_server.binary={BINARY}", "llama_server.args=[-t,'1']",
                f"converter.cache_dir={converter_cache}", f"out_dir={root / f'export-{i}'}",
            ]))  # fmt: skip
            checked[version] = checked_answers(report, result["check_file"])
            exports[version] = result["exports"]["q8_0"]["registered"]
        bare = make_tiny_adapter(tiny_model_dir, root / "adapter-3", seed=3)
        unexported = register(load_config(RegisterConfig, adapter_dir=str(bare), registered_model_name="assistant",
                                          out_dir=str(root / "register-3"), verify_roundtrip=False))["version"]  # fmt: skip
        yield {"checked": checked, "exports": exports, "unexported": unexported, "versions": sorted(checked)}


def point_champion(version: str) -> None:
    registry.move_alias("assistant", "champion", version, registry.alias_version("assistant", "champion"),
                        "promote", "test")  # fmt: skip


def serve(base: str, version: str) -> dict:
    """Point the champion at `version` and check at once (what the next poll would do)."""
    point_champion(version)
    reply = http("POST", f"{base}/admin/reload", headers={"Authorization": f"Bearer {KEY}"})
    assert reply.status_code == 200, reply.text
    return reply.json()


def ask(api, example, **extra):
    return api.chat.completions.create(model="assistant", messages=example.prompt, max_tokens=8, temperature=0,
                                       **extra)  # fmt: skip


@pytest.fixture(scope="module")
def server(store):
    point_champion(store["versions"][0])
    with running_server(**SERVER) as running:
        yield running


def test_a_champion_without_a_passed_export_is_refused_and_nothing_is_served(store):
    point_champion(store["unexported"])
    with running_server(ready_path="/health", **SERVER) as (base, _, app):
        wait_for(lambda: app.state.manager.refused is not None, timeout=30)
        ready = http("GET", f"{base}/ready")
        assert ready.status_code == 503
        message = ready.json()["error"]["message"]
        assert f"models:/assistant/{store['unexported']} has no GGUF export in assistant-gguf" in message
        assert "tuneline export gguf" in message and "engine=llama-server" in message
        with pytest.raises(Exception, match="no model version is loaded yet") as refused:
            ask(client(base), EXAMPLES[0])
        assert refused.value.status_code == 503
        assert app.state.manager.served == {}  # no llama-server was started for it


def test_the_served_answer_is_the_answer_the_export_check_judged_json_and_streamed(server, store):
    base = server[0]
    version = store["versions"][0]
    serve(base, version)
    api = client(base)
    for example in EXAMPLES:
        answer = ask(api, example)
        assert answer.choices[0].message.content == store["checked"][version][example.id], example.id
        assert answer.model == "assistant" and answer.registry_version == version
        assert answer.backend == "llama.cpp" and answer.export == store["exports"][version]
        assert answer.usage.prompt_tokens > 20 and 0 < answer.usage.completion_tokens <= 8
        chunks = list(ask(api, example, stream=True, stream_options={"include_usage": True}))
        assert (
            "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            == answer.choices[0].message.content
        )
        assert chunks[-1].usage.completion_tokens == answer.usage.completion_tokens
    ready = http("GET", f"{base}/ready").json()
    assert ready["version"] == version and ready["export"] == store["exports"][version]
    command = ready["command"]
    assert command[:3] == [str(BINARY), "-m", command[2]] and command[2].endswith(".gguf")
    assert command[command.index("-np") + 1] == "2" and command[-2:] == ["-t", "1"]  # the check's flags
    assert ready["check_command"][-2:] == ["-t", "1"]


def test_auth_is_enforced_in_front_of_and_inside_the_engine(server, store):
    base, _, app = server
    serve(base, store["versions"][0])
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        for method, path in (("POST", "/v1/chat/completions"), ("GET", "/v1/models")):
            reply = http(method, base + path, b"{}" if method == "POST" else None, headers)
            assert reply.status_code == 401 and reply.json()["error"]["code"] == "invalid_api_key"
    # llama-server listens on 127.0.0.1 only and answers only this process (its key is not the clients')
    engine = app.state.manager.current
    body = json.dumps({"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}).encode()
    for key in ("", KEY):
        reply = http("POST", f"{engine.url}/v1/chat/completions", body, {"Authorization": f"Bearer {key}"})
        assert reply.status_code == 401
    assert http("GET", f"{base}/v1/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_the_request_log_names_the_version_and_the_backend(server, store):
    base, _, app = server
    version = store["versions"][0]
    serve(base, version)
    answer = ask(client(base), EXAMPLES[1], user="alice")
    request_log = app.state.online.log
    request_log.flush()
    row = next(r for r in request_log.requests() if r["id"] == answer.id)
    assert row["version"] == version and row["route"] == "champion" and row["user"] == "alice"
    assert row["model"] == f"assistant via llama.cpp {store['exports'][version]}"
    assert row["answer"] == answer.choices[0].message.content == store["checked"][version][EXAMPLES[1].id]
    assert row["prompt_tokens"] == answer.usage.prompt_tokens and row["completion_tokens"] > 0


def test_an_alias_move_hot_swaps_to_the_new_export_without_a_failed_request(server, store):
    base, _, app = server
    old, new = store["versions"]
    serve(base, old)
    before = app.state.manager.current
    api = client(base)

    def paced_ask():  # two clients in a loop, paced so that the server's threads get the CPU too
        time.sleep(0.05)
        return ask(api, EXAMPLES[0])

    with clients_asking(paced_ask) as (seen, failures):
        wait_for(lambda: len(seen) >= 5, timeout=30)
        point_champion(new)  # the alias watch (0.5 s polls) starts the new export's server and swaps
        wait_for(lambda: any(version == new for version, _ in seen[-10:]), timeout=60)
        wait_for(lambda: sum(version == new for version, _ in seen) >= 5, timeout=30)
    assert failures == []
    versions = [version for version, _ in seen]
    assert versions[0] == old and versions[-1] == new and set(versions) == {old, new}
    for version, content in seen:
        assert (
            content == store["checked"][version][EXAMPLES[0].id]
        )  # each answer is its version's checked one
    wait_for(lambda: before.process.poll() is not None, timeout=30)  # the old server stopped once drained
    assert app.state.manager.current.version == new


def test_a_move_to_a_version_without_an_export_keeps_serving_and_says_why(server, store):
    base = server[0]
    served = store["versions"][1]
    serve(base, served)
    point_champion(store["unexported"])
    reload = http("POST", f"{base}/admin/reload", headers={"Authorization": f"Bearer {KEY}"})
    assert reload.status_code == 502
    assert f"still serving version {served}" in reload.json()["error"]["message"]
    ready = http("GET", f"{base}/ready").json()
    assert ready["version"] == served and ready["refused"]["version"] == store["unexported"]
    assert "has no GGUF export in assistant-gguf" in ready["refused"]["reason"]
    assert ask(client(base), EXAMPLES[0]).registry_version == served
    assert (
        serve(base, store["versions"][0])["served_version"] == store["versions"][0]
    )  # (or the poll was first)
    assert "refused" not in http("GET", f"{base}/ready").json()

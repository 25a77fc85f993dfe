"""Serving against a real SQLite registry: uvicorn on 127.0.0.1, the tiny model, the official `openai` client."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import openai
import pytest

from components.common.chat_model import ChatModel
from tests.integration.serving_helpers import (
    ASK,
    KEY,
    client,
    clients_asking,
    http,
    register_as_champion,
    registry_env,
    running_server,
    sample_value,
    wait_for,
)

pytestmark = pytest.mark.integration
QUESTIONS = [
    [{"role": "user", "content": "How much is the Plus plan?"}],
    [{"role": "user", "content": "What does QN-409 mean?"}],
    [{"role": "user", "content": "Can I export my workspace to Markdown?"}],
    ASK,
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with registry_env(tmp_path_factory.mktemp("serving-store")) as root:
        yield root


@pytest.fixture(scope="module")
def server(store, tiny_adapter_dir):
    register_as_champion(store, tiny_adapter_dir, "assistant")
    limits = {
        "max_prompt_tokens": 300,
        "max_tokens_limit": 64,
        "max_body_bytes": 20_000,
        "batch_window_ms": 100,
    }
    with running_server(registered_model_name="assistant", api_keys=[KEY, "other-key"], **limits) as running:
        yield running


@pytest.fixture(scope="module")
def expected(tiny_adapter_dir) -> dict[str, str]:
    chat = ChatModel.load(tiny_adapter_dir)
    return {q[0]["content"]: c.text for q, c in zip(QUESTIONS, chat.generate(QUESTIONS), strict=True)}


def test_openai_client_gets_the_champion_answer_and_the_same_answer_streamed(server, expected):
    base, _, _ = server
    api = client(base)
    answer = api.chat.completions.create(model="assistant", messages=ASK)
    assert answer.choices[0].message.content == expected[ASK[0]["content"]]
    assert answer.id.startswith("chatcmpl-") and answer.model == "assistant"
    assert answer.registry_version == "1"
    assert answer.usage.completion_tokens <= 16 and answer.usage.prompt_tokens > 20  # versioned system prompt
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens

    chunks = list(
        api.chat.completions.create(
            model="assistant", messages=ASK, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        == answer.choices[0].message.content
    )
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == answer.choices[0].finish_reason
    assert chunks[-1].usage.completion_tokens == answer.usage.completion_tokens
    assert {c.registry_version for c in chunks} == {"1"} and len({c.id for c in chunks}) == 1


def test_stop_seed_logprobs_and_min_tokens(server):
    base, _, _ = server
    api = client(base)
    full = api.chat.completions.create(model="assistant", messages=ASK, logprobs=True, top_logprobs=3)
    text = full.choices[0].message.content
    tokens = full.choices[0].logprobs.content
    assert "".join(t.token for t in tokens) == text and len(tokens) == full.usage.completion_tokens
    assert all(len(t.top_logprobs) == 3 and t.logprob == t.top_logprobs[0].logprob for t in tokens)  # greedy

    assert len(text) > 6
    stop = text[len(text) // 2 : len(text) // 2 + 3]
    cut = api.chat.completions.create(model="assistant", messages=ASK, stop=[stop])
    assert (
        cut.choices[0].message.content == text[: text.find(stop)] and cut.choices[0].finish_reason == "stop"
    )

    sampled = [
        api.chat.completions.create(model="assistant", messages=ASK, temperature=1.0, seed=7).choices[0]
        for _ in range(2)
    ]
    assert sampled[0].message.content == sampled[1].message.content

    forced = api.chat.completions.create(
        model="assistant", messages=ASK, max_tokens=24, extra_body={"min_tokens": 24}
    )
    assert forced.usage.completion_tokens == 24 and forced.choices[0].finish_reason == "length"


def test_concurrent_requests_are_batched_and_answer_as_alone(server, expected):
    base, _, _ = server
    barrier, answers = threading.Barrier(len(QUESTIONS)), {}

    def ask(question):
        barrier.wait(timeout=30)
        reply = client(base).chat.completions.create(model="assistant", messages=question)
        answers[question[0]["content"]] = reply.choices[0].message.content

    threads = [threading.Thread(target=ask, args=(q,)) for q in QUESTIONS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert answers == expected
    metrics = http("GET", f"{base}/metrics").text
    single = sample_value(metrics, 'tuneline_batch_size_bucket{le="1.0"}')
    assert sample_value(metrics, "tuneline_batch_size_count") > single  # at least one batch held several


def test_auth_is_required_and_probes_are_open(server):
    base, _, _ = server
    with pytest.raises(openai.AuthenticationError) as missing:
        client(base, key="wrong").chat.completions.create(model="assistant", messages=ASK)
    assert missing.value.body["code"] == "invalid_api_key"
    assert http("POST", f"{base}/v1/chat/completions", b"{}").status_code == 401
    assert http("POST", f"{base}/admin/reload").status_code == 401
    assert client(base, key="other-key").models.list().data[0].id == "assistant"
    assert http("GET", f"{base}/health").json() == {"status": "ok"}
    assert http("GET", f"{base}/ready").json()["version"] == "1"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"model": "assistant", "messages": ASK, "max_tokens": 65}, 400, "max_tokens_exceeded"),
        (
            {"model": "assistant", "messages": [{"role": "user", "content": "word " * 400}]},
            400,
            "context_length_exceeded",
        ),
        (
            {"model": "assistant", "messages": [{"role": "user", "content": "x" * 30_000}]},
            413,
            "request_too_large",
        ),
        ({"model": "assistant", "messages": ASK, "tools": []}, 422, "invalid_request"),
        ({"model": "assistant", "messages": [{"role": "robot", "content": "hi"}]}, 422, "invalid_request"),
        ({"model": "assistant", "messages": ASK, "temperature": 5}, 422, "invalid_request"),
        ({"model": "gpt-4o", "messages": ASK}, 404, "model_not_found"),
        (b'{"model": "assistant", "messages": [', 400, "invalid_json"),
        (b"\xff\xfe not json", 400, "invalid_json"),
    ],
)
def test_bad_input_gets_a_documented_4xx_with_an_openai_error_body(server, body, status, code):
    base, _, _ = server
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    reply = http("POST", f"{base}/v1/chat/completions", content, headers)
    assert reply.status_code == status
    error = reply.json()["error"]
    assert error["code"] == code and error["message"] and error["type"]


def test_timeout_is_504_and_the_server_keeps_answering(server):
    base, settings, _ = server
    api = client(base)
    settings.request_timeout_s = 0.001  # shorter than the batch window: no answer can make it
    try:
        with pytest.raises(openai.APIStatusError) as timed_out:
            api.chat.completions.create(model="assistant", messages=ASK)
    finally:
        settings.request_timeout_s = 120.0
    assert timed_out.value.status_code == 504 and timed_out.value.body["code"] == "request_timeout"
    assert api.chat.completions.create(model="assistant", messages=ASK).choices[0].message.content
    metrics = http("GET", f"{base}/metrics").text
    assert sample_value(metrics, 'tuneline_errors_total{type="timeout"}') >= 1
    assert sample_value(metrics, 'tuneline_served_version{name="assistant",version="1"}') == 1
    assert sample_value(metrics, "tuneline_tokens_generated_total") > 0
    assert 'tuneline_requests_total{endpoint="/v1/chat/completions",status="200"}' in metrics


def test_alias_move_swaps_version_without_a_failed_request(
    store, tiny_model_dir, tmp_path, make_tiny_adapter
):
    first = make_tiny_adapter(tiny_model_dir, tmp_path / "a1", seed=11)
    second = make_tiny_adapter(tiny_model_dir, tmp_path / "a2", seed=12)
    want = {str(v): ChatModel.load(a).generate([ASK])[0].text for v, a in ((1, first), (2, second))}
    assert want["1"] != want["2"]
    register_as_champion(store, first, "swapper")
    with running_server(registered_model_name="swapper", poll_interval_s=0.2, batch_window_ms=5) as (
        base,
        _,
        _,
    ):
        api = client(base)
        with clients_asking(lambda: api.chat.completions.create(model="swapper", messages=ASK)) as (
            seen,
            failures,
        ):
            wait_for(lambda: len(seen) >= 3)
            register_as_champion(store, second, "swapper")
            wait_for(lambda: sum(v == "2" for v, _ in seen) >= 4)
    assert failures == []
    assert {v for v, _ in seen} == {"1", "2"}
    assert all(text == want[version] for version, text in seen)  # each answer is exactly its version's


def test_broken_version_does_not_replace_the_served_one(store, tiny_adapter_dir, tmp_path):
    register_as_champion(store, tiny_adapter_dir, "guarded")
    broken = shutil.copytree(tiny_adapter_dir, tmp_path / "broken")
    (broken / "adapter_model.safetensors").write_bytes(b"\x00" * 64)  # corrupt weights; record still valid
    with running_server(registered_model_name="guarded", poll_interval_s=600, api_keys=[KEY]) as (base, *_):
        register_as_champion(store, broken, "guarded")
        reload = http("POST", f"{base}/admin/reload", headers={"Authorization": f"Bearer {KEY}"})
        assert reload.status_code == 502
        assert reload.json()["error"]["code"] == "load_failed" and "still serving version 1" in reload.text
        answer = client(base).chat.completions.create(model="guarded", messages=ASK)
        assert answer.registry_version == "1" and answer.choices[0].message.content
        assert client(base).models.list().data[0].registry_version == "1"
        metrics = http("GET", f"{base}/metrics").text
        assert sample_value(metrics, 'tuneline_model_load_failures_total{version="2"}') == 1
        assert sample_value(metrics, 'tuneline_served_version{name="guarded",version="1"}') == 1


def test_a_tampered_artifact_is_refused_and_the_old_version_answers(store, tiny_adapter_dir):
    """Registration recorded every file's sha256 in the registry: one flipped byte in the artifact store is
    refused with the file's name, and serving keeps answering with the version it had."""
    import mlflow

    from components.register import registry

    register_as_champion(store, tiny_adapter_dir, "tampered")
    with running_server(registered_model_name="tampered", poll_interval_s=600, api_keys=[KEY]) as (base, *_):
        version = register_as_champion(store, tiny_adapter_dir, "tampered")
        logged = registry.client().get_model_version("tampered", version).source.removeprefix("models:/")
        stored = Path(mlflow.get_logged_model(logged).artifact_location.removeprefix("file://"))
        weights = next(stored.rglob("adapter_model.safetensors"))
        data = bytearray(weights.read_bytes())
        data[len(data) // 2] ^= 0x01
        weights.write_bytes(bytes(data))
        reload = http("POST", f"{base}/admin/reload", headers={"Authorization": f"Bearer {KEY}"})
        assert reload.status_code == 502 and "still serving version 1" in reload.text
        assert "adapter/adapter_model.safetensors has sha256" in reload.text
        answer = client(base).chat.completions.create(model="tampered", messages=ASK)
        assert answer.registry_version == "1" and answer.choices[0].message.content

"""Online serving: canary and shadow routing between champion and challenger, the request log, feedback.

    HF_HUB_OFFLINE=1 .venv/bin/python -m pytest tests/integration/test_serving_online.py -q

Real parts throughout: a SQLite registry in tmp_path, uvicorn on 127.0.0.1, the tiny model, a real SQLite
request log read back through RequestLog.
"""

from __future__ import annotations

import json
import math
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from components.common.chat_model import ChatModel
from components.register import registry
from serving.routing import sticky_draw
from tests.integration.serving_helpers import (
    ASK,
    KEY,
    client,
    http,
    register_as_champion,
    registry_env,
    running_server,
    sample_value,
    wait_for,
)

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with registry_env(tmp_path_factory.mktemp("online-store")) as root:
        yield root


@pytest.fixture(scope="module")
def adapters(tiny_model_dir, tmp_path_factory, make_tiny_adapter):
    """Two versions over the same tiny base (different LoRA weights): champion 1 and challenger 2."""
    root = tmp_path_factory.mktemp("online-adapters")
    return [make_tiny_adapter(tiny_model_dir, root / f"a{seed}", seed=seed) for seed in (21, 22)]


@pytest.fixture(scope="module")
def registered(store, adapters):
    register_as_champion(store, adapters[0], "online")
    register_as_champion(store, adapters[1], "online", alias="challenger")
    return "online"


@pytest.fixture(scope="module")
def canary(registered, tmp_path_factory):
    db = tmp_path_factory.mktemp("canary-log") / "requests.db"
    settings = {"routing": "canary", "canary_fraction": 0.5, "batch_window_ms": 5, "api_keys": [KEY]}
    with running_server(registered_model_name=registered, request_log_url=f"sqlite:///{db}", **settings) as s:
        yield s


def ask(api, content: str = "Hi", **extra):
    """One chat request; (completion, headers) with the version and route that answered."""
    messages = [{"role": "user", "content": content}]
    raw = api.chat.completions.with_raw_response.create(model="online", messages=messages, **extra)
    return raw.parse(), raw.headers


def logged(app) -> dict[str, dict]:
    """Rows of the server's request log by id (after the writer has caught up)."""
    request_log = app.state.online.log
    request_log.flush()
    return {row["id"]: row for row in request_log.requests()}


def key_for(route: str) -> str:
    """A user name that sticky hashing sends to `route` at fraction 0.5."""
    return next(k for i in range(100) if ((sticky_draw(k := f"user-{i}") < 0.5) == (route == "canary")))


def test_canary_splits_traffic_and_the_log_names_the_version_that_answered(canary):
    base, _, app = canary
    api = client(base)
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda i: ask(api, f"Question {i}?", max_tokens=2), range(200)))
    versions = [headers["x-tuneline-model-version"] for _, headers in replies]
    k = versions.count("2")
    assert abs(k - 100) <= 4 * math.sqrt(50), f"challenger answered {k} of 200"
    rows = logged(app)
    for answer, headers in replies:
        assert answer.registry_version == headers["x-tuneline-model-version"]
        assert headers["x-tuneline-route"] == ("canary" if answer.registry_version == "2" else "champion")
        row = rows[answer.id]
        assert (row["version"], row["route"]) == (answer.registry_version, headers["x-tuneline-route"])
        assert row["answer"] == answer.choices[0].message.content
        assert row["completion_tokens"] == answer.usage.completion_tokens and row["latency_ms"] > 0
    ready = http("GET", f"{base}/ready").json()
    assert ready["status"] == "ready" and ready["versions"] == {"champion": "1", "challenger": "2"}
    cards = {c.id: c.registry_version for c in api.models.list().data}
    assert cards == {"online": "1", "online@challenger": "2"}
    metrics = http("GET", f"{base}/metrics").text
    assert sample_value(metrics, 'tuneline_routed_requests_total{route="canary",version="2"}') >= k


def test_both_versions_share_one_base_as_two_adapters(canary):
    _, _, app = canary
    champion, challenger = app.state.manager.current, app.state.manager.challenger
    model = champion.chat.model
    assert challenger.chat.model is model  # one PeftModel, so one base in memory
    assert len(model.peft_config) == 2 and champion.adapter_name != challenger.adapter_name
    assert {champion.adapter_name, challenger.adapter_name} == set(model.peft_config)


def test_sticky_user_keeps_its_version_and_each_version_answers_as_it_was_trained(canary, adapters):
    base, _, _ = canary
    api = client(base)
    want = {v: ChatModel.load(a).generate([ASK])[0].text for v, a in zip(("1", "2"), adapters, strict=True)}
    assert want["1"] != want["2"]
    for route, version in (("champion", "1"), ("canary", "2")):
        user = key_for(route)
        for extra in ({"user": user}, {"extra_headers": {"x-session-id": user}}, {"user": user}):
            answer, headers = ask(api, ASK[0]["content"], **extra)
            assert headers["x-tuneline-route"] == route and answer.registry_version == version
            assert answer.choices[0].message.content == want[version]  # adapter switching is exact


def test_feedback_round_trip(canary):
    base, _, app = canary
    answer, _ = ask(client(base), "How do I restore a page?", max_tokens=4)

    def feedback(body: dict, headers: dict = AUTH):
        return http("POST", f"{base}/v1/feedback", json.dumps(body).encode(), headers)

    first = feedback({"completion_id": answer.id, "rating": "down", "preferred": "Open Trash, pick Restore."})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "recorded" and first.json()["completion_id"] == answer.id
    same = feedback({"completion_id": answer.id, "rating": "down", "preferred": "Open Trash, pick Restore."})
    assert same.json() == {**first.json(), "status": "unchanged"}
    assert feedback({"completion_id": answer.id, "rating": "up"}).json()["status"] == "updated"
    assert logged(app)[answer.id]["rating"] == "up"

    unknown = feedback({"completion_id": "chatcmpl-never-served", "rating": "up"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "completion_not_found"
    empty = feedback({"completion_id": answer.id, "comment": "meh"})
    assert empty.status_code == 422 and empty.json()["error"]["type"] == "invalid_request_error"
    assert feedback({"completion_id": answer.id, "rating": "up"}, headers={}).status_code == 401
    metrics = http("GET", f"{base}/metrics").text
    assert sample_value(metrics, 'tuneline_feedback_total{rating="down",status="recorded"}') == 1
    assert 'tuneline_requests_total{endpoint="/v1/feedback",status="404"}' in metrics


def test_pii_in_a_prompt_is_redacted_in_the_log(canary):
    base, _, app = canary
    secret = "I am jane.doe@example.com, call +1 415 555 0100 or use card 4111 1111 1111 1111"
    answer, _ = ask(client(base), secret, max_tokens=2, user="jane.doe@example.com")
    row = logged(app)[answer.id]
    text = json.dumps(row["messages"]) + (row["user"] or "")
    assert "jane.doe" not in text and "555 0100" not in text and "4111" not in text
    assert "[EMAIL]" in text and "[PHONE]" in text and "[CREDIT_CARD]" in text and row["redactions"] >= 4


def test_shadow_answers_with_the_champion_and_logs_the_challenger(registered, tmp_path):
    db = tmp_path / "requests.db"
    with running_server(
        registered_model_name=registered,
        routing="shadow",
        request_log_url=f"sqlite:///{db}",
        batch_window_ms=5,
    ) as (base, _, app):
        api = client(base)
        ids = set()
        for i in range(4):
            answer, headers = ask(api, f"Shadow question {i}?", max_tokens=3)
            assert (answer.registry_version, headers["x-tuneline-route"]) == ("1", "champion")
            ids.add(answer.id)
        stream = api.chat.completions.create(
            model="online", messages=ASK, max_tokens=3, stream=True, stream_options={"include_usage": True}
        )
        chunks = list(stream)
        assert {c.registry_version for c in chunks} == {"1"}
        ids.add(chunks[0].id)
        wait_for(lambda: sum(r["route"] == "shadow" for r in logged(app).values()) == len(ids), timeout=60)
        rows = logged(app)
    primaries = {i: rows[i] for i in ids}
    shadows = {r["shadow_of"]: r for r in rows.values() if r["route"] == "shadow"}
    assert set(shadows) == ids and {r["version"] for r in primaries.values()} == {"1"}
    assert {r["version"] for r in shadows.values()} == {"2"}
    assert all(shadows[i]["messages"] == primaries[i]["messages"] for i in ids)
    assert primaries[chunks[0].id]["answer"] == "".join(
        c.choices[0].delta.content or "" for c in chunks if c.choices
    )


def test_missing_broken_or_promoted_challenger_leaves_everything_to_the_champion(store, adapters, tmp_path):
    register_as_champion(store, adapters[0], "solo")  # registering also sets the challenger alias
    registry.client().delete_registered_model_alias("solo", "challenger")
    settings = {"routing": "canary", "canary_fraction": 1.0, "poll_interval_s": 600, "api_keys": [KEY]}
    with running_server(registered_model_name="solo", **settings) as (base, _, app):
        api = client(base)

        def route_and_version():
            raw = api.chat.completions.with_raw_response.create(model="solo", messages=ASK, max_tokens=2)
            return raw.headers["x-tuneline-route"], raw.parse().registry_version

        def reload(alias: str = "challenger") -> dict:
            answer = http("POST", f"{base}/admin/reload", headers=AUTH)
            assert answer.status_code == 200, answer.text
            return answer.json() if alias == "champion" else answer.json()[alias]

        assert route_and_version() == ("champion", "1")
        assert http("GET", f"{base}/ready").json()["versions"] == {"champion": "1", "challenger": None}
        broken = shutil.copytree(adapters[1], tmp_path / "broken")
        (broken / "adapter_model.safetensors").write_bytes(b"\x00" * 64)
        register_as_champion(store, broken, "solo", alias="challenger")
        assert reload()["status"] == "failed" and route_and_version() == ("champion", "1")

        register_as_champion(store, adapters[1], "solo", alias="challenger")
        assert reload()["status"] == "swapped" and route_and_version() == ("canary", "3")
        assert http("GET", f"{base}/ready").json()["versions"] == {"champion": "1", "challenger": "3"}

        registry.move_alias("solo", "champion", "3", "1", "promote", "test")  # promotion: both aliases on 3
        assert reload("champion")["status"] == "swapped" and route_and_version() == ("champion", "3")
        model = app.state.manager.current.chat.model
        assert list(model.peft_config) == ["solo-v3"]  # version 1's adapter left memory with its alias

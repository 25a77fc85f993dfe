"""Serving under load and under fuzzing: uvicorn on 127.0.0.1, the tiny model, a real SQLite registry.

    HF_HUB_OFFLINE=1 .venv/bin/python -m pytest tests/integration/test_load_and_fuzz.py -q -s

The load test runs 8 clients for 20 s (TUNELINE_LOAD_SECONDS overrides) and writes its latency histogram to
$TUNELINE_TEST_ARTIFACTS/load_histogram.json (else to the test's tmp_path). The fuzz test runs schemathesis
over every operation of the app's OpenAPI schema, with the request bodies the raw-body handlers read added.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from serving.app import create_app
from serving.schemas import ChatCompletionRequest, FeedbackRequest
from serving.settings import ServingSettings
from tests.integration.serving_helpers import (
    ASK,
    KEY,
    http,
    register_as_champion,
    registry_env,
    running_server,
)

pytestmark = pytest.mark.integration
CLIENTS = 8
MAX_TOKENS = 4
MIN_REQUESTS = 100  # far below what the tiny model does on two busy cores; zero would mean a stall
BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
AUTH = {"Authorization": f"Bearer {KEY}"}
FUZZ_EXAMPLES = 25  # per operation and generation phase
NO_LOG = ServingSettings(request_log_url="")  # an app built only for its document opens no request log
# Handlers that read the raw body (to cap its size before parsing) publish no body in /openapi.json.
RAW_BODIES = {"/v1/chat/completions": ChatCompletionRequest, "/v1/feedback": FeedbackRequest}


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_adapter_dir):
    with registry_env(tmp_path_factory.mktemp("load-store")) as store:
        register_as_champion(store, tiny_adapter_dir, "assistant")
        limits = {"max_prompt_tokens": 300, "max_tokens_limit": 64, "max_body_bytes": 20_000}
        with running_server(registered_model_name="assistant", api_keys=[KEY], **limits) as running:
            yield running


# ---------------------------------------------------------------- load


def completion_problem(reply) -> str | None:
    """Why a reply is not a 200 with a well-formed chat completion, or None."""
    if reply.status_code != 200:
        return f"status {reply.status_code}: {reply.text[:200]}"
    try:
        body = reply.json()
        choice, usage = body["choices"][0], body["usage"]
        assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
        assert body["model"] == "assistant" and isinstance(choice["message"]["content"], str)
        assert choice["message"]["role"] == "assistant" and choice["finish_reason"] in {"stop", "length"}
        assert 0 <= usage["completion_tokens"] <= MAX_TOKENS
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    except (ValueError, KeyError, IndexError, TypeError, AssertionError) as exc:
        return f"malformed body ({type(exc).__name__} {exc}): {reply.text[:200]}"
    return None


def client_loop(base: str, stop_at: float, latencies: list[float], errors: list[str]) -> None:
    """One client: chat completions back to back until `stop_at`, each timed to its last byte."""
    body = json.dumps({"model": "assistant", "messages": ASK, "max_tokens": MAX_TOKENS}).encode()
    headers = {**AUTH, "Content-Type": "application/json"}
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        try:
            problem = completion_problem(http("POST", f"{base}/v1/chat/completions", body, headers))
        except OSError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        latencies.append(time.perf_counter() - started)
        if problem:
            errors.append(problem)


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def histogram(latencies: list[float], elapsed_s: float) -> dict:
    """Cumulative buckets (Prometheus style, seconds), p50/p95/p99, count and requests per second."""
    ordered = sorted(latencies)
    buckets = {str(le): sum(x <= le for x in ordered) for le in BUCKETS_S}
    buckets["+Inf"] = len(ordered)
    return {
        "clients": CLIENTS,
        "max_tokens": MAX_TOKENS,
        "duration_s": round(elapsed_s, 2),
        "count": len(ordered),
        "requests_per_s": round(len(ordered) / elapsed_s, 2),
        "buckets_le_s": buckets,
        **{f"p{q}_s": round(percentile(ordered, q), 4) for q in (50, 95, 99)},
        "max_s": round(ordered[-1], 4),
    }


def test_eight_clients_under_sustained_load_get_only_well_formed_200s(server, tmp_path):
    base, _, _ = server
    duration = float(os.environ.get("TUNELINE_LOAD_SECONDS", "20"))
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    started = time.monotonic()
    threads = [
        threading.Thread(target=client_loop, args=(base, started + duration, latencies[i], errors))
        for i in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 120)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a client hung"

    report = histogram([x for per_client in latencies for x in per_client], elapsed)
    out = Path(os.environ.get("TUNELINE_TEST_ARTIFACTS") or tmp_path) / "load_histogram.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nload histogram ({out}):\n{json.dumps(report, indent=2)}")

    assert errors == [], f"{len(errors)} failed requests, first: {errors[:3]}"
    assert report["count"] >= MIN_REQUESTS
    assert all(per_client for per_client in latencies), "a client never completed a request"


# ---------------------------------------------------------------- fuzz


def with_request_bodies(spec: dict) -> dict:
    """The app's OpenAPI document plus the JSON bodies that RAW_BODIES' handlers parse themselves."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for path, model in RAW_BODIES.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
        body = {"$ref": f"#/components/schemas/{model.__name__}"}
        spec["paths"][path]["post"]["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    # this server answers one model id; any other is a quick 404, so valid bodies name it to reach generation
    components[ChatCompletionRequest.__name__]["properties"]["model"] = {"const": "assistant"}
    return spec


def fuzz_schema() -> schemathesis.BaseSchema:
    """Built at import (the routes, not the settings, make the document); the test targets the live server."""
    schema = schemathesis.openapi.from_dict(with_request_bodies(create_app(NO_LOG).openapi()))
    schema.config.update(headers=AUTH, request_timeout=60)
    schema.config.generation.update(max_examples=FUZZ_EXAMPLES, deterministic=True)
    return schema


FUZZ_SCHEMA = fuzz_schema()


def test_the_fuzzed_document_is_the_one_the_server_publishes(server):
    base, _, app = server
    published = http("GET", f"{base}/openapi.json").json()
    assert published == app.openapi() == create_app(NO_LOG).openapi()
    assert {p for p in published["paths"]} >= set(RAW_BODIES) | {"/health", "/ready", "/admin/reload"}


@FUZZ_SCHEMA.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_5xx_to_fuzzed_input(case, server):
    case.call_and_validate(base_url=server[0], headers=AUTH, checks=[not_a_server_error])

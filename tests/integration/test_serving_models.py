"""Several registered models over one base in one server, routed by context (rules, similarity, fallback).

    HF_HUB_OFFLINE=1 .venv/bin/python -m pytest tests/integration/test_serving_models.py -q

Real parts: a SQLite registry, the register step indexing each version's training prompts into a Milvus Lite
folder in tmp_path (MiniLM embeddings), uvicorn on 127.0.0.1, the tiny model under two products' adapters.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from components.common.chat_model import ChatModel
from components.common.config import load_config
from components.common.jsonl import read_records
from components.register import registry
from components.register.config import RegisterConfig
from components.register.core import run as register
from tests.integration.serving_helpers import KEY, client, http, registry_env, running_server

pytestmark = pytest.mark.integration
PRODUCTS = {"notes": Path("data/raw"), "parcels": Path("data/products/parcelpoint")}
AUTH = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


SHARED = {"billing", "account"}  # categories both products have (plans, payment): ambiguous without the name


def user_turns(path: Path, limit: int) -> list[str]:
    """The first user turns of a product's file, outside the categories the two products share."""
    turns = [m["content"] for _, r in read_records(path) if r.get("category") not in SHARED
             for m in r.get("messages", r.get("prompt", [])) if m["role"] == "user"]  # fmt: skip
    return turns[:limit]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("models-store")
    with registry_env(root), pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNELINE_VECTOR_URI", str(root / "prompts.db"))
        yield root


def register_version(store: Path, adapter: Path, name: str, product: str) -> str:
    """Register `adapter` as `name`'s champion, its training prompts: 60 of the product's SFT user turns."""
    prompts = store / f"{name}-prompts.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": t}]}
        for t in user_turns(PRODUCTS[product] / "sft.jsonl", 60)
    ]
    prompts.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = load_config(RegisterConfig, adapter_dir=str(adapter), registered_model_name=name,
                      out_dir=str(store / "reg"), training_prompts=str(prompts))  # fmt: skip
    result = register(cfg)
    assert result["vector_index"]["rows"] == 60
    registry.move_alias(
        name, "champion", result["version"], registry.alias_version(name, "champion"), "promote", "t"
    )
    return result["version"]


@pytest.fixture(scope="module")
def adapters(tiny_model_dir, tmp_path_factory, make_tiny_adapter):
    root = tmp_path_factory.mktemp("models-adapters")
    return {seed: make_tiny_adapter(tiny_model_dir, root / f"a{seed}", seed=seed) for seed in (31, 32, 33)}


@pytest.fixture(scope="module")
def served(store, adapters):
    register_version(store, adapters[31], "notes", "notes")
    register_version(store, adapters[32], "parcels", "parcels")
    policy = store / "serving.yaml"
    policy.write_text(
        json.dumps(
            {
                "models": ["notes", "parcels"],
                "rules": [{"when": {"tenant": "acme-logistics"}, "model": "parcels"}],
                "semantic": {"threshold": 0.3, "top_k": 5},
                "fallback": "notes",
            }
        )
    )
    with running_server(routing_policy=str(policy), batch_window_ms=5, api_keys=[KEY]) as s:
        yield s


def ask(base: str, content: str, model: str = "auto", **extra) -> tuple[dict, dict]:
    body = {"model": model, "messages": [{"role": "user", "content": content}], "max_tokens": 3, **extra}
    reply = http("POST", f"{base}/v1/chat/completions", json.dumps(body).encode(), AUTH)
    assert reply.status_code == 200, reply.text
    return reply.json(), reply.headers


def heldout(product: str, n: int) -> list[str]:
    return user_turns(PRODUCTS[product] / "golden.jsonl", n)


def test_both_models_are_listed_ready_and_share_one_base(served):
    base, _, app = served
    cards = {c.id: c for c in client(base).models.list().data}
    assert set(cards) == {"notes", "parcels", "auto"}
    assert cards["notes"].registry_version == "1" and cards["parcels"].registry_version == "1"
    ready = http("GET", f"{base}/ready").json()
    assert ready["models"] == {"notes": {"champion": "1"}, "parcels": {"champion": "1"}}
    assert ready["router"]["semantic"]["parcels"] == {"version": "1", "prompts": 60}
    notes, parcels = (app.state.manager.member(m).current for m in ("notes", "parcels"))
    assert notes.chat.model is parcels.chat.model  # one PeftModel: the base is in memory once
    assert set(notes.chat.model.peft_config) >= {notes.adapter_name, parcels.adapter_name}


def test_similarity_routes_held_out_questions_to_their_product_and_says_why(served):
    base, _, app = served
    for product in ("notes", "parcels"):
        for question in heldout(product, 4):
            body, headers = ask(base, question)
            assert headers["x-tuneline-model"] == product, (question, body["routing"])
            assert headers["x-tuneline-routed-by"].startswith("similarity:")
            assert body["routing"]["by"] == "similarity" and set(body["routing"]["scores"]) == {
                "notes",
                "parcels",
            }
    request_log = app.state.online.log
    request_log.flush()
    rows = request_log.requests()
    assert rows and all(row["routing"].startswith("similarity:") for row in rows)


def test_rules_win_and_unrelated_questions_fall_back(served):
    base, _, _ = served
    question = heldout("notes", 1)[0]
    _, headers = ask(base, question, metadata={"tenant": "acme-logistics"})  # the OpenAI `metadata` field
    assert (headers["x-tuneline-model"], headers["x-tuneline-routed-by"]) == (
        "parcels",
        "rule:tenant=acme-logistics",
    )
    http_headers = AUTH | {"x-tuneline-tenant": "acme-logistics"}
    body = {"model": "auto", "messages": [{"role": "user", "content": question}], "max_tokens": 2}
    reply = http("POST", f"{base}/v1/chat/completions", json.dumps(body).encode(), http_headers)
    assert reply.headers["x-tuneline-model"] == "parcels"
    body, headers = ask(base, "Quelle est la capitale de la Mongolie ? Réponds en un mot.")
    assert headers["x-tuneline-model"] == "notes" and body["routing"]["by"] == "fallback", body["routing"]
    _, headers = ask(base, question, model="parcels")  # a model named in the request is not routed
    assert (headers["x-tuneline-model"], headers["x-tuneline-routed-by"]) == ("parcels", "name")
    unknown = {"model": "nope", "messages": [{"role": "user", "content": question}]}
    reply = http("POST", f"{base}/v1/chat/completions", json.dumps(unknown).encode(), AUTH)
    assert reply.status_code == 404 and "'notes', 'parcels', 'auto'" in reply.json()["error"]["message"]


def test_one_model_swaps_version_while_the_other_keeps_answering(served, store, adapters):
    base, _, _ = served
    question = heldout("parcels", 1)[0]
    want = ChatModel.load(adapters[33], merge=False).generate(
        [[{"role": "user", "content": question}]], max_new_tokens=3
    )[0]
    version = register_version(store, adapters[33], "parcels", "parcels")
    with ThreadPoolExecutor(max_workers=4) as pool:  # requests to both models while parcels swaps
        asked = [
            pool.submit(ask, base, q, model) for q in heldout("notes", 3) for model in ("notes", "parcels")
        ]
        reload = http("POST", f"{base}/admin/reload", b"", AUTH).json()
        answers = [f.result() for f in asked]  # ask() asserts every one was a 200
    assert reload["parcels@champion"]["status"] == "swapped" and reload["status"] == "unchanged"
    assert {h["x-tuneline-model"] for _, h in answers} == {"notes", "parcels"}
    body, headers = ask(base, question)
    assert (headers["x-tuneline-model"], headers["x-tuneline-model-version"]) == ("parcels", version)
    assert body["choices"][0]["message"]["content"] == want.text
    assert ask(base, heldout("notes", 1)[0])[1]["x-tuneline-model-version"] == "1"
    assert http("GET", f"{base}/ready").json()["router"]["semantic"]["parcels"]["version"] == version

"""The context router's decision (serving/context_router.py): rules first, then similarity, then the fallback."""

from __future__ import annotations

import numpy as np
import pytest

from serving.completions import request_metadata
from serving.context_router import (
    RoutingPolicy,
    conversation_text,
    decide_route,
    model_scores,
)

POLICY = RoutingPolicy(
    models=["notes", "parcels"],
    rules=[
        {"when": {"tenant": "acme", "product": "parcels"}, "model": "parcels"},
        {"when": {"product": "notes"}, "model": "notes"},
    ],
    semantic={"threshold": 0.4, "top_k": 2},
    fallback="notes",
)


@pytest.mark.parametrize(
    ("meta", "scores", "model", "by", "reason"),
    [
        (
            {"product": "notes"},
            {"parcels": 0.9},
            "notes",
            "rule",
            "rule:product=notes",
        ),  # a rule beats similarity
        (
            {"tenant": "acme", "product": "parcels"},
            None,
            "parcels",
            "rule",
            "rule:tenant=acme,product=parcels",
        ),
        ({"tenant": "acme"}, {"notes": 0.3, "parcels": 0.62}, "parcels", "similarity", "similarity:0.620"),
        ({}, {"notes": 0.55, "parcels": 0.41}, "notes", "similarity", "similarity:0.550"),
        (
            {},
            {"notes": 0.2, "parcels": 0.39},
            "notes",
            "fallback",
            "fallback:0.390",
        ),  # best below the threshold
        ({"product": "other"}, None, "notes", "fallback", "fallback:none"),  # nothing indexed: fallback
    ],
)
def test_decide_route(meta, scores, model, by, reason):
    decision = decide_route(POLICY, meta, scores)
    assert (decision.model, decision.by, decision.describe()) == (model, by, reason)


def test_policy_refuses_unknown_models_and_a_router_id_that_is_a_model():
    with pytest.raises(ValueError, match="not in `models`"):
        RoutingPolicy(models=["a"], rules=[{"when": {"x": "1"}, "model": "b"}])
    with pytest.raises(ValueError, match="not in `models`"):
        RoutingPolicy(models=["a"], fallback="b")
    with pytest.raises(ValueError, match="also a served model"):
        RoutingPolicy(models=["auto", "b"])
    assert RoutingPolicy(models=["a", "b"]).fallback_model == "a"


def test_the_shipped_policy_loads():
    policy = RoutingPolicy.load("configs/serving.yaml")
    assert policy.models[0] == "tuneline-assistant" and policy.fallback_model in policy.models


def test_model_score_is_the_mean_of_the_top_k_similarities():
    query = np.array([1.0, 0.0], dtype=np.float32)
    matrices = {
        "a": np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32),
        "b": np.array([[0.8, 0.6]], dtype=np.float32),  # fewer prompts than k: the mean of what there is
    }
    assert model_scores(query, matrices, top_k=2) == pytest.approx({"a": 0.8, "b": 0.8})


def test_the_last_user_turns_are_what_is_compared_and_headers_override_metadata():
    messages = [
        {"role": "system", "content": "You are Quill, the support assistant for Quillnote."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "answer"},
        {"role": "user", "content": "second"},
        {"role": "user", "content": "third"},
    ]
    assert conversation_text(messages, 2) == "second\nthird"
    headers = {"x-tuneline-product": "parcels", "authorization": "Bearer k", "X-Tuneline-Tenant": "acme"}
    assert request_metadata({"product": "notes", "team": "x"}, headers) == {
        "product": "parcels",
        "team": "x",
        "tenant": "acme",
    }

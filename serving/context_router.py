"""Which registered model answers a request sent to the router (`model: "auto"`): rules, then similarity.

    policy = RoutingPolicy.load("configs/serving.yaml")
    router = ContextRouter(policy, champion_version=lambda name: "3")
    router.route(messages, {"tenant": "acme"})    # RouteDecision(model=..., by="rule"|"similarity"|"fallback", ...)

1. Rules (first match wins) on the request's metadata: the OpenAI `metadata` object, and `x-tuneline-<key>`
   headers (the header wins). A rule names the model for e.g. a tenant or a product.
2. Semantic: the conversation's last user turns are embedded with MiniLM (components/common/embeddings.py)
   and compared (cosine) with each model's training prompts, read from the vector index
   (components/common/vector_index.py) under `<model>/<served version>` and held in memory per version, so
   a request costs one embedding plus a matrix product. A model's score is the mean of its `top_k` most
   similar prompts; the best score wins if it reaches `threshold`, else the fallback model answers.
   A model whose version has no prompts in the index is left out of semantic routing (see /ready).
The decision is a pure function (`decide_route`) of the metadata and the scores.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

log = logging.getLogger("tuneline.serving")


class RoutingRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    when: dict[str, str] = Field(min_length=1, description="metadata key -> value; all must match")
    model: str = Field(description="registered model that answers when the rule matches")


class SemanticRouting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = Field(True, description="false: rules, then the fallback")
    threshold: float = Field(
        0.5, ge=-1, le=1, description="best model's score below this -> the fallback model answers"
    )
    top_k: int = Field(
        5, ge=1, description="a model's score: mean cosine of its k most similar training prompts"
    )
    user_turns: int = Field(2, ge=1, description="how many of the last user turns are embedded (joined)")


class RoutingPolicy(BaseModel):
    """configs/serving.yaml: the models served together and how `router_model` requests are routed."""

    model_config = ConfigDict(extra="forbid")
    router_model: str = Field("auto", description="the model id that asks for routing")
    models: list[str] = Field(min_length=1, description="registered models served together; first = primary")
    rules: list[RoutingRule] = Field(default_factory=list)
    semantic: SemanticRouting = Field(default_factory=SemanticRouting)
    fallback: str | None = Field(
        None, description="model for no rule and no confident match (None: the first)"
    )
    vector_uri: str | None = Field(
        None, description="vector index URI (None: TUNELINE_VECTOR_URI or the default)"
    )

    @model_validator(mode="after")
    def _known_models(self) -> RoutingPolicy:
        unknown = ({r.model for r in self.rules} | {self.fallback or self.models[0]}) - set(self.models)
        if unknown:
            raise ValueError(f"rules or fallback name models not in `models`: {sorted(unknown)}")
        if self.router_model in self.models:
            raise ValueError(f"router_model {self.router_model!r} is also a served model name")
        return self

    @property
    def fallback_model(self) -> str:
        return self.fallback or self.models[0]

    @classmethod
    def load(cls, path: str | Path) -> RoutingPolicy:
        try:
            return cls.model_validate(yaml.safe_load(Path(path).read_text()) or {})
        except FileNotFoundError:
            raise ValueError(f"routing policy {path} does not exist") from None
        except Exception as exc:
            raise ValueError(f"routing policy {path}: {exc}") from None


@dataclass
class RouteDecision:
    model: str
    by: Literal["rule", "similarity", "fallback", "name"]
    score: float | None = None  # the chosen model's similarity score
    scores: dict[str, float] = field(default_factory=dict)
    rule: str | None = None  # "tenant=acme,product=parcelpoint"

    def describe(self) -> str:
        """One line for the response header and the request log: `similarity:0.812`, `rule:tenant=acme`."""
        if self.by == "rule":
            return f"rule:{self.rule}"
        if self.by == "name":
            return "name"
        best = f"{self.score:.3f}" if self.score is not None else "none"
        return f"{self.by}:{best}"

    def as_dict(self) -> dict[str, Any]:
        body = {"model": self.model, "by": self.by, "reason": self.describe()}
        if self.scores:
            body["scores"] = {k: round(v, 4) for k, v in self.scores.items()}
        return body


def match_rule(rules: list[RoutingRule], meta: dict[str, str]) -> RoutingRule | None:
    return next((r for r in rules if all(meta.get(k) == v for k, v in r.when.items())), None)


def decide_route(
    policy: RoutingPolicy, meta: dict[str, str], scores: dict[str, float] | None
) -> RouteDecision:
    """A rule's model; else the best-scoring model when it reaches the threshold; else the fallback."""
    if (rule := match_rule(policy.rules, meta)) is not None:
        return RouteDecision(rule.model, "rule", rule=",".join(f"{k}={v}" for k, v in rule.when.items()))
    scores = scores or {}
    if scores:
        best = max(scores, key=scores.__getitem__)
        if scores[best] >= policy.semantic.threshold:
            return RouteDecision(best, "similarity", scores[best], scores)
        return RouteDecision(policy.fallback_model, "fallback", scores[best], scores)
    return RouteDecision(policy.fallback_model, "fallback")


def model_scores(query: Any, matrices: dict[str, Any], top_k: int) -> dict[str, float]:
    """Mean of the top-k cosine similarities of `query` (unit vector) to each model's prompt vectors."""
    import numpy as np

    scores = {}
    for name, matrix in matrices.items():
        sims = matrix @ query
        k = min(top_k, len(sims))
        scores[name] = float(np.partition(sims, len(sims) - k)[-k:].mean())
    return scores


def conversation_text(messages: list[dict[str, str]], turns: int) -> str:
    """The last `turns` user turns, joined: what the user asked about (the system prompt is the product's)."""
    users = [m["content"] for m in messages if m.get("role") == "user"]
    return "\n".join(users[-turns:])


class ContextRouter:
    """The policy with an embedder and each model's served-version prompt vectors (loaded on first use)."""

    def __init__(self, policy: RoutingPolicy, champion_version: Callable[[str], str | None]):
        self.policy, self.champion_version = policy, champion_version
        self._matrices: dict[str, tuple[str, Any]] = {}  # model -> (version, unit vectors)
        self._missing: dict[str, str] = {}  # model -> why it is out of semantic routing
        self._lock = threading.Lock()
        self._embedder = None
        # one thread embeds every routed request, on one core: the batch thread owns torch's OpenMP team, and
        # every other team would slow its batches (serving/batching.py `DynamicBatcher.start`)
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="tuneline-router")

    def embedder(self):
        if self._embedder is None:
            from components.common.embeddings import Embedder

            self._embedder = Embedder.load()
        return self._embedder

    def matrices(self) -> dict[str, Any]:
        """Each model's prompt vectors for the version serving it now (re-read when that version changes)."""
        with self._lock:
            wanted = {m: v for m in self.policy.models if (v := self.champion_version(m)) is not None}
            stale = [m for m, v in wanted.items() if self._matrices.get(m, ("",))[0] != v]
            if stale:
                self._load(stale, wanted)
            return {
                m: self._matrices[m][1] for m, v in wanted.items() if self._matrices.get(m, ("",))[0] == v
            }

    def _load(self, models: list[str], versions: dict[str, str]) -> None:
        from components.common.vector_index import PromptIndex

        with PromptIndex(self.policy.vector_uri, embedder=self.embedder()) as index:
            for model in models:
                key = f"{model}/{versions[model]}"
                _, vectors = index.vectors(key)
                if len(vectors) == 0:
                    self._missing[model] = f"no training prompts indexed under {key}"
                    log.warning("semantic routing leaves out %s: %s", model, self._missing[model])
                    self._matrices.pop(model, None)
                    continue
                self._missing.pop(model, None)
                self._matrices[model] = (versions[model], vectors)
                log.info("routing: %d training prompts of %s", len(vectors), key)

    def warm(self) -> None:
        """Load the embedder and the served versions' vectors now rather than on the first routed request.
        /ready calls this on every probe: after the first, it only re-reads vectors of a version that changed."""
        if self.policy.semantic.enabled:
            if self._embedder is None:
                self.embedder().embed_query("warm up")  # loads and traces the model, once
            self.matrices()

    def route(self, messages: list[dict[str, str]], meta: dict[str, str]) -> RouteDecision:
        scores = None
        if match_rule(self.policy.rules, meta) is None and self.policy.semantic.enabled:
            text = conversation_text(messages, self.policy.semantic.user_turns)
            matrices = self.matrices()
            if text and matrices:
                query = self.embedder().embed_query(text)
                scores = model_scores(query, matrices, self.policy.semantic.top_k)
        return decide_route(self.policy, meta, scores)

    def status(self) -> dict[str, Any]:
        """What /ready shows: per model, the version whose prompts route to it, or why it is left out."""
        return {
            "router_model": self.policy.router_model,
            "fallback": self.policy.fallback_model,
            "semantic": {
                m: ({"version": self._matrices[m][0], "prompts": len(self._matrices[m][1])}
                    if m in self._matrices else {"left_out": self._missing.get(m, "not loaded yet")})
                for m in self.policy.models
            },
        }  # fmt: skip

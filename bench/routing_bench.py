"""Context routing: accuracy by similarity alone on held-out questions, and the latency the router adds.

    python bench/routing_bench.py            # ~1 min: embeds both products' training prompts into a temp index

Both products' training prompts (user turns of data/raw/sft.jsonl and data/products/parcelpoint/sft.jsonl) are
indexed in a Milvus Lite folder in a temp dir under the keys the router reads (`<model>/<version>`), then the
router of configs/serving.yaml (serving/context_router.py) routes, with no metadata so no rule can match:
- every held-out golden question of both products that does not name a product (the system prompt, which
  names it, is left out too): accuracy = routed to its own product (target >= 0.95);
- off-topic questions (below): share that falls back instead of reaching a product model;
- the router's added latency at c=1: each distinct question once, nothing cached (embedding + scoring;
  target p50 <= 15 ms), measured with the torch thread count serving uses by default.
A threshold sweep shows what `semantic.threshold` trades: in-domain questions lost to the fallback vs
off-topic questions kept away from a product model.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _results import record  # noqa: E402

OFF_TOPIC = [
    "What is the capital of Mongolia?",
    "Can you recommend a good recipe for banana bread?",
    "How many moons does Jupiter have?",
    "Write a haiku about autumn leaves.",
    "What's the difference between a virus and a bacterium?",
    "Who won the football world cup in 2010?",
    "How do I change a flat tyre on a bicycle?",
    "Explain the rules of chess castling.",
    "What is the boiling point of water at high altitude?",
    "Translate 'good morning' into Japanese.",
    "How long should I boil an egg for a soft yolk?",
    "What are the symptoms of dehydration?",
    "Suggest a name for my new puppy.",
    "How does compound interest work?",
    "What's a good stretching routine after running?",
    "Who painted the Mona Lisa?",
    "How do I tune a guitar by ear?",
    "What is photosynthesis?",
    "Which planets have rings?",
    "How do I get red wine out of a carpet?",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default=str(ROOT / "configs/serving.yaml"))
    args = parser.parse_args(argv)
    import os

    os.chdir(ROOT)
    from components.common.embeddings import Embedder
    from components.common.jsonl import read_records
    from components.common.vector_index import PromptIndex
    from pipelines.routing_show import GOLDEN, heldout_cases, routing_accuracy
    from serving.context_router import ContextRouter, RoutingPolicy, decide_route, model_scores

    train = {
        "tuneline-assistant": ROOT / "data/raw/sft.jsonl",
        "parcelpoint-assistant": ROOT / "data/products/parcelpoint/sft.jsonl",
    }
    policy = RoutingPolicy.load(args.policy).model_copy(update={"rules": []})
    with tempfile.TemporaryDirectory() as tmp:
        policy = policy.model_copy(update={"vector_uri": f"{tmp}/prompts.db"})
        embedder = Embedder.load()
        started = time.perf_counter()
        with PromptIndex(policy.vector_uri, embedder=embedder) as index:
            for model, path in train.items():
                turns = [
                    m["content"] for _, r in read_records(path) for m in r["messages"] if m["role"] == "user"
                ]
                synced = index.sync(f"{model}/bench", turns)
                print(f"{model}: {synced.rows} training prompts indexed ({synced.embedded} embedded)")
        build_s = time.perf_counter() - started
        router = ContextRouter(policy, lambda _model: "bench")
        router._embedder = embedder
        router.matrices()  # load the vectors once, as serving does when a version is loaded
        cases, named = heldout_cases(GOLDEN)
        router.thread.submit(router.warm).result()  # loads and traces the embedder, as serving's /ready does
        measured = routing_accuracy(router, cases)
        off = [{"model": None, "messages": [{"role": "user", "content": q}]} for q in OFF_TOPIC]
        off_decisions = [router.route(c["messages"], {}) for c in off]
        fallback_share = sum(d.by == "fallback" for d in off_decisions) / len(off)
        # the sweep re-decides from the scores (no second embedding)
        matrices = router.matrices()
        in_scores = [model_scores(embedder.embed([c["messages"][-1]["content"]])[0], matrices, policy.semantic.top_k)
                     for c in cases]  # fmt: skip
        off_scores = [
            model_scores(embedder.embed([q])[0], matrices, policy.semantic.top_k) for q in OFF_TOPIC
        ]
    table = [
        "| threshold | held-out routed to their product | off-topic sent to the fallback |",
        "|---|---|---|",
    ]
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
        p = policy.model_copy(
            update={"semantic": policy.semantic.model_copy(update={"threshold": threshold})}
        )
        right = sum(decide_route(p, {}, s).model == c["model"] and decide_route(p, {}, s).by == "similarity"
                    for s, c in zip(in_scores, cases, strict=True))  # fmt: skip
        fell = sum(decide_route(p, {}, s).by == "fallback" for s in off_scores)
        mark = " (configs/serving.yaml)" if threshold == policy.semantic.threshold else ""
        table.append(f"| {threshold}{mark} | {right / len(cases):.3f} | {fell / len(off_scores):.2f} |")
    best_off = statistics.median(max(s.values()) for s in off_scores)
    print(f"held-out questions: {measured['cases']} ({named} naming a product left out)")
    print(
        f"routing accuracy by similarity alone: {measured['accuracy']:.3f}; confusion {measured['confusion']}"
    )
    print(
        f"router latency at c=1: p50 {measured['latency_ms_p50']:.1f} ms, p95 {measured['latency_ms_p95']:.1f} ms"
    )
    print(f"off-topic: {fallback_share:.2f} fall back (median best score {best_off:.3f})")
    print(f"index build (both products, cold): {build_s:.1f} s")
    print("\n".join(table))
    rows = [
        {"figure": "routing accuracy by similarity alone, held-out questions of two products "
                   f"({measured['cases']}, none naming a product)", "ours": round(measured["accuracy"], 4),
         "ratio": measured["accuracy"], "target": ">= 0.95", "unit": "share"},
        {"figure": "router latency added at c=1, distinct questions (MiniLM embedding + scoring), p50",
         "ours": round(measured["latency_ms_p50"], 2), "ratio": measured["latency_ms_p50"], "target": "<= 15",
         "unit": "ms"},
        {"figure": "router latency added at c=1, p95", "ours": round(measured["latency_ms_p95"], 2), "unit": "ms"},
        {"figure": f"off-topic questions sent to the fallback ({len(OFF_TOPIC)})", "ours": fallback_share,
         "unit": "share"},
    ]  # fmt: skip
    record("routing_bench", rows, table=table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

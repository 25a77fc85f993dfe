"""Serve both products' assistants behind the context router and measure it (the end of `make demo-routing`).

    summary = serve_and_route({})      # after both models have a champion whose training prompts are indexed

1. Starts `tuneline serve --routing-policy configs/serving.yaml` in process (uvicorn on 127.0.0.1, a free port).
2. Routing accuracy by similarity alone: every held-out golden question of both products that does not name a
   product, routed with no metadata (so no rule can match), against the product it belongs to.
3. The router's latency at c=1: each of those distinct questions once (nothing is cached), p50/p95; and end to
   end over HTTP, `model: auto` against naming the model it routes to (max_tokens=1), the difference of p50s.
4. A few real answers through the OpenAI API with `model: "auto"`: the question, the model and version that
   answered and why, the answer and the golden reference side by side; one request routed by a rule.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from components.common.jsonl import read_records

POLICY = Path("configs/serving.yaml")
GOLDEN = {  # registered model -> its product's held-out golden set
    "tuneline-assistant": Path("data/raw/golden.jsonl"),
    "parcelpoint-assistant": Path("data/products/parcelpoint/golden.jsonl"),
}
PRODUCT_NAMES = re.compile(r"\bquill(?:note)?\b|\bparcelpoint\b", re.IGNORECASE)


def heldout_cases(golden: dict[str, Path] = GOLDEN) -> tuple[list[dict[str, Any]], int]:
    """(cases, left out): golden questions as {model, messages, reference}, without the system prompt (it names
    the product) and without questions that name a product themselves."""
    cases, named = [], 0
    for model, path in golden.items():
        for _, row in read_records(path):
            users = [m for m in row["prompt"] if m["role"] == "user"]
            if any(PRODUCT_NAMES.search(m["content"]) for m in users):
                named += 1
                continue
            cases.append({"model": model, "messages": users, "reference": row.get("reference", "")})
    return cases, named


def routing_accuracy(router, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Route each case with no metadata, on the router's own thread as serving does: accuracy, per-product
    confusion, and the time per request (submitting to that thread included)."""
    times, missed, confusion = [], [], {}
    for case in cases:
        started = time.perf_counter()
        decision = router.thread.submit(
            router.route, case["messages"], {}
        ).result()  # serving's router thread
        times.append((time.perf_counter() - started) * 1000)
        if decision.model != case["model"]:
            missed.append(case)
        row = confusion.setdefault(case["model"], {})
        row[decision.model] = row.get(decision.model, 0) + 1
    times.sort()
    return {
        "cases": len(cases),
        "accuracy": 1 - len(missed) / len(cases) if cases else None,
        "missed": missed,
        "confusion": confusion,
        "latency_ms_p50": statistics.median(times) if times else None,
        "latency_ms_p95": times[int(0.95 * (len(times) - 1))] if times else None,
    }


@contextmanager
def serving(policy: Path = POLICY, out: str = "artifacts/routing"):
    """`tuneline serve --routing-policy <policy>` in this process; yields (base URL, app) once ready."""
    import socket
    import urllib.request

    import uvicorn

    from serving.app import create_app
    from serving.settings import ServingSettings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    Path(out).mkdir(parents=True, exist_ok=True)
    settings = ServingSettings(
        routing_policy=str(policy), port=port, request_log_url=f"sqlite:///{out}/requests.db"
    )
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/ready", timeout=5) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        time.sleep(1)
    else:
        server.should_exit = True
        raise RuntimeError(f"the routing server did not become ready in 600 s; see {base}/ready")
    try:
        yield base, app
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def added_latency(base: str, cases: list[dict[str, Any]], n: int = 40) -> dict[str, float]:
    """What routing adds to a request end to end at c=1: distinct questions, each asked as `model: auto` and
    naming the model it is routed to (max_tokens=1, so the answer costs the same), in alternating order."""
    import openai

    client = openai.OpenAI(base_url=f"{base}/v1", api_key="none", max_retries=0)
    times: dict[str, list[float]] = {"auto": [], "named": []}
    for i, case in enumerate(cases[:n]):
        runs = [("auto", "auto"), ("named", case["model"])]
        for label, model in runs if i % 2 else reversed(runs):
            started = time.perf_counter()
            client.chat.completions.create(model=model, messages=case["messages"], max_tokens=1)
            times[label].append((time.perf_counter() - started) * 1000)
    auto, named = statistics.median(times["auto"]), statistics.median(times["named"])
    return {"auto_ms_p50": auto, "named_ms_p50": named, "added_ms_p50": auto - named}


def show_answers(
    base: str, cases: list[dict[str, Any]], missed: list[dict[str, Any]], per_model: int = 2
) -> list[dict[str, Any]]:
    """A few questions per product through the OpenAI client with model=auto, and one routed by a rule: a
    question similarity sends to the other product (both have billing), sent with its product's metadata."""
    import openai

    client = openai.OpenAI(base_url=f"{base}/v1", api_key="none")
    picked = [c for m in GOLDEN for c in [c for c in cases if c["model"] == m][:per_model]]
    ruled = (missed or picked)[0]
    product = "parcelpoint" if ruled["model"] == "parcelpoint-assistant" else "quillnote"
    rule_case = dict(ruled, metadata={"product": product})  # configs/serving.yaml's rules on `product`
    shown = []
    for case in [*picked, rule_case]:
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=case["messages"], max_tokens=96, metadata=case.get("metadata")
        )
        reply = raw.parse()
        shown.append(
            {
                "question": case["messages"][-1]["content"],
                "metadata": case.get("metadata"),
                "model": raw.headers["x-tuneline-model"],
                "version": raw.headers["x-tuneline-model-version"],
                "routed_by": raw.headers["x-tuneline-routed-by"],
                "answer": reply.choices[0].message.content,
                "reference": case["reference"],
            }
        )
    return shown


def serve_and_route(summary: dict[str, Any]) -> dict[str, Any]:
    """Serve both champions behind the router; routing accuracy, latency, example answers (into `summary`)."""
    cases, named = heldout_cases()
    with serving(out=summary.get("out", "artifacts/routing")) as (base, app):
        router = app.state.router
        measured = routing_accuracy(router, cases)
        missed = measured["missed"]
        end_to_end = added_latency(base, [c for c in cases if c not in missed])
        examples = show_answers(base, cases, missed)
        status = router.status()
    summary.update(
        routing_accuracy=measured["accuracy"],
        routing_cases=measured["cases"],
        routing_left_out_naming_a_product=named,
        routing_confusion=measured["confusion"],
        routing_latency_ms_p50=measured["latency_ms_p50"],
        routing_latency_ms_p95=measured["latency_ms_p95"],
        routing_added_ms_p50_http=end_to_end["added_ms_p50"],
        routing_http_ms_p50=end_to_end,
        routing_examples=examples,
        router=status,
        index_rows=sum(s.get("prompts", 0) for s in status["semantic"].values()),
    )
    return summary


def print_routing(summary: dict[str, Any]) -> None:
    print("== context routing (configs/serving.yaml) ==")
    print(
        f"routing accuracy by similarity alone: {summary['routing_accuracy']:.3f} on {summary['routing_cases']} "
        f"held-out questions ({summary['routing_left_out_naming_a_product']} naming a product left out); "
        f"router latency p50 {summary['routing_latency_ms_p50']:.1f} ms, p95 {summary['routing_latency_ms_p95']:.1f} ms"
    )
    http = summary["routing_http_ms_p50"]
    print(
        f"end to end at c=1 (max_tokens=1, 40 distinct questions): model=auto p50 {http['auto_ms_p50']:.1f} ms, "
        f"the same model named {http['named_ms_p50']:.1f} ms: routing adds {http['added_ms_p50']:.1f} ms"
    )
    for model, row in summary["routing_confusion"].items():
        print(f"  {model}: routed to {row}")
    for ex in summary["routing_examples"]:
        meta = f" metadata={ex['metadata']}" if ex["metadata"] else ""
        print(f"\nQ{meta}: {ex['question']}")
        print(f"  -> {ex['model']} v{ex['version']} ({ex['routed_by']})")
        print(f"  answer:    {ex['answer']}")
        print(f"  reference: {ex['reference']}")

"""What is served is what was evaluated: the golden batch through the HTTP API answers byte for byte as the
evaluation report says, merged (routing off) and unmerged with champion and challenger rows in one batch;
and so does the registered version through MLflow (pyfunc `predict` with the report's settings as params,
and `mlflow models serve`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from components.common.config import load_config
from components.common.datasets import read_golden
from components.register import registry
from components.register.config import RegisterConfig
from components.register.core import run as register
from tests.integration.serving_helpers import (
    KEY,
    client,
    evaluated_report,
    free_port,
    http,
    registry_env,
    running_server,
    sample_value,
    wait_for,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with registry_env(tmp_path_factory.mktemp("parity-store")) as root:
        yield root


def register_evaluated(store: Path, adapter: Path, report: dict, label: str, name: str = "parity") -> str:
    """Register with the report (its round trip must pass); the version gets the challenger alias."""
    report_file = store / f"report-{label}.json"
    report_file.write_text(json.dumps(report))
    cfg = load_config(
        RegisterConfig, adapter_dir=str(adapter), eval_report=str(report_file),
        registered_model_name=name, out_dir=str(store / f"register-{label}"),
    )  # fmt: skip
    return register(cfg)["version"]


def golden_batch(report: dict) -> list[dict]:
    """The evaluation's first batch (the round trip's): prompts, expected answers and token counts."""
    size = report["generation"]["batch_size"]
    examples = read_golden(report["golden_set"]["file"])[:size]
    rows = {row["id"]: row for row in report["examples"]}
    return [
        {
            "messages": e.prompt,
            "answer": rows[e.id]["candidate_answer"],
            "prompt_tokens": rows[e.id]["candidate"]["prompt_tokens"],
            "completion_tokens": rows[e.id]["candidate"]["completion_tokens"],
        }
        for e in examples
    ]


def ask_together(
    base: str, rows: list[dict], max_tokens: int, stream: bool, users: list[str | None], model: str = "parity"
):
    """Send every row at once (one batch on the server); returns (text, usage, route) per row."""
    barrier, out = threading.Barrier(len(rows)), [None] * len(rows)

    def ask(i: int) -> None:
        api, extra = client(base), ({"user": users[i]} if users[i] else {})
        barrier.wait(timeout=30)
        kwargs = dict(model=model, messages=rows[i]["messages"], max_tokens=max_tokens, **extra)
        if not stream:
            raw = api.chat.completions.with_raw_response.create(**kwargs)
            reply = raw.parse()
            out[i] = (reply.choices[0].message.content, reply.usage, raw.headers["x-tuneline-route"])
            return
        raw = api.chat.completions.with_raw_response.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        chunks = list(raw.parse())
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        out[i] = (text, chunks[-1].usage, raw.headers["x-tuneline-route"])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(rows))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return out


def assert_as_evaluated(rows: list[dict], answers: list) -> None:
    for row, (text, usage, _) in zip(rows, answers, strict=True):
        assert text == row["answer"]  # byte for byte: not stripped, not re-rendered
        assert (usage.prompt_tokens, usage.completion_tokens) == (
            row["prompt_tokens"],
            row["completion_tokens"],
        )


@pytest.fixture(scope="module")
def merged_version(store, tiny_adapter_dir, tiny_model_dir) -> tuple[dict, str]:
    """(report, version): the tiny adapter evaluated merged against the base, then registered with it."""
    report = evaluated_report(store / "merged", tiny_adapter_dir, tiny_model_dir)
    return report, register_evaluated(store, tiny_adapter_dir, report, "merged")


def test_the_golden_batch_over_http_is_the_evaluated_answers(store, merged_version):
    report, version = merged_version
    rows, size = golden_batch(report), report["generation"]["batch_size"]
    settings = {"serve_alias": "challenger", "max_batch_size": size, "batch_window_ms": 3000}
    with running_server(registered_model_name="parity", api_keys=[KEY], **settings) as (base, _, app):
        assert app.state.manager.current.version == version
        max_tokens = report["generation"]["max_new_tokens"]
        for stream in (False, True):
            assert_as_evaluated(rows, ask_together(base, rows, max_tokens, stream, [None] * size))


def test_continuous_batching_serves_the_golden_batch_as_evaluated_in_that_mode(
    store, tiny_adapter_dir, tiny_model_dir
):
    """TUNELINE_CONTINUOUS_BATCHING=true with a version evaluated with continuous_batching: true; the batch
    asked together enters the running batch at one step, as evaluation's did; also streamed."""
    report = evaluated_report(store / "continuous", tiny_adapter_dir, tiny_model_dir, continuous=True)
    assert report["generation"]["continuous_batching"] is True
    version = register_evaluated(store, tiny_adapter_dir, report, "continuous", name="parity-cb")
    rows, size = golden_batch(report), report["generation"]["batch_size"]
    settings = {"serve_alias": "challenger", "max_batch_size": size, "batch_window_ms": 3000}
    with running_server(
        registered_model_name="parity-cb", api_keys=[KEY], continuous_batching=True, **settings
    ) as (base, _, app):
        assert app.state.manager.current.version == version and app.state.batcher.continuous() is not None
        max_tokens = report["generation"]["max_new_tokens"]
        for stream in (False, True):
            assert_as_evaluated(
                rows, ask_together(base, rows, max_tokens, stream, [None] * size, "parity-cb")
            )


def test_canary_batches_mix_both_adapters_and_each_row_is_its_unmerged_evaluation(
    store, tiny_model_dir, make_tiny_adapter
):
    from serving.routing import sticky_draw

    adapters = [make_tiny_adapter(tiny_model_dir, store / f"canary-{i}", seed=20 + i) for i in (0, 1)]
    reports = [
        evaluated_report(store / f"c{i}", a, tiny_model_dir, merge=False) for i, a in enumerate(adapters)
    ]
    champion = register_evaluated(store, adapters[0], reports[0], "c0")
    registry.move_alias(
        "parity", "champion", champion, registry.alias_version("parity", "champion"), "promote", "t"
    )
    register_evaluated(store, adapters[1], reports[1], "c1")  # the challenger
    expected = [golden_batch(r) for r in reports]
    size = len(expected[0])
    canary_user = next(f"u{i}" for i in range(100) if sticky_draw(f"u{i}") < 0.5)
    champion_user = next(f"u{i}" for i in range(100) if sticky_draw(f"u{i}") >= 0.5)
    users = [canary_user if i % 2 else champion_user for i in range(size)]  # alternate rows per version
    rows = [expected[i % 2][i] for i in range(size)]
    settings = {"routing": "canary", "canary_fraction": 0.5, "max_batch_size": size, "batch_window_ms": 3000}
    with running_server(registered_model_name="parity", api_keys=[KEY], **settings) as (base, _, app):
        manager = app.state.manager
        assert manager.current.chat.model is manager.challenger.chat.model  # one base, two adapters
        max_tokens = reports[0]["generation"]["max_new_tokens"]
        for stream in (False, True):
            answers = ask_together(base, rows, max_tokens, stream, users)
            assert [route for *_, route in answers] == [
                "canary" if i % 2 else "champion" for i in range(size)
            ]
            assert_as_evaluated(rows, answers)
        metrics = http("GET", f"{base}/metrics").text
        assert sample_value(metrics, 'tuneline_batch_size_bucket{le="3.0"}') == 0  # each batch held all rows


def pinged(port: int) -> bool:
    try:
        return http("GET", f"http://127.0.0.1:{port}/ping").status_code == 200
    except OSError:  # not listening yet
        return False


def report_params(report: dict) -> dict:
    """The report's generation settings as pyfunc params (batching and merging are not params)."""
    return {
        k: v
        for k, v in report["generation"].items()
        if k not in ("batch_size", "merge_adapter", "continuous_batching")
    }


def test_mlflow_pyfunc_and_models_serve_answer_as_evaluated(store, merged_version):
    import mlflow

    report, version = merged_version
    rows, uri = golden_batch(report), f"models:/parity/{version}"
    inputs = [{"messages": row["messages"]} for row in rows]
    model = mlflow.pyfunc.load_model(uri)
    params = model.metadata.get_params_schema()
    names = {spec.name for spec in params.params}
    assert {"max_new_tokens", "temperature", "top_p", "do_sample", "stop", "seed"} <= names
    assert model.predict(inputs, params=report_params(report)) == [row["answer"] for row in rows]
    short = model.predict(inputs, params={"max_new_tokens": 2})
    assert all(len(model._model_impl.python_model.chat.tokenizer(a)["input_ids"]) <= 2 for a in short)
    assert short != [row["answer"] for row in rows]

    port = free_port()
    venv_bin = str(Path(sys.executable).parent)  # mlflow runs `uvicorn` from PATH
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": os.environ["TUNELINE_TRACKING_URI"],
        "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
    }
    cmd = [sys.executable, "-m", "mlflow", "models", "serve", "-m", uri, "--env-manager", "local"]
    server = subprocess.Popen(
        [*cmd, "-h", "127.0.0.1", "-p", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for(lambda: server.poll() is not None or pinged(port), timeout=120)
        assert server.poll() is None, server.stderr.read().decode()[-2000:]
        body = json.dumps({"inputs": inputs, "params": report_params(report)}).encode()
        reply = http(
            "POST", f"http://127.0.0.1:{port}/invocations", body, {"content-type": "application/json"}
        )
        assert reply.json()["predictions"] == [row["answer"] for row in rows]  # = tuneline serve's answers
    finally:
        server.terminate()
        server.wait(timeout=30)

"""Registry against a real SQLite MLflow store: adapter-only versions, exact reload, gated promotion, rollback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import mlflow
import pytest

from components.common.chat_model import ChatModel
from components.common.config import load_config
from components.register import registry
from components.register.config import PromoteConfig, RegisterConfig
from components.register.core import run as register
from components.register.promote import PromotionError, promote, rollback
from tests.integration.serving_helpers import evaluated_report

pytestmark = pytest.mark.integration
PROMPTS = [
    [{"role": "user", "content": "How much is the Plus plan?"}],
    [{"role": "user", "content": "What does QN-409 mean?"}],
    [{"role": "user", "content": "Can I export my workspace to Markdown?"}],
]


def eval_report(delta: float, ci_low: float, guardrail: float = 0.0) -> dict:
    return {
        "primary": {"metric": "rouge_l", "delta": delta, "ci_low": ci_low, "ci_high": delta + 0.05},
        "candidate": {"metrics": {"rouge_l": 0.4 + delta, "guardrail_rate": guardrail}},
        "champion": {"metrics": {"rouge_l": 0.4, "guardrail_rate": 0.0}, "label": "base model"},
    }


@pytest.fixture()
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("TUNELINE_ARTIFACT_ROOT", str(tmp_path / "mlartifacts"))
    monkeypatch.setenv("TUNELINE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TUNELINE_ACTOR", "test-operator")
    return tmp_path


def register_adapter(tmp_path, adapter_dir, report: dict | None, name="assistant"):
    report_file = tmp_path / f"report-{len(list(tmp_path.glob('report-*')))}.json"
    if report is not None:
        report_file.write_text(json.dumps(report))
    cfg = load_config(
        RegisterConfig,
        adapter_dir=str(adapter_dir),
        eval_report=str(report_file) if report is not None else None,
        registered_model_name=name,
        out_dir=str(tmp_path / "register"),
    )
    return register(cfg)


def promote_cfg(tmp_path, **policy) -> PromoteConfig:
    return load_config(
        PromoteConfig, registered_model_name="assistant", out_dir=str(tmp_path / "p"), policy=policy
    )


def test_round_trip_in_fresh_process_is_exact(store, tiny_adapter_dir):
    expected = [c.text for c in ChatModel.load(tiny_adapter_dir, merge=True).generate(PROMPTS)]
    result = register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    script = (
        "import json, sys, mlflow\n"
        "m = mlflow.pyfunc.load_model(sys.argv[1])\n"
        "print(json.dumps(m.predict([{'messages': p} for p in json.loads(sys.argv[2])])))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, f"models:/{result['name']}@challenger", json.dumps(PROMPTS)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{store}/mlflow.db"},
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == expected


def test_versions_are_adapter_only_and_base_is_stored_once(store, tiny_adapter_dir):
    first = register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    second = register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    assert first["base_version"] == second["base_version"] == "models:/tuneline-base/1"
    assert (first["version"], second["version"]) == ("1", "2")
    client = registry.client()
    assert len(client.search_model_versions("name = 'tuneline-base'")) == 1
    for version in ("1", "2"):
        local = mlflow.artifacts.download_artifacts(
            f"models:/assistant/{version}", dst_path=str(store / f"dl{version}")
        )
        size = registry.version_size_bytes(Path(local))
        assert size < first["base_bytes"] / 2  # the adapter (and its tokenizer), never the base weights
        assert not list(Path(local).rglob("*.pkl"))
    mv = client.get_model_version("assistant", "2")
    for tag in (
        "git.commit",
        "config.hash",
        "base_model.sha256",
        "base_model.version",
        "training.method",
        "eval.delta",
        "eval.ci_low",
        "eval.ci_high",
    ):
        assert tag in mv.tags, tag
    assert "eval.rouge_l" not in mv.tags  # numbers are metrics, tags are what filtering needs
    logged_model = mv.model_id or mv.source.removeprefix("models:/")  # a SQLite store leaves model_id unset
    metrics = {m.key: m.value for m in client.get_logged_model(logged_model).metrics}
    assert metrics["rouge_l"] == pytest.approx(0.5) and metrics["champion.rouge_l"] == pytest.approx(0.4)
    assert metrics["primary.delta"] == pytest.approx(0.1) and metrics["primary.ci_low"] == pytest.approx(0.05)
    card = mv.description
    assert "**rouge_l** +0.100 against base model (95% interval [+0.050, +0.150]" in card
    assert "## Lineage" in card and "Intended use" in card and len(card.splitlines()) < 40
    assert str(client.get_model_version_by_alias("assistant", "challenger").version) == "2"


def test_gate_promotes_rejects_and_rolls_back(store, tiny_adapter_dir):
    register_adapter(store, tiny_adapter_dir, eval_report(0.10, 0.05))
    assert promote(promote_cfg(store))["status"] == "promote"
    register_adapter(store, tiny_adapter_dir, eval_report(0.01, -0.02))
    rejected = promote(promote_cfg(store))
    assert rejected["status"] == "reject" and "lower bound" in rejected["reasons"][0]
    assert registry.alias_version("assistant", "champion") == "1"
    with pytest.raises(PromotionError, match="reason"):
        promote(promote_cfg(store), force=True)
    forced = promote(promote_cfg(store), force=True, reason="hotfix approved by support lead")
    assert forced["status"] == "forced" and registry.alias_version("assistant", "champion") == "2"
    tags = registry.client().get_model_version("assistant", "2").tags
    assert tags["champion.moved_by"] == "test-operator" and tags["champion.previous"] == "1"
    back = rollback(promote_cfg(store), reason="answers regressed")
    assert back["version"] == "1" and registry.alias_version("assistant", "champion") == "1"
    actions = [row["action"] for row in registry.audit_history("assistant") if row["alias"] == "champion"]
    assert actions == ["promote", "force", "rollback"]


def test_approval_flow(store, tiny_adapter_dir):
    register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    waiting = promote(promote_cfg(store, require_approval=True))
    assert (
        waiting["status"] == "awaiting_approval" and registry.alias_version("assistant", "champion") is None
    )
    approved = promote(promote_cfg(store, require_approval=True), "1", approve=True, reason="read the table")
    assert approved["status"] == "approved" and registry.alias_version("assistant", "champion") == "1"


def test_racing_promotions_leave_one_winner(store, tiny_adapter_dir):
    register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    results, errors = {}, {}

    def attempt(version: str) -> None:
        try:
            results[version] = registry.move_alias("assistant", "champion", version, None, "promote", "race")
        except registry.AliasRaceError as exc:
            errors[version] = exc

    threads = [threading.Thread(target=attempt, args=(v,)) for v in ("1", "2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1 and len(errors) == 1
    assert registry.alias_version("assistant", "champion") == next(iter(results))


def test_failed_upload_leaves_registry_and_aliases_unchanged(store, tiny_adapter_dir, monkeypatch):
    register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    promote(promote_cfg(store))

    def broken_upload(*args, **kwargs):
        raise OSError("artifact store unreachable")

    monkeypatch.setattr(registry, "move_alias", broken_upload)
    with pytest.raises(OSError):
        register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    versions = registry.client().search_model_versions("name = 'assistant'")
    assert [str(v.version) for v in versions] == ["1"]
    assert registry.alias_version("assistant", "champion") == "1"
    assert registry.alias_version("assistant", "challenger") == "1"


def test_registered_version_loads_base_from_registry_when_local_source_is_gone(
    store, tiny_model_dir, tmp_path, make_tiny_adapter
):
    base_copy = shutil.copytree(tiny_model_dir, tmp_path / "base-elsewhere")
    adapter = make_tiny_adapter(base_copy, tmp_path / "adapter")
    expected = [c.text for c in ChatModel.load(adapter, merge=True).generate(PROMPTS[:1])]
    register_adapter(store, adapter, None)
    shutil.rmtree(base_copy)  # like another machine: the base is only in the registry now
    model = mlflow.pyfunc.load_model("models:/assistant@challenger")
    assert model.predict([{"messages": PROMPTS[0]}]) == expected


def test_missing_alias_is_none_but_an_unreachable_store_is_an_error(store, monkeypatch):
    from components.common.registry_io import RegistryError, alias_uri

    assert alias_uri("assistant", "champion") is None  # empty store: no model yet
    monkeypatch.setenv("TUNELINE_TRACKING_URI", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    with pytest.raises(RegistryError):
        alias_uri("assistant", "champion")


def test_registration_reloads_the_version_and_reproduces_the_evaluated_answers(
    store, tiny_adapter_dir, tiny_model_dir
):
    report = evaluated_report(store, tiny_adapter_dir, tiny_model_dir)
    result = register_adapter(store, tiny_adapter_dir, report)
    assert result["roundtrip"]["checked"] == report["generation"]["batch_size"] == 4
    assert result["roundtrip"]["identical"] == 4
    version = registry.client().get_model_version("assistant", result["version"])
    assert version.tags["roundtrip.identical"] == "4/4"


def test_a_version_that_does_not_reproduce_its_evaluation_is_deleted_and_no_alias_moves(
    store, tiny_adapter_dir, tiny_model_dir
):
    from components.register.roundtrip import RoundTripError

    first = register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))  # challenger -> 1
    report = evaluated_report(store, tiny_adapter_dir, tiny_model_dir)
    report["examples"][2]["candidate_answer"] += " (edited)"  # the report no longer matches the adapter
    with pytest.raises(RoundTripError, match="1 of 4 golden prompts"):
        register_adapter(store, tiny_adapter_dir, report)
    versions = registry.client().search_model_versions("name='assistant'")
    assert [str(v.version) for v in versions] == [first["version"]]
    assert registry.alias_version("assistant", "challenger") == first["version"]


def test_registry_verify_and_gc_from_the_command_line(store, tiny_adapter_dir, capsys):
    from components.common.registry_io import REGISTERING_TAG, STATE_TAG
    from components.register.cli import registry_main

    register_adapter(store, tiny_adapter_dir, None)
    assert registry_main(["verify", "registered_model_name=assistant"]) == 0
    assert json.loads(capsys.readouterr().out) == {"verified": ["1"]}

    # a registration on this host whose process is gone (no process has that start time) left version 2
    dead = f"{socket.gethostname()}:{os.getpid()}:0"
    tags = {STATE_TAG: "incomplete", REGISTERING_TAG: dead}
    registry.client().create_model_version("assistant", source="file:///nowhere", tags=tags)
    assert registry_main(["gc", "registered_model_name=assistant"]) == 0
    assert json.loads(capsys.readouterr().out) == {"deleted": ["2"]}
    assert [str(v.version) for v in registry.client().search_model_versions("name = 'assistant'")] == ["1"]

    logged = registry.client().get_model_version("assistant", "1").source.removeprefix("models:/")
    stored = Path(mlflow.get_logged_model(logged).artifact_location.removeprefix("file://"))
    record = next(stored.rglob("tuneline_adapter.json"))
    record.write_text(record.read_text().replace('"sft"', '"dpo"'))  # a rewritten record, same length
    assert registry_main(["verify", "--version", "1", "registered_model_name=assistant"]) == 2
    assert "adapter/tuneline_adapter.json has sha256" in capsys.readouterr().err


def test_models_lists_aliases_time_primary_interval_and_decision(store, tiny_adapter_dir, capsys):
    from components.register.cli import models_main

    register_adapter(store, tiny_adapter_dir, eval_report(0.1, 0.05))
    promote(promote_cfg(store))  # v1 passes the gate: champion (and still challenger)
    register_adapter(store, tiny_adapter_dir, eval_report(-0.02, -0.07))  # v2: challenger, not judged
    capsys.readouterr()
    assert models_main(["registered_model_name=assistant", f"out_dir={store / 'p'}"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and not lines[-1].startswith("{")  # a header and two versions, nothing after
    v2, v1 = (line.split() for line in lines[1:])
    assert v2[:2] == ["2", "challenger"] and v1[:2] == ["1", "champion"]
    assert lines[2].split()[2].count("-") == 2 and ":" in lines[2].split()[3]  # 2026-11-30 14:05
    assert "rouge_l +0.100 [+0.050, +0.150] vs base model" in lines[2] and lines[2].endswith("promote")
    assert "rouge_l -0.020 [-0.070, +0.030]" in lines[1] and lines[1].endswith("not judged")
    assert models_main(["--json", "registered_model_name=assistant", f"out_dir={store / 'p'}"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["version"], r["aliases"], r["decision"]) for r in rows] == [
        ("2", ["challenger"], None),
        ("1", ["champion"], "promote"),
    ]
    assert rows[1]["primary"] == {
        "metric": "rouge_l", "champion": "base model", "delta": 0.1, "ci_low": 0.05, "ci_high": 0.15
    }  # fmt: skip

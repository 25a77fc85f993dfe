"""Fault drills on the tiny model: a registration SIGKILLed between its version and its alias (the version
stays `incomplete`, invisible, and the next registration deletes it), and serving through a registry outage.

    .venv/bin/python -m pytest tests/integration/test_fault_drills.py -q

Drills that live elsewhere: a SIGKILLed training run resuming (test_finetune_lora.py), a failure inside
registration deleting its version (test_register.py), a tracking-server outage during registration
(test_real_parts.py), a corrupt adapter in a new version refused by serving while the old one keeps
answering (test_serving.py::test_broken_version_does_not_replace_the_served_one), a byte flipped in the artifact
store refused by its sha256 (test_serving.py::test_a_tampered_artifact_is_refused_and_the_old_version_answers),
and 8 promoters racing for one alias, one SIGSTOPped inside the lock (test_alias_race.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from components.common.chat_model import ChatModel
from components.common.config import load_config
from components.common.registry_io import RegistryError
from components.register import registry
from components.register.config import PromoteConfig, RegisterConfig
from components.register.core import run as register
from components.register.promote import PromotionError, promote
from tests.integration.serving_helpers import ASK, KEY, http, running_server, sample_value

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
NAME = "assistant"
PASSING_REPORT = {
    "primary": {"metric": "rouge_l", "delta": 0.1, "ci_low": 0.05, "ci_high": 0.15},
    "candidate": {"metrics": {"rouge_l": 0.5, "guardrail_rate": 0.0}},
    "champion": {"metrics": {"rouge_l": 0.4, "guardrail_rate": 0.0}, "label": "base model"},
}


@pytest.fixture()
def store(tmp_path, monkeypatch) -> Path:
    """A SQLite registry in tmp_path, with a passing evaluation report beside it."""
    monkeypatch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("TUNELINE_ARTIFACT_ROOT", str(tmp_path / "mlartifacts"))
    monkeypatch.setenv("TUNELINE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TUNELINE_ACTOR", "drill-operator")
    (tmp_path / "report.json").write_text(json.dumps(PASSING_REPORT))
    return tmp_path


def register_cfg(store: Path, adapter_dir: Path) -> RegisterConfig:
    return load_config(
        RegisterConfig,
        adapter_dir=str(adapter_dir),
        eval_report=str(store / "report.json"),
        registered_model_name=NAME,
        out_dir=str(store / "register"),
    )


def aliases() -> dict[str, str]:
    return {a: str(v) for a, v in registry.client().get_registered_model(NAME).aliases.items()}


def test_sigkill_between_version_and_alias_moves_no_alias_and_a_retry_registers(store, tiny_adapter_dir):
    register(register_cfg(store, tiny_adapter_dir))
    promote(load_config(PromoteConfig, registered_model_name=NAME, out_dir=str(store / "promote")))
    audit_before = registry.audit_history(NAME)
    assert aliases() == {"champion": "1", "challenger": "1"}

    command = [
        *(sys.executable, "-m", "components.register", "--config", str(REPO / "configs/register.yaml")),
        *(f"adapter_dir={tiny_adapter_dir}", f"eval_report={store / 'report.json'}"),
        *(f"registered_model_name={NAME}", f"out_dir={store / 'killed'}"),
    ]
    env = {**os.environ, "TUNELINE_FAULT_POINT": "version_created"}
    killed = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert "fault drill: version_created reached" in killed.stderr
    killed_version = registry.client().get_model_version(NAME, "2")  # killed after creating version 2 ...
    assert killed_version.tags["tuneline.state"] == "incomplete"  # ... which says so
    assert aliases() == {"champion": "1", "challenger": "1"}  # ... and before any alias moved
    assert registry.audit_history(NAME) == audit_before
    assert not (store / "killed" / "registration.json").exists()
    with pytest.raises(PromotionError, match="never finished"):  # invisible to promotion ...
        promote(
            load_config(PromoteConfig, registered_model_name=NAME, out_dir=str(store / "p2")), version="2"
        )
    with pytest.raises(RegistryError, match="never finished"):  # ... and to loading (serving, evaluation)
        ChatModel.load(f"models:/{NAME}/2")

    retry = register(register_cfg(store, tiny_adapter_dir))
    assert retry["version"] == "3" and aliases() == {"champion": "1", "challenger": "3"}
    last = registry.audit_history(NAME)[-1]
    assert (last["alias"], last["version"], last["previous"]) == ("challenger", "3", "1")
    versions = registry.client().search_model_versions(f"name = '{NAME}'")
    assert sorted(str(v.version) for v in versions) == ["1", "3"]  # the next run removed the orphan
    assert {v.tags["tuneline.state"] for v in versions} == {"complete"}


def test_serving_keeps_answering_through_a_registry_outage(
    tmp_path, monkeypatch, tiny_adapter_dir, mlflow_server_factory
):
    tracking = mlflow_server_factory(f"sqlite:///{tmp_path}/mlflow.db", tmp_path / "artifacts")
    tracking.use(monkeypatch)
    monkeypatch.setenv("TUNELINE_CACHE", str(tmp_path / "cache"))
    cfg = load_config(
        RegisterConfig,
        adapter_dir=str(tiny_adapter_dir),
        eval_report=None,
        registered_model_name=NAME,
        out_dir=str(tmp_path / "register"),
    )
    registry.move_alias(NAME, "champion", register(cfg)["version"], None, "promote", "drill")
    expected = ChatModel.load(tiny_adapter_dir).generate([ASK])[0].text
    auth = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    ask = json.dumps({"model": NAME, "messages": ASK}).encode()

    with running_server(registered_model_name=NAME, api_keys=[KEY], poll_interval_s=0.5) as (base, *_):
        tracking.kill()  # the registry is gone: every poll of the watcher fails from now on
        for _ in range(3):
            answer = http("POST", f"{base}/v1/chat/completions", ask, auth)
            assert answer.status_code == 200 and answer.json()["registry_version"] == "1"
            assert answer.json()["choices"][0]["message"]["content"] == expected
        reload = http("POST", f"{base}/admin/reload", headers=auth)
        assert reload.status_code == 502 and reload.json()["error"]["code"] == "load_failed"
        assert "still serving version 1" in reload.text
        assert tracking.url in reload.text  # says which registry it could not reach
        ready = http("GET", f"{base}/ready")
        assert ready.status_code == 200 and ready.json()["version"] == "1"  # only the reload failed
        metrics = http("GET", f"{base}/metrics").text
        assert sample_value(metrics, "tuneline_registry_poll_errors_total") >= 1

        tracking.start()  # back on the same store and port: a reload finds nothing to change
        reload = http("POST", f"{base}/admin/reload", headers=auth)
        assert reload.status_code == 200
        assert reload.json() == {"status": "unchanged", "served_version": "1", "alias_version": "1"}

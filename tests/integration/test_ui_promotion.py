"""Promotion from the MLflow UI stays governed: a champion moved outside tuneline, against a real `mlflow server`
(SQLite store, basic-auth, webhooks on), is recorded in the audit, checked against its gate verdict, and followed,
refused or reverted by `ui_promotion`; at `promote` start, at serve start (the alias controller's first check),
and at once through the serving app's webhook receiver.

    .venv/bin/python -m pytest tests/integration/test_ui_promotion.py -q --durations=0

"In the UI" is `MlflowClient.set_registered_model_alias` as user `alice` (EDIT on the model): the REST call the
alias pencil makes. tuneline runs as the server's admin with TUNELINE_ACTOR=ci.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import mlflow
import pytest

from components.register import registry, ui_promotion
from components.register.cli import registry_main
from components.register.config import PromoteConfig
from components.register.promote import promote
from serving.controller import AliasController
from serving.settings import ServingSettings
from tests.integration.serving_helpers import http, running_server, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.services]
REPORT = {  # what `promote` judges v3 on: a clear gain, no guardrails
    "primary": {"metric": "rouge_l", "delta": 0.1, "ci_low": 0.02, "ci_high": 0.2},
    "candidate": {"metrics": {"rouge_l": 0.5, "latency_s_per_answer": 1.0}},
    "champion": {"metrics": {"rouge_l": 0.4, "latency_s_per_answer": 1.0}, "label": "champion"},
}
GATES = {"1": "promote", "2": "reject", "3": "promote"}  # v1 the governed champion, v2 failed, v3 passed
SERVER_ENV = {  # webhooks to 127.0.0.1 over http: MLflow allows them for local development only
    "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
    "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
    # the server's list of webhooks per event is cached (60 s by default); 0: read at every event. With 1 s,
    # the fixture's own alias moves cached "no webhooks" and hid a move made within that second (CI, 2026-12-01)
    "MLFLOW_WEBHOOK_CACHE_TTL": "0",
}


@pytest.fixture(scope="module")
def server(mlflow_server_factory, tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-promotion")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in SERVER_ENV.items():
            patch.setenv(key, value)
        server = mlflow_server_factory(f"sqlite:///{root}/mlflow.db", root / "artifacts", auth=True)
    server.alice = server.add_user("alice")
    server.reader = server.add_user("reader")  # default permission: READ
    return server


@pytest.fixture()
def model(server, monkeypatch, tmp_path, request) -> str:
    """A registered model with v1..v3 (gate verdicts GATES), v1 champion by a tuneline move, v3 challenger."""
    from mlflow.server.auth.client import AuthServiceClient

    server.use(monkeypatch)
    monkeypatch.setenv("TUNELINE_ACTOR", "ci")
    monkeypatch.setenv("TUNELINE_CACHE", str(tmp_path / "cache"))  # the alias lock's file (http store)
    name = f"ui-{request.node.name.removeprefix('test_')[:40]}"
    client = registry.client()
    client.create_registered_model(name)
    AuthServiceClient(server.url).grant_user_permission(server.alice[0], "registered_model", name, "EDIT")
    mlflow.set_experiment("ui-promotion-registrations")
    with mlflow.start_run() as run:
        mlflow.log_dict(REPORT, "eval_report.json")
    for version, gate in GATES.items():
        mv = client.create_model_version(name, f"{run.info.artifact_uri}/model", run.info.run_id)
        assert str(mv.version) == version
        client.set_model_version_tag(name, version, ui_promotion.GATE_TAG, gate)
    registry.move_alias(name, "champion", "1", None, "promote", "the governed champion")
    registry.move_alias(name, "challenger", "3", None, "challenger", "newly registered")
    return name


def ui_move(server, name: str, version: str) -> None:
    """What the MLflow UI's alias pencil does, as the logged-in user alice."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_USERNAME", server.alice[0])
        patch.setenv("MLFLOW_TRACKING_PASSWORD", server.alice[1])
        mlflow.MlflowClient(server.url).set_registered_model_alias(name, "champion", version)


def champion(name: str) -> str | None:
    return registry.alias_version(name, "champion")


def audit(name: str) -> list[dict[str, str]]:
    return [row for row in registry.audit_history(name) if row["alias"] == "champion"]


class Engine:
    """The controller's engine, without a model: what it was asked to load."""

    def __init__(self):
        self.loaded: dict[str, str] = {}

    def load_adapter(self, name, path, ref) -> None:
        self.loaded[name] = ref.version

    def unload_adapter(self, name) -> None:
        self.loaded.pop(name, None)

    def loaded_names(self) -> set[str]:
        return set(self.loaded)


def controller(name: str, monkeypatch) -> AliasController:
    ctl = AliasController(ServingSettings(registered_model_name=name), Engine())
    monkeypatch.setattr(ctl, "_fetch", lambda ref: Path("/versions") / ref.version)  # no artifacts to fetch
    return ctl


def assert_ui_record(row: dict[str, str], version: str, outcome: str, policy: str) -> None:
    assert (row["action"], row["version"], row["outcome"], row["policy"]) == ("ui", version, outcome, policy)
    assert row["actor"] == ui_promotion.UNKNOWN_ACTOR  # MLflow reports no user for alice's alias change
    assert row["detected_by"] == "ci" and row["gate"] == GATES[version]


def test_revert_at_serve_start_and_at_promote_start_under_the_alias_lock(
    server, model, monkeypatch, tmp_path
):
    ui_move(server, model, "2")  # v2's gate failed
    ctl = controller(model, monkeypatch)
    result = ctl.check()  # serve start: nothing loaded yet; the default policy (revert) moves champion back
    assert (result.status, result.served_version, ctl.engine.loaded) == ("swapped", "1", {model: "1"})
    assert champion(model) == "1"
    setup, ui, revert = audit(model)
    assert_ui_record(ui, "2", "reverted", "revert")
    assert (revert["action"], revert["version"], revert["previous"]) == ("revert", "1", "2")
    assert revert["actor"] == "ci"
    assert "'reject'" in revert["reason"] and int(ui["fence"]) == int(revert["fence"]) > int(setup["fence"])
    assert ctl.check().status == "unchanged" and len(audit(model)) == 3  # known now: nothing recorded twice

    ui_move(server, model, "2")
    with registry.alias_lock(model):  # a promotion in progress: the revert waits for the lock
        worker = threading.Thread(target=ui_promotion.reconcile, args=(model, "champion", "revert"))
        worker.start()
        time.sleep(1.0)
        assert worker.is_alive() and champion(model) == "2" and len(audit(model)) == 3
    worker.join(timeout=60)
    assert champion(model) == "1" and [r["action"] for r in audit(model)[3:]] == ["ui", "revert"]

    ui_move(server, model, "2")  # nothing listening now: the next `tuneline promote` reconciles first
    cfg = PromoteConfig(
        registered_model_name=model, out_dir=str(tmp_path / "p"), policy={"primary_metric": "rouge_l"}
    )
    decision = promote(cfg)
    assert decision["ui_promotion"]["outcome"] == "reverted" and decision["ui_promotion"]["current"] == "2"
    assert (decision["status"], decision["previous_champion"], champion(model)) == ("promote", "1", "3")
    assert [r["action"] for r in audit(model)[5:]] == ["ui", "revert", "promote"]
    assert registry.client().get_model_version(model, "3").tags["champion.previous"] == "1"  # rollback -> v1
    assert registry.client().get_registered_model(model).tags[ui_promotion.POLICY_TAG] == "revert"


def test_audit_records_once_and_serving_keeps_the_governed_version(server, model, monkeypatch, tmp_path):
    ui_promotion.publish_policy(model, "audit")  # what `tuneline promote` with ui_promotion: audit publishes
    ctl = controller(model, monkeypatch)
    assert ctl.check().served_version == "1"
    ui_move(server, model, "2")
    result = ctl.check()
    assert (result.status, result.served_version) == ("unchanged", "1")
    assert champion(model) == "2"  # the alias stays where the user put it
    assert_ui_record(audit(model)[-1], "2", "refused", "audit")
    again = ui_promotion.reconcile(model, "champion", "audit")
    assert (again.recorded, again.serve, again.outcome) == (False, "1", "known")
    assert ctl.check().status == "unchanged" and len(audit(model)) == 2  # recorded once

    policy = {"primary_metric": "rouge_l"}
    cfg = PromoteConfig(
        registered_model_name=model, ui_promotion="audit", out_dir=str(tmp_path), policy=policy
    )
    decision = promote(cfg)  # replaces the refused v2, from what was served: a rollback returns to v1
    assert (decision["previous_champion"], champion(model), "ui_promotion" in decision) == ("1", "3", False)
    assert [(r["action"], r["version"]) for r in audit(model)[2:]] == [("revert", "1"), ("promote", "3")]
    assert registry.client().get_model_version(model, "3").tags["champion.previous"] == "1"
    assert ctl.check().served_version == "3"

    ui_move(server, model, "1")  # a version whose gate passed: followed under every policy
    result = ctl.check()
    assert (result.status, result.served_version, ctl.engine.loaded) == ("swapped", "1", {model: "1"})
    assert_ui_record(audit(model)[-1], "1", "followed", "audit")
    assert len(audit(model)) == 5


def test_follow_lets_serving_follow_any_move_and_records_it_once(server, model, monkeypatch):
    ui_move(server, model, "2")
    first = ui_promotion.reconcile(model, "champion", "follow")
    second = ui_promotion.reconcile(model, "champion", "follow")
    assert (first.recorded, first.serve, first.outcome) == (True, "2", "followed")
    assert (second.recorded, second.serve, champion(model)) == (False, "2", "2")
    assert_ui_record(audit(model)[-1], "2", "followed", "follow")
    ui_promotion.publish_policy(model, "follow")
    assert controller(model, monkeypatch).check().served_version == "2"
    assert len(audit(model)) == 2


def test_serving_with_read_only_access_refuses_what_it_cannot_revert(server, model, monkeypatch, capsys):
    ui_move(server, model, "2")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_USERNAME", server.reader[0])
        patch.setenv("MLFLOW_TRACKING_PASSWORD", server.reader[1])
        found = ui_promotion.governed_version(model, "champion")
        result = controller(model, monkeypatch).check()
    assert (found.serve, found.recorded, found.reverted) == ("1", False, False) and "403" in found.error
    assert (result.served_version, champion(model), len(audit(model))) == ("1", "2", 1)  # nothing written
    assert registry_main(["reconcile", f"registered_model_name={model}"]) == 0  # a login with EDIT: done
    out = capsys.readouterr().out  # MLflow prints a "View run" line per audit run before the JSON
    assert json.loads(out[out.index("{\n") :])["reverted"] is True
    assert champion(model) == "1" and [r["action"] for r in audit(model)] == ["promote", "ui", "revert"]


@contextmanager
def webhook_receiver(name: str, monkeypatch):
    """The serving app (no model: watch_registry off) with its registry webhook receiver on."""
    monkeypatch.setenv(ui_promotion.WEBHOOK_SECRET_ENV, "webhook-secret-for-the-test")
    settings = {"registered_model_name": name, "watch_registry": False}
    with running_server(ready_path="/health", **settings) as (base, _, _):
        yield base


def test_a_webhook_from_the_tracking_server_reverts_at_once(server, model, monkeypatch, capsys):
    with webhook_receiver(model, monkeypatch) as base:
        forged = http("POST", f"{base}/admin/registry-webhook", b"{}", {"X-MLflow-Signature": "v1,AAAA"})
        assert forged.status_code == 401 and forged.json()["error"]["code"] == "bad_signature"
        url = f"{base}/admin/registry-webhook"
        assert registry_main(["webhook", "--url", url, f"registered_model_name={model}"]) == 0
        created = json.loads(capsys.readouterr().out)
        assert created["test"] == {"success": True, "status": 200, "error": None}  # MLflow's test event
        # publishes the policy (revert), nothing to reconcile yet
        assert registry_main(["reconcile", f"registered_model_name={model}"]) == 0

        ui_move(server, model, "2")  # nothing polls in this test: only the webhook can revert it
        wait_for(lambda: champion(model) == "1" and len(audit(model)) == 3, timeout=90)
    _, ui, revert = audit(model)
    assert_ui_record(ui, "2", "reverted", "revert")
    assert revert["action"] == "revert" and revert["version"] == "1"

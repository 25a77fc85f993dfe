"""MLflow run helpers against a real SQLite tracking store in tmp_path."""

from __future__ import annotations

import mlflow
from pydantic import Field

from components.common.config import StepConfig, config_hash
from components.common.tracking import lineage_tags, step_run


class DemoCfg(StepConfig):
    lr: float = Field(1e-4, description="learning rate")
    name: str = Field("x" * 7000, description="a long value")


def test_step_run_logs_params_and_lineage_to_local_store(tmp_path, monkeypatch, tiny_model_dir):
    from components.common.base_model import resolve_base_model

    monkeypatch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("TUNELINE_ARTIFACT_ROOT", str(tmp_path / "artifacts"))
    monkeypatch.setenv("TUNELINE_PIPELINE_RUN_ID", "pipe-42")
    data = tmp_path / "train.jsonl"
    data.write_text('{"a": 1}\n')
    cfg = DemoCfg()
    base = resolve_base_model(str(tiny_model_dir))
    with step_run("train", cfg, base=base, data_files=[data]) as run:
        mlflow.log_metric("loss", 1.5)
        (tmp_path / "note.txt").write_text("hello")
        mlflow.log_artifact(str(tmp_path / "note.txt"))
    stored = mlflow.get_run(run.info.run_id)
    assert stored.data.params["lr"] == "0.0001"
    assert len(stored.data.params["name"]) == 6000
    assert stored.data.metrics["loss"] == 1.5
    tags = stored.data.tags
    assert tags["config.hash"] == config_hash(cfg)
    assert tags["base_model.sha256"] == base.sha256
    assert tags["pipeline.run_id"] == "pipe-42" and tags["tuneline.step"] == "train"
    assert len(tags["data.inputs_hash"]) == 64
    assert (tmp_path / "artifacts").is_dir() and list((tmp_path / "artifacts").rglob("note.txt"))


def test_data_hash_changes_with_the_data(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text("1\n")
    first = lineage_tags("validate", data_files=[data])["data.inputs_hash"]
    data.write_text("2\n")
    assert lineage_tags("validate", data_files=[data])["data.inputs_hash"] != first

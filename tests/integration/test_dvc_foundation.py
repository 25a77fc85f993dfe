"""A fresh copy of the repo: `dvc pull` gets the demo data from the committed remote; `dvc repro` runs and caches."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.common.tracking import dvc_data_hash

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_dvc_pull_restores_demo_data_from_committed_remote(fresh_clone, run_cmd):
    assert not (fresh_clone / "data" / "raw").exists()
    run_cmd("dvc", "pull", "data.dvc", cwd=fresh_clone)
    for name in ("sft.jsonl", "preference.jsonl", "golden.jsonl"):
        assert (fresh_clone / "data/raw" / name).read_bytes() == (REPO / "data/raw" / name).read_bytes()
    assert "up to date" in run_cmd("dvc", "status", "data.dvc", cwd=fresh_clone)
    assert dvc_data_hash(fresh_clone / "data.dvc").endswith(".dir")


def test_repro_base_model_stage_runs_once_then_skips(fresh_clone, tiny_model_dir, run_cmd):
    params = fresh_clone / "configs" / "base_model.yaml"
    cfg = yaml.safe_load(params.read_text())
    cfg["spec"] = str(tiny_model_dir)
    params.write_text(yaml.safe_dump(cfg))
    first = run_cmd("dvc", "repro", "base_model", cwd=fresh_clone)
    assert "Running stage 'base_model'" in first
    record = yaml.safe_load((fresh_clone / "artifacts/base_model/base_model.json").read_text())
    assert record["kind"] == "hf_folder" and len(record["sha256"]) == 64
    again = run_cmd("dvc", "repro", "base_model", cwd=fresh_clone)
    assert "Running stage" not in again
    cfg["max_new_tokens"] = 3
    params.write_text(yaml.safe_dump(cfg))
    assert "Running stage 'base_model'" in run_cmd("dvc", "repro", "base_model", cwd=fresh_clone)

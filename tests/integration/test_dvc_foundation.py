"""A fresh copy of the repo: `dvc pull` gets the demo data from the committed remote; `dvc repro` runs and caches."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from components.common.tracking import dvc_data_hash

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def sh(*cmd: str, cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture()
def fresh_clone(tmp_path) -> Path:
    """What `git clone` gives: the committed and to-be-committed files, no data/raw, no DVC cache."""
    files = sh("git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=REPO).split()
    clone = tmp_path / "clone"
    for rel in files:
        if (REPO / rel).is_file() and not rel.startswith("data/raw/"):
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, clone / rel)
    sh("git", "init", "-q", cwd=clone)
    sh("git", "add", "-A", cwd=clone)
    sh("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "clone", cwd=clone)
    return clone


def test_dvc_pull_restores_demo_data_from_committed_remote(fresh_clone):
    assert not (fresh_clone / "data" / "raw").exists()
    sh("dvc", "pull", "data.dvc", cwd=fresh_clone)
    for name in ("sft.jsonl", "preference.jsonl", "golden.jsonl"):
        assert (fresh_clone / "data/raw" / name).read_bytes() == (REPO / "data/raw" / name).read_bytes()
    assert "up to date" in sh("dvc", "status", "data.dvc", cwd=fresh_clone)
    assert dvc_data_hash(fresh_clone / "data.dvc").endswith(".dir")


def test_repro_base_model_stage_runs_once_then_skips(fresh_clone, tiny_model_dir):
    params = fresh_clone / "configs" / "base_model.yaml"
    cfg = yaml.safe_load(params.read_text())
    cfg["spec"] = str(tiny_model_dir)
    params.write_text(yaml.safe_dump(cfg))
    first = sh("dvc", "repro", "base_model", cwd=fresh_clone)
    assert "Running stage 'base_model'" in first
    record = yaml.safe_load((fresh_clone / "artifacts/base_model/base_model.json").read_text())
    assert record["kind"] == "hf_folder" and len(record["sha256"]) == 64
    again = sh("dvc", "repro", "base_model", cwd=fresh_clone)
    assert "Running stage" not in again
    cfg["max_new_tokens"] = 3
    params.write_text(yaml.safe_dump(cfg))
    assert "Running stage 'base_model'" in sh("dvc", "repro", "base_model", cwd=fresh_clone)

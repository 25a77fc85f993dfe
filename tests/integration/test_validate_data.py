"""The data-validation gate end to end: real great-expectations runs on the shipped demo data, Data Docs,
redaction, MLflow logging to a store in tmp_path, and `dvc repro` stopping at bad data.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
import yaml

from components.common.pii import find_pii
from components.validate_data.__main__ import main
from components.validate_data.rules import RULES

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "data" / "raw"
CONFIG = REPO / "configs" / "validate_data.yaml"


def args_for(tmp_path: Path, base_model: Path, *overrides: str, **files: Path) -> list[str]:
    paths = {kind: files.get(kind, RAW / f"{kind}.jsonl") for kind in ("sft", "preference", "golden")}
    return [
        "--config",
        str(CONFIG),
        *(f"{kind}_file={path}" for kind, path in paths.items()),
        f"base_model={base_model}",
        f"out_dir={tmp_path / 'report'}",
        f"metrics_file={tmp_path / 'metrics.json'}",
        "log_to_mlflow=false",
        *overrides,
    ]


def page_text(path: Path) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))))


def validation_page(report_dir: Path, kind: str) -> Path:
    pages = list((report_dir / "data_docs" / "validations" / f"tuneline_{kind}").rglob("*.html"))
    assert len(pages) == 1, pages
    return pages[0]


def copy_with_lines(source: Path, target: Path, replace: dict[int, dict]) -> Path:
    lines = source.read_bytes().split(b"\n")
    for number, record in replace.items():
        lines[number - 1] = json.dumps(record).encode()
    target.write_bytes(b"\n".join(lines))
    return target


def demo_record(name: str, line: int) -> dict:
    return json.loads((RAW / name).read_bytes().split(b"\n")[line - 1])


def test_shipped_demo_data_passes_with_report_and_data_docs(tmp_path, tiny_model_dir, capsys):
    assert main(args_for(tmp_path, tiny_model_dir)) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["passed"] is True and "data validation passed" in err
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["passed"] and report["blocking_failures"] == 0 and report["summary"] == []
    for kind in ("sft", "preference", "golden"):
        lines = (RAW / f"{kind}.jsonl").read_bytes().count(b"\n")
        assert report["files"][kind]["records"] == lines
        assert "Status: Succeeded" in page_text(validation_page(tmp_path / "report", kind))
    assert len(report["rules"]) == sum(len(rules) for rules in RULES.values())
    assert all(r["ge_success"] and r["expectation"]["type"].startswith("expect_") for r in report["rules"])
    bias = next(r for r in report["rules"] if r["rule"] == "preference.length_bias")
    assert 0.3 <= bias["observed_value"] <= 0.7
    assert (tmp_path / "report" / "data_docs" / "index.html").is_file()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["passed"] == 1.0 and metrics["preference.chosen_longer_share"] == round(
        bias["observed_value"], 4
    )


def test_failing_data_exits_non_zero_after_writing_report_and_docs(tmp_path, tiny_model_dir, capsys):
    wrong_order = demo_record("sft.jsonl", 17)
    wrong_order["messages"].insert(2, {"role": "user", "content": "and another thing"})
    leaked = demo_record("sft.jsonl", 42)
    leaked["messages"][-1]["content"] += " Write to me at jane.doe@gmail.com."
    sft = copy_with_lines(RAW / "sft.jsonl", tmp_path / "sft.jsonl", {17: wrong_order, 42: leaked})
    assert main(args_for(tmp_path, tiny_model_dir, "max_examples=1", sft=sft)) == 2
    err = capsys.readouterr().err
    assert f"FAIL {sft}:17 sft.role_order: 1 of 944 rows" in err
    assert f"FAIL {sft}:42 sft.pii: 1 of 944 rows contain personal data" in err
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    rules = {r["rule"]: r for r in report["rules"]}
    assert not report["passed"] and report["blocking_failures"] == 2
    assert rules["sft.role_order"]["unexpected_lines"] == [17]
    assert rules["sft.pii"]["examples"] == [
        {"line": 42, "problem": "email ja***@gmail.com in messages[2].content"}
    ]
    assert "jane.doe" not in json.dumps(report)  # the report never repeats personal data
    assert "Status: Failed" in page_text(validation_page(tmp_path / "report", "sft"))
    assert "Status: Succeeded" in page_text(validation_page(tmp_path / "report", "golden"))


def test_redact_mode_writes_a_cleaned_copy_and_leaves_the_original_untouched(
    tmp_path, tiny_model_dir, capsys
):
    with_email = demo_record("sft.jsonl", 5)
    with_email["messages"][-1]["content"] += " Or mail jane.doe@gmail.com."
    with_phone = demo_record("sft.jsonl", 9)
    with_phone["messages"][1]["content"] += " My number is +1 415-555-0132."
    sft = copy_with_lines(RAW / "sft.jsonl", tmp_path / "sft.jsonl", {5: with_email, 9: with_phone})
    original = sft.read_bytes()
    assert main(args_for(tmp_path, tiny_model_dir, "pii_action=redact", sft=sft)) == 0
    out, err = capsys.readouterr()
    assert f"WARN {sft}:5 sft.pii: 2 of 944 rows had personal data, redacted" in err
    assert sft.read_bytes() == original
    cleaned = Path(json.loads(out)["redacted_files"]["sft"])
    assert cleaned == tmp_path / "report" / "redacted" / "sft.jsonl"
    before, after = original.split(b"\n"), cleaned.read_bytes().split(b"\n")
    assert [n for n, (a, b) in enumerate(zip(before, after, strict=True), 1) if a != b] == [5, 9]
    assert json.loads(after[4])["messages"][-1]["content"].endswith("Or mail [EMAIL].")
    assert json.loads(after[8])["messages"][1]["content"].endswith("My number is [PHONE].")
    assert not find_pii(cleaned.read_text(encoding="utf-8"))
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert [(c["line"], c["kind"], c["field"]) for c in report["redactions"]] == [
        (5, "email", "messages[2].content"),
        (9, "phone", "messages[1].content"),
    ]


def test_report_and_data_docs_are_logged_when_tracking_is_configured(
    tmp_path, tiny_model_dir, monkeypatch, capsys
):
    monkeypatch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("TUNELINE_ARTIFACT_ROOT", str(tmp_path / "mlartifacts"))
    assert main([*args_for(tmp_path, tiny_model_dir), "log_to_mlflow=null"]) == 0
    run_id = json.loads(capsys.readouterr().out)["mlflow_run_id"]
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    run = mlflow.get_run(run_id)
    assert run.data.tags["tuneline.step"] == "validate_data" and run.data.tags["validation.passed"] == "true"
    assert run.data.params["max_tokens"] == "512" and run.data.metrics["sft.records"] == 944
    logged = {f.path for f in mlflow.artifacts.list_artifacts(run_id=run_id, artifact_path="validate_data")}
    assert {"validate_data/report.json", "validate_data/summary.txt", "validate_data/data_docs"} <= logged
    docs = mlflow.artifacts.list_artifacts(run_id=run_id, artifact_path="validate_data/data_docs")
    assert "validate_data/data_docs/index.html" in {f.path for f in docs}


def test_dvc_repro_stops_at_bad_data_before_later_stages(tmp_path, tiny_model_dir):
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
    assert next(iter(stages)) == "validate_data", "validation must be the first stage"
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "components", repo / "components", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "data" / "raw").mkdir(parents=True)
    for name in ("preference.jsonl", "golden.jsonl"):
        shutil.copy(RAW / name, repo / "data" / "raw" / name)
    bad = demo_record("sft.jsonl", 3)
    bad["messages"] = bad["messages"][:-1]  # now ends with a user turn
    copy_with_lines(RAW / "sft.jsonl", repo / "data" / "raw" / "sft.jsonl", {3: bad})
    config = yaml.safe_load(CONFIG.read_text())
    config.update(base_model=str(tiny_model_dir), log_to_mlflow=False)
    (repo / "configs").mkdir()
    (repo / "configs" / "validate_data.yaml").write_text(yaml.safe_dump(config))
    train = {"cmd": "python -c \"open('trained.txt', 'w').write('x')\"", "deps": ["artifacts/validate_data"]}
    pipeline = {
        "stages": {"validate_data": stages["validate_data"], "train": {**train, "outs": ["trained.txt"]}}
    }
    (repo / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    dvc = [str(Path(sys.executable).parent / "dvc")]
    subprocess.run([*dvc, "init", "--no-scm", "-q"], cwd=repo, env=env, check=True)
    done = subprocess.run([*dvc, "repro"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "FAIL data/raw/sft.jsonl:3 sft.ends_with_assistant" in done.stdout + done.stderr
    assert not (repo / "trained.txt").exists()
    report = json.loads((repo / "artifacts" / "validate_data" / "report.json").read_text())
    failed = [r for r in report["rules"] if r["status"] == "fail"]
    assert [(r["rule"], r["unexpected_lines"]) for r in failed] == [("sft.ends_with_assistant", [3])]


@pytest.mark.filterwarnings("ignore:You may be attemping to run a task")  # the local runner vs our image
def test_kfp_component_fails_the_task_on_bad_data_and_keeps_the_report(tmp_path, tiny_model_dir):
    from kfp import dsl, local

    from components.validate_data.component import validate_data_op

    bad = demo_record("preference.jsonl", 7)
    bad["rejected"] = bad["chosen"]
    preference = copy_with_lines(RAW / "preference.jsonl", tmp_path / "preference.jsonl", {7: bad})
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "root"))

    @dsl.pipeline
    def validate_only():  # no typed parameters: this module's annotations are strings (__future__)
        data = dsl.importer(artifact_uri=str(preference), artifact_class=dsl.Dataset)
        validate_data_op(
            preference=data.output,
            base_model=str(tiny_model_dir),
            overrides=[
                "data_docs=false",
                "allowed_email_domains=[quillnote.com]",
            ],  # as configs/validate_data.yaml
        )

    with pytest.raises(RuntimeError, match="FAILURE"):
        validate_only()
    reports = list((tmp_path / "root").rglob("report/report.json"))
    assert len(reports) == 1
    failed = [r for r in json.loads(reports[0].read_text())["rules"] if r["status"] == "fail"]
    assert [(r["rule"], r["unexpected_lines"]) for r in failed] == [("preference.chosen_differs", [7])]

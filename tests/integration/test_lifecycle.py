"""The whole lifecycle on the tiny model: `dvc repro` in a fresh clone, and the Kubeflow pipeline (compile, run-local)."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest
import yaml

from components.common.config import deep_merge

pytestmark = pytest.mark.integration
STEPS = [
    "validate-data-op",
    "finetune-lora-op",
    "align-op",
    "evaluate-op",
    "gate-op",
    "register-op",
    "promote-op",
]


def use_smoke_configs(configs: Path, tiny_model_dir: Path) -> None:
    """Keep every path of the real configs, take the tiny sizes of configs/smoke, and point at the tiny model."""
    tiny = str(tiny_model_dir)

    def patch(name: str, changes: dict) -> None:
        path = configs / f"{name}.yaml"
        path.write_text(yaml.safe_dump(deep_merge(yaml.safe_load(path.read_text()), changes)))

    smoke = {
        n: yaml.safe_load((configs / "smoke" / f"{n}.yaml").read_text())
        for n in ("train", "align", "evaluate")
    }
    patch("base_model", {"spec": tiny, "max_new_tokens": 4})
    patch("validate_data", {"base_model": tiny, "data_docs": False})
    tiny_lora = {**smoke["train"]["lora"], "layers_to_transform": None}  # the tiny model has 2 layers, not 30
    sizes = {"eval_fraction": smoke["train"]["eval_fraction"], "trainer": smoke["train"]["trainer"]}
    patch("train", {"base_model": tiny, "lora": tiny_lora, **sizes})
    patch("align", {k: smoke["align"][k] for k in ("max_train_pairs", "dpo", "log_system_metrics")})
    keys = ("generation", "max_examples", "bootstrap_resamples", "batch_size", "scoring_batch_size")
    patch("evaluate", {"base_model": tiny, **{k: smoke["evaluate"][k] for k in keys}})
    # a random tiny model cannot beat its base for real: let the gate pass so registration is exercised
    patch("promote", {"policy": {"min_delta": -1.0, "max_latency_factor": 100.0, "guardrails": []}})


@pytest.fixture()
def store_env(tmp_path, monkeypatch) -> dict[str, str]:
    env = {
        "TUNELINE_TRACKING_URI": f"sqlite:///{tmp_path}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(tmp_path / "mlartifacts"),
        "TUNELINE_CACHE": str(tmp_path / "cache"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def champion_version(env: dict[str, str]) -> str:
    client = mlflow.MlflowClient(tracking_uri=env["TUNELINE_TRACKING_URI"])
    return str(client.get_model_version_by_alias("tuneline-assistant", "champion").version)


def test_dvc_repro_runs_every_stage_to_a_champion_then_only_what_changed(
    fresh_clone, tiny_model_dir, store_env, run_cmd
):
    use_smoke_configs(fresh_clone / "configs", tiny_model_dir)
    run_cmd("dvc", "pull", "data.dvc", cwd=fresh_clone)
    first = run_cmd("dvc", "repro", cwd=fresh_clone, env=store_env)
    for stage in ("validate_data", "base_model", "train", "align", "evaluate", "register", "promote"):
        assert f"Running stage '{stage}'" in first, stage
    assert champion_version(store_env) == "1"
    assert "Running stage" not in run_cmd("dvc", "repro", cwd=fresh_clone, env=store_env)
    metrics = run_cmd("dvc", "metrics", "show", cwd=fresh_clone)
    assert "eval_loss_adapter" in metrics or "eval_loss" in metrics

    promote = fresh_clone / "configs" / "promote.yaml"
    policy = yaml.safe_load(promote.read_text())
    policy["policy"]["max_latency_factor"] = 99.0
    promote.write_text(yaml.safe_dump(policy))
    again = run_cmd("dvc", "repro", cwd=fresh_clone, env=store_env)
    ran = {line.split("'")[1] for line in again.splitlines() if line.startswith("Running stage")}
    assert ran == {
        "promote"
    }  # a policy change re-decides; nothing is retrained, re-evaluated or re-registered


def test_compiled_pipeline_loads_back_and_names_every_step(tmp_path, run_cmd):
    from kfp import components

    out = tmp_path / "pipeline.yaml"
    run_cmd(
        "tuneline",
        "pipeline",
        "compile",
        "--out",
        str(out),
        "--train-accelerator",
        "nvidia.com/gpu",
        "--train-gpus",
        "1",
        cwd=tmp_path,
    )
    loaded = components.load_component_from_file(str(out))
    assert loaded.name == "tuneline-lifecycle"
    spec = next(yaml.safe_load_all(out.read_text()))
    executors = set(spec["deploymentSpec"]["executors"])
    assert {f"exec-{step}" for step in STEPS} <= executors
    train = spec["deploymentSpec"]["executors"]["exec-finetune-lora-op"]["container"]
    assert train["resources"]["accelerator"]["resourceType"] == "nvidia.com/gpu"
    assert {
        "sft_uri",
        "preference_uri",
        "golden_uri",
        "train_overrides",
        "align_overrides",
        "feedback_uri",
    } <= set(spec["root"]["inputDefinitions"]["parameters"])


def feedback_pairs(folder: Path, questions: list[str]) -> Path:
    """A `tuneline feedback export` file: a preferred answer over a down-rated one per question."""
    folder.mkdir(parents=True)
    rows = [
        {
            "id": f"fb-test-{i}",
            "prompt": [{"role": "user", "content": question}],
            "chosen": [{"role": "assistant", "content": "Open Settings, then Account, and pick the option."}],
            "rejected": [{"role": "assistant", "content": "I am not sure, maybe ask someone else."}],
        }
        for i, question in enumerate(questions)
    ]
    (folder / "pairs-20250101T000000Z.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_pipeline_run_local_ends_with_a_registered_champion(tmp_path, tiny_model_dir, store_env, monkeypatch):
    """The pipeline end to end, with exported feedback pairs that align adds to its training pairs (as
    `dvc repro` does from data/feedback)."""
    from kfp import local

    from pipelines.pipeline import build_pipeline

    configs = tmp_path / "configs"
    repo_configs = Path(__file__).resolve().parents[2] / "configs"
    import shutil

    shutil.copytree(repo_configs, configs)
    use_smoke_configs(configs, tiny_model_dir)
    data = Path(__file__).resolve().parents[2] / "data" / "raw"
    feedback = feedback_pairs(
        tmp_path / "feedback",
        ["How do I rename a tag?", "Can I export a notebook to PDF?", "Where is dark mode?"],
    )
    monkeypatch.setenv("TUNELINE_PIPELINE_RUN_ID", "kfp-local-test")
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "kfp-root"))
    build_pipeline(configs_dir=configs)(
        sft_uri=str(data / "sft.jsonl"),
        preference_uri=str(data / "preference.jsonl"),
        golden_uri=str(data / "golden.jsonl"),
        base_model=str(tiny_model_dir),
        feedback_uri=str(feedback),
    )
    assert champion_version(store_env) == "1"
    client = mlflow.MlflowClient(tracking_uri=store_env["TUNELINE_TRACKING_URI"])
    version = client.get_model_version("tuneline-assistant", "1")
    assert version.tags["pipeline.run_id"] == "kfp-local-test"
    experiments = [e.experiment_id for e in client.search_experiments()]
    (align,) = [r for r in client.search_runs(experiments) if "data.feedback_pairs" in r.data.params]
    max_train_pairs = yaml.safe_load((configs / "align.yaml").read_text())["max_train_pairs"]
    assert align.data.params["data.feedback_pairs"] == "3"
    assert align.data.params["data.train_pairs"] == str(max_train_pairs + 3)

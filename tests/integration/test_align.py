"""Preference alignment on the tiny random Llama, continuing a real SFT adapter (the train step's smoke run),
with a real MLflow store in tmp_path: what DPO changes (and what it must not), the implicit reward margin, the
output folder and lineage, RLHF's reward model and policy, ORPO/KTO, and resuming from a checkpoint."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import mlflow
import pytest
import torch
from safetensors.torch import load_file

from components.align import core
from components.align.config import AlignConfig
from components.align.dpo import pair_lengths
from components.align.policy import describe_sft_adapter, preference_scores, preference_summary
from components.common.base_model import resolve_base_model
from components.common.chat_model import AdapterRecord, ChatModel
from components.common.config import load_config
from components.common.datasets import read_held_out_pairs
from components.common.hashing import content_hash
from components.common.scoring import RewardModelSource
from components.finetune_lora import core as sft_core
from components.finetune_lora.config import FinetuneConfig

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "configs/smoke/align.yaml"
PREFERENCE = REPO / "data/raw/preference.jsonl"
WEIGHTS = "adapter_model.safetensors"


def tracking_env(root: Path) -> dict[str, str]:
    return {
        "TUNELINE_TRACKING_URI": f"sqlite:///{root}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(root / "mlart"),
    }


# Tests that do not look at the held-out preference accuracy score 17 pairs before and after, not 67.
FEW_HELD_OUT = "preference_eval_fraction=0.05"


def align_config(sft_dir: Path, out_dir: Path, *overrides: str) -> AlignConfig:
    paths = [f"sft_adapter={sft_dir}", f"out_dir={out_dir}", f"preference_file={PREFERENCE}"]
    return load_config(AlignConfig, SMOKE, [*paths, "max_train_pairs=8", *overrides])


def run_in(root: Path, cfg: AlignConfig) -> core.AlignOutcome:
    """core.align with the tracking store in `root`, from the repo root (as DVC runs it: lineage tags resolve)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in tracking_env(root).items():
            patch.setenv(key, value)
        patch.chdir(REPO)
        return core.align(cfg)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The tiny model gains nothing from threads, and on a shared 2-core machine they spin-wait."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def sft(tiny_model_dir, tmp_path_factory) -> SimpleNamespace:
    """A real SFT adapter: the train step's smoke config on the tiny model (3 steps), with its MLflow run."""
    root = tmp_path_factory.mktemp("align-sft")
    cfg = load_config(
        FinetuneConfig,
        REPO / "configs/smoke/train.yaml",
        [
            f"base_model={tiny_model_dir}",
            f"out_dir={root / 'train'}",
            "eval_fraction=0.02",
            "trainer.max_steps=3",
        ],
    )
    with pytest.MonkeyPatch.context() as patch:
        for key, value in tracking_env(root).items():
            patch.setenv(key, value)
        result = sft_core.run(cfg)
    return SimpleNamespace(root=root, dir=Path(result["adapter_dir"]), run_id=result["mlflow_run_id"])


@pytest.fixture(scope="module")
def dpo(sft) -> SimpleNamespace:
    """One DPO run (6 steps over 8 training pairs) shared by the DPO tests; same tracking store as the SFT run."""
    cfg = align_config(sft.dir, sft.root / "dpo", "dpo.max_steps=6")
    outcome = run_in(sft.root, cfg)
    client = mlflow.MlflowClient(tracking_uri=tracking_env(sft.root)["TUNELINE_TRACKING_URI"])
    return SimpleNamespace(cfg=cfg, result=outcome.result, trainer=outcome.trainer, client=client)


def changed_tensors(before: dict, after: dict) -> list[str]:
    assert before.keys() == after.keys()
    return [k for k in before if not torch.equal(before[k], after[k])]


def test_dpo_trains_the_sft_adapter_and_leaves_every_base_weight_bit_identical(dpo, sft, tiny_model_dir):
    sft_weights = load_file(sft.dir / WEIGHTS)
    aligned = load_file(Path(dpo.result["adapter_dir"]) / WEIGHTS)
    assert changed_tensors(sft_weights, aligned) == sorted(sft_weights)  # every LoRA matrix moved
    model = dpo.trainer.model
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n and ".default." in n for n in trainable)
    original = load_file(tiny_model_dir / "model.safetensors")
    state = model.get_base_model().state_dict()
    base_now = {k.replace(".base_layer", ""): v for k, v in state.items() if "lora_" not in k}
    assert all(torch.equal(original[k], base_now[k]) for k in original), "a base weight changed"


def test_dpo_reference_is_the_sft_adapter_not_the_base_or_a_second_model(dpo):
    assert dpo.trainer.ref_model is None  # TRL kept no second model: the reference is a frozen adapter copy
    first = next(r for r in dpo.trainer.state.log_history if r.get("step") == 1 and "loss" in r)
    # At step 1 the policy is the SFT adapter. A zero implicit reward means the reference equals it; against the
    # base model (adapter disabled) the SFT adapter's log-probs would differ and the rewards would not be zero.
    assert first["rewards/chosen"] == 0.0 and first["rewards/rejected"] == 0.0
    assert abs(first["loss"] - 0.6931) < 1e-3  # -log(sigmoid(0))


def test_dpo_implicit_reward_margin_on_the_training_pairs_increases(dpo, sft):
    margins = [r["rewards/margins"] for r in dpo.trainer.state.log_history if "rewards/margins" in r]
    assert margins[0] == 0.0 and margins[-1] > 0.0
    # The same quantity recomputed from the saved folders: beta * (log-ratio chosen - log-ratio rejected),
    # SFT adapter as the reference, on the pairs DPO trained on (0 before training by definition).
    from peft import PeftModel

    sft_adapter = describe_sft_adapter(sft.dir)
    train_pairs = core.prepare(dpo.cfg).train_pairs
    reference = PeftModel.from_pretrained(sft_adapter.base.load_model(), sft.dir)
    aligned = PeftModel.from_pretrained(sft_adapter.base.load_model(), dpo.result["adapter_dir"])
    summary = preference_summary(
        preference_scores(reference, sft_adapter, train_pairs),
        preference_scores(aligned, sft_adapter, train_pairs),
        beta=dpo.cfg.dpo["beta"],
    )
    assert summary["held_out_reward_margin"] > 0.0 and summary["held_out_reward_accuracy"] > 0.5


def test_output_is_one_adapter_over_the_original_base_with_sft_lineage(dpo, sft, tiny_model_dir):
    adapter = Path(dpo.result["adapter_dir"])
    names = {p.name for p in adapter.iterdir()}
    assert {"adapter_config.json", WEIGHTS, "tokenizer.json", "tuneline_adapter.json"} <= names
    assert "ref" not in names and not [n for n in names if n.endswith((".bin", ".pt", ".pth", ".pkl"))]
    assert load_file(adapter / WEIGHTS).keys() == load_file(sft.dir / WEIGHTS).keys()  # no `ref` copy inside
    record, sft_record = AdapterRecord.read(adapter), AdapterRecord.read(sft.dir)
    assert (record.method, record.base_model, record.base_sha256) == (
        "dpo",
        str(tiny_model_dir),
        resolve_base_model(str(tiny_model_dir)).sha256,
    )
    assert (record.system_prompt, record.generation) == (sft_record.system_prompt, sft_record.generation)
    assert record.extra["sft_run_id"] == sft.run_id
    assert record.extra["align_run_id"] == record.extra["mlflow_run_id"] == dpo.result["mlflow_run_id"]
    # the folder reloads (as evaluation, registry and serving load it) to exactly the trained model
    chat = ChatModel.load(adapter)
    ids = chat.tokenizer(chat.render([{"role": "user", "content": "How do I export?"}]), return_tensors="pt")
    with torch.no_grad():
        expected = dpo.trainer.model.eval()(input_ids=ids["input_ids"]).logits
        assert torch.allclose(chat.model(input_ids=ids["input_ids"]).logits, expected, atol=1e-5)


def test_mlflow_run_and_dvc_outputs_report_alignment(dpo, sft):
    result = dpo.result
    run = dpo.client.get_run(result["mlflow_run_id"])
    tags, params = run.data.tags, run.data.params
    assert tags["tuneline.step"] == "align" and tags["tuneline.sft_run_id"] == sft.run_id
    assert tags["tuneline.training_method"] == "dpo" and tags["base_model.sha256"]
    assert params["method"] == "dpo" and params["dpo.beta"] == "0.1" and params["data.train_pairs"] == "8"
    history = dpo.client.get_metric_history(run.info.run_id, "rewards/margins")
    assert sorted(m.step for m in history) == list(range(1, 7))
    artifacts = {a.path for a in dpo.client.list_artifacts(run.info.run_id)}
    assert {"adapter", "curves", "metrics.json", "train_log.csv", "alignment_curves.png"} <= artifacts
    assert run.info.status == "FINISHED"
    # the held-out pairs, scored before (SFT) and after (DPO), are recorded with the adapter: evaluation reads
    # them from there (the same pairs, whatever evaluate's own split setting says)
    held_out = read_held_out_pairs(
        PREFERENCE, dpo.cfg.preference_eval_fraction, dpo.cfg.preference_split_seed
    )
    recorded = AdapterRecord.read(Path(result["adapter_dir"])).extra["held_out_pair_ids"]
    assert recorded == sorted(p.id for p in held_out)
    assert read_held_out_pairs(PREFERENCE, 0.5, 7, recorded) == held_out
    metrics = json.loads(Path(result["metrics_file"]).read_text())
    assert metrics["held_out_pairs"] == len(held_out) == 67 and metrics["global_step"] == 6
    assert {
        "sft_preference_accuracy",
        "aligned_preference_accuracy",
        "held_out_reward_margin",
    } <= metrics.keys()
    with open(Path(result["out_dir"]) / "curves/reward_margin.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["step"]) for r in rows] == list(range(1, 7)) and float(rows[-1]["reward_margin"]) > 0
    assert Path(result["plot"]).read_bytes()[:4] == b"\x89PNG"
    assert not Path(result["checkpoint_dir"]).exists()  # a finished run removes its checkpoints


def test_dpo_resumes_from_its_newest_checkpoint_with_the_same_result(sft, tmp_path):
    """A run that stopped after its step-2 checkpoint continues from it (resume: auto) to the same adapter."""
    overrides = ["dpo.max_steps=4", "dpo.save_steps=2", "keep_checkpoints=true", FEW_HELD_OUT]
    full = run_in(sft.root, align_config(sft.dir, tmp_path / "run", *overrides)).result
    uninterrupted = load_file(Path(full["adapter_dir"]) / WEIGHTS)
    checkpoints = Path(full["checkpoint_dir"]) / "policy"
    shutil.rmtree(checkpoints / "checkpoint-4")  # as if killed between the step-2 checkpoint and the end
    shutil.rmtree(Path(full["adapter_dir"]))
    resumed = run_in(sft.root, align_config(sft.dir, tmp_path / "run", *overrides)).result
    assert (resumed["resumed_from"], resumed["resumed_from_step"]) == (str(checkpoints / "checkpoint-2"), 2)
    assert resumed["global_step"] == 4
    client = mlflow.MlflowClient(tracking_uri=tracking_env(sft.root)["TUNELINE_TRACKING_URI"])
    assert sorted(m.step for m in client.get_metric_history(resumed["mlflow_run_id"], "loss")) == [3, 4]
    after_resume = load_file(Path(resumed["adapter_dir"]) / WEIGHTS)
    assert all(torch.allclose(after_resume[k], uninterrupted[k], atol=1e-5) for k in uninterrupted)


def test_precomputed_reference_log_probs_come_from_the_sft_adapter(sft, tmp_path):
    """precompute_ref_log_probs: the reference pass runs once before training, still with the SFT adapter."""
    cfg = align_config(
        sft.dir, tmp_path / "pre", "dpo.max_steps=2", "dpo.precompute_ref_log_probs=true", FEW_HELD_OUT
    )
    outcome = run_in(sft.root, cfg)
    first = next(r for r in outcome.trainer.state.log_history if r.get("step") == 1 and "loss" in r)
    assert first["rewards/chosen"] == pytest.approx(0.0, abs=1e-4) and outcome.result["global_step"] == 2


def test_dpo_group_by_length_batches_pairs_by_padded_length(sft, tmp_path):
    """The default config groups DPO pairs by prompt + longer answer: a batch then pads far less than a random one."""
    cfg = align_config(
        sft.dir, tmp_path / "grouped", "max_train_pairs=null", "dpo.max_steps=1",
        "dpo.train_sampling_strategy=group_by_length", FEW_HELD_OUT,
    )  # fmt: skip
    trainer = run_in(sft.root, cfg).trainer
    lengths = pair_lengths(trainer.train_dataset)
    assert lengths is not None and len(lengths) == len(trainer.train_dataset) > 100
    batch = trainer.args.per_device_train_batch_size
    order = list(trainer._get_train_sampler())
    assert sorted(order) == list(range(len(lengths)))  # every pair once per epoch

    def padded(indices: list[int]) -> int:  # positions a batch computes: batch x its longest pair
        return sum(
            len(chunk) * max(lengths[i] for i in chunk)
            for chunk in (indices[k : k + batch] for k in range(0, len(indices), batch))
        )

    shuffled = torch.randperm(len(lengths), generator=torch.Generator().manual_seed(0)).tolist()
    assert padded(order) < 0.85 * padded(shuffled)


@pytest.mark.parametrize("method", ["orpo", "kto"])
def test_orpo_and_kto_continue_the_sft_adapter(sft, tmp_path, method):
    cfg = align_config(sft.dir, tmp_path / method, f"method={method}", f"{method}.max_steps=2", FEW_HELD_OUT)
    result = run_in(sft.root, cfg).result
    assert result["global_step"] == 2
    assert changed_tensors(load_file(sft.dir / WEIGHTS), load_file(Path(result["adapter_dir"]) / WEIGHTS))
    assert AdapterRecord.read(Path(result["adapter_dir"])).method == method


def test_method_none_passes_the_sft_adapter_on_unchanged_and_says_so(sft, tmp_path):
    """No alignment: the next steps get the SFT adapter byte for byte, with the usual outputs and a run."""
    result = run_in(sft.root, align_config(sft.dir, tmp_path / "none", "method=none")).result
    adapter = Path(result["adapter_dir"])
    assert {p.name: p.read_bytes() for p in adapter.iterdir()} == {
        p.name: p.read_bytes() for p in sft.dir.iterdir()
    }
    assert result["adapter_sha256"] == content_hash(sft.dir) and "passed on unchanged" in result["note"]
    out = Path(result["out_dir"])
    for name in (
        "metrics.json",
        "train_log.csv",
        "alignment_curves.png",
        "curves/reward_margin.csv",
        "curves/kl.csv",
    ):
        assert (out / name).is_file(), name  # every DVC output of the stage exists
    client = mlflow.MlflowClient(tracking_uri=tracking_env(sft.root)["TUNELINE_TRACKING_URI"])
    run = client.get_run(result["mlflow_run_id"])
    assert (
        run.data.tags["tuneline.align_method"] == "none"
        and run.data.tags["tuneline.sft_run_id"] == sft.run_id
    )


@pytest.fixture(scope="module")
def rlhf(sft) -> SimpleNamespace:
    cfg = align_config(sft.dir, sft.root / "rlhf", "method=rlhf")
    outcome = run_in(sft.root, cfg)
    client = mlflow.MlflowClient(tracking_uri=tracking_env(sft.root)["TUNELINE_TRACKING_URI"])
    return SimpleNamespace(cfg=cfg, result=outcome.result, outcome=outcome, client=client)


def test_rlhf_reward_model_learns_its_training_pairs_and_is_saved_for_evaluation(rlhf):
    result = rlhf.result
    assert result["reward_model_train_accuracy"] > 0.5
    folder = Path(result["reward_model_dir"])
    assert json.loads((folder / "adapter_config.json").read_text())["task_type"] == "SEQ_CLS"
    record = AdapterRecord.read(folder)
    assert record.method == "reward_model" and record.extra["align_run_id"] == result["mlflow_run_id"]
    # evaluate's reward_model setting loads the folder and scores the held-out pairs as align reported
    held_out = read_held_out_pairs(
        PREFERENCE, rlhf.cfg.preference_eval_fraction, rlhf.cfg.preference_split_seed
    )
    scorer = RewardModelSource.describe(str(folder)).scorer()
    chosen = scorer.score([p.prompt for p in held_out], [p.chosen for p in held_out])
    rejected = scorer.score([p.prompt for p in held_out], [p.rejected for p in held_out])
    accuracy = sum(c > r for c, r in zip(chosen, rejected, strict=True)) / len(held_out)
    assert accuracy == pytest.approx(result["reward_model_held_out_accuracy"], abs=1e-4)
    artifacts = {a.path for a in rlhf.client.list_artifacts(result["mlflow_run_id"], "reward_model")}
    assert {"reward_model/adapter_model.safetensors", "reward_model/tuneline_adapter.json"} <= artifacts


def test_rlhf_policy_moves_the_sft_adapter_under_a_kl_penalty(rlhf, sft):
    result = rlhf.result
    changed = changed_tensors(load_file(sft.dir / WEIGHTS), load_file(Path(result["adapter_dir"]) / WEIGHTS))
    assert changed
    assert AdapterRecord.read(Path(result["adapter_dir"])).extra["reward_model_sha256"]
    kl = rlhf.client.get_metric_history(result["mlflow_run_id"], "kl")
    assert sorted(m.step for m in kl) == [1, 2]
    reward_steps = rlhf.client.get_metric_history(result["mlflow_run_id"], "reward.loss")
    assert len(reward_steps) == rlhf.cfg.reward["max_steps"]  # the two stages log apart (reward.* vs policy)
    with open(Path(result["out_dir"]) / "curves/kl.csv") as handle:
        assert [r["step"] for r in csv.DictReader(handle)] == ["1", "2"]

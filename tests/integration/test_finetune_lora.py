"""LoRA SFT on the tiny random Llama with a real MLflow store in tmp_path: what changes in the weights,
which tokens the loss is on, what the MLflow run holds, and a SIGKILLed run resuming from its checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import mlflow
import pytest
import torch
from safetensors.torch import load_file

from components.common.base_model import resolve_base_model
from components.common.chat_model import AdapterRecord
from components.common.checkpoints import checkpoint_step, find_resume_checkpoint
from components.common.config import config_hash, load_config
from components.finetune_lora import core
from components.finetune_lora.__main__ import main
from components.finetune_lora.config import FinetuneConfig

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SMOKE = REPO / "configs/smoke/train.yaml"
IM_END = "<|im_end|>"


def smoke_config(base: Path, out_dir: Path, *overrides: str) -> FinetuneConfig:
    paths = [f"base_model={base}", f"out_dir={out_dir}", f"train_file={REPO / 'data/raw/sft.jsonl'}"]
    return load_config(FinetuneConfig, SMOKE, [*paths, *overrides])


def tracking_env(root: Path) -> dict[str, str]:
    return {
        "TUNELINE_TRACKING_URI": f"sqlite:///{root}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(root / "mlart"),
    }


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The tiny model gains nothing from threads, and on a shared 2-core machine they spin-wait."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture()
def tracking(tmp_path, monkeypatch) -> mlflow.MlflowClient:
    for key, value in tracking_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    return mlflow.MlflowClient(tracking_uri=tracking_env(tmp_path)["TUNELINE_TRACKING_URI"])


@pytest.fixture(scope="module")
def trained(tiny_model_dir, tmp_path_factory):
    """One 6-step run shared by the tests below (run from the repo root, as DVC does: lineage tags resolve)."""
    root = tmp_path_factory.mktemp("sft")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in tracking_env(root).items():
            patch.setenv(key, value)
        patch.chdir(REPO)
        cfg = smoke_config(tiny_model_dir, root / "out")
        outcome = core.train(cfg)
    client = mlflow.MlflowClient(tracking_uri=tracking_env(root)["TUNELINE_TRACKING_URI"])
    return SimpleNamespace(cfg=cfg, result=outcome.result, model=outcome.trainer.model, client=client)


def test_training_moves_lora_weights_and_leaves_base_weights_bit_identical(trained, tiny_model_dir):
    original = load_file(tiny_model_dir / "model.safetensors")
    state = trained.model.get_base_model().state_dict()
    base_now = {k.replace(".base_layer", ""): v for k, v in state.items() if "lora_" not in k}
    assert original.keys() <= base_now.keys()
    assert all(torch.equal(original[k], base_now[k]) for k in original), "a base weight changed"
    trainable = [n for n, p in trained.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    lora_b = {n: p for n, p in trained.model.named_parameters() if "lora_B" in n}
    assert lora_b and all(p.abs().sum() > 0 for p in lora_b.values())  # B starts at zero, so it moved
    saved = load_file(Path(trained.result["adapter_dir"]) / "adapter_model.safetensors")
    assert len(saved) == len(trainable) and not any("base_layer" in k for k in saved)


def test_adapter_folder_reloads_to_the_trained_model(trained, tiny_model_dir):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = Path(trained.result["adapter_dir"])
    names = {p.name for p in adapter.iterdir()}
    assert {
        "adapter_config.json",
        "adapter_model.safetensors",
        "tokenizer.json",
        "tuneline_adapter.json",
    } <= names
    assert not [n for n in names if n.endswith((".bin", ".pt", ".pth", ".pkl"))]  # no pickles to unpickle
    record = AdapterRecord.read(adapter)  # what the registry and serving read
    base = resolve_base_model(str(tiny_model_dir))
    assert (record.base_model, record.base_sha256, record.method) == (str(tiny_model_dir), base.sha256, "sft")
    assert record.extra["mlflow_run_id"] == trained.result["mlflow_run_id"]
    assert record.extra["config_hash"] == config_hash(trained.cfg)
    assert record.system_prompt.startswith("You are Quill")  # the prompt the data trained with
    tokenizer = AutoTokenizer.from_pretrained(adapter)
    assert tokenizer.chat_template == AutoTokenizer.from_pretrained(tiny_model_dir).chat_template

    reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), adapter).eval()
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": "How do I export?"}], return_tensors="pt"
    )
    ids = ids["input_ids"] if not torch.is_tensor(ids) else ids
    with torch.no_grad():
        expected = trained.model.eval()(input_ids=ids).logits
        assert torch.allclose(reloaded(input_ids=ids).logits, expected, atol=1e-5)


def test_outputs_for_dvc_and_held_out_loss(trained):
    result = trained.result
    metrics = json.loads(Path(result["metrics_file"]).read_text())
    assert metrics["global_step"] == 6 and metrics["eval_loss_adapter"] < metrics["eval_loss_base"]
    lines = Path(result["train_log"]).read_text().splitlines()
    assert lines[0].startswith("step,") and [int(line.split(",")[0]) for line in lines[1:]] == list(
        range(1, 7)
    )
    assert Path(result["loss_curve"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not Path(result["checkpoint_dir"]).exists()  # a finished run cleans its checkpoints up
    assert result["train_tokens"] > 0 and result["tokens_per_second"] > 0


def test_mlflow_run_holds_params_metrics_tags_and_adapter(trained, tiny_model_dir):
    run = trained.client.get_run(trained.result["mlflow_run_id"])
    params, tags = run.data.params, run.data.tags
    assert params["lora.r"] == "4" and params["trainer.max_steps"] == "6" and params["seed"] == "0"
    rows = len((REPO / "data/raw/sft.jsonl").read_text().splitlines())  # the smoke config's train_file
    assert int(params["data.train_rows"]) + int(params["data.eval_rows"]) == rows == 944
    for metric in ("loss", "learning_rate", "grad_norm", "tokens_per_second"):
        history = trained.client.get_metric_history(run.info.run_id, metric)
        assert sorted(m.step for m in history) == list(range(1, 7)), metric
    assert run.data.metrics["final.eval_loss_adapter"] < run.data.metrics["final.eval_loss_base"]
    assert tags["config.hash"] == config_hash(trained.cfg)
    assert tags["base_model.sha256"] == resolve_base_model(str(tiny_model_dir)).sha256
    assert tags["git.commit"] and tags["dvc.data_hash"] and len(tags["data.inputs_hash"]) == 64
    assert tags["system.device"] == "cpu" and tags["system.trl"]
    artifacts = {a.path for a in trained.client.list_artifacts(run.info.run_id)}
    assert {"adapter", "loss_curve.png", "metrics.json", "train_log.csv"} <= artifacts
    adapter_files = {a.path for a in trained.client.list_artifacts(run.info.run_id, "adapter")}
    assert {"adapter/adapter_model.safetensors", "adapter/tuneline_adapter.json"} <= adapter_files
    assert run.info.status == "FINISHED"


def test_loss_is_on_assistant_tokens_only(tiny_model_dir, tmp_path):
    prep = core.setup(
        smoke_config(tiny_model_dir, tmp_path / "out", "trainer.max_length=256")
    )  # no truncation
    trainer = core.make_trainer(prep)
    tokenizer, dataset = prep.tokenizer, trainer.train_dataset
    multi_turn = next(i for i, row in enumerate(prep.train_rows) if len(row["messages"]) > 3)
    picked = [0, 1, 2, multi_turn]
    for i in picked:
        messages, example = prep.train_rows[i]["messages"], dataset[i]
        assert tokenizer.decode(example["input_ids"]) == tokenizer.apply_chat_template(
            messages, tokenize=False
        )
        learned = [
            t for t, label in zip(example["input_ids"], example["labels"], strict=True) if label != -100
        ]
        replies = "".join(m["content"] + IM_END for m in messages if m["role"] == "assistant")
        assert tokenizer.decode(learned) == replies  # every reply and its end token; no system/user token

    batch = trainer.data_collator([dataset[i] for i in picked])
    model = trainer.model.eval()
    with torch.no_grad():
        trl_loss = trainer.compute_loss(model, batch)
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    log_probs = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    targets, attended = batch["labels"][:, 1:], batch["attention_mask"][:, 1:].bool()
    token_nll = -log_probs.gather(-1, batch["input_ids"][:, 1:].unsqueeze(-1)).squeeze(-1)
    assistant_only = token_nll[targets != -100].mean()
    every_token = token_nll[attended].mean()
    assert torch.allclose(trl_loss, assistant_only, atol=1e-4)
    assert not torch.allclose(trl_loss, every_token, atol=1e-3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the refusal is for machines without CUDA")
def test_qlora_without_cuda_is_refused_before_any_work(tiny_model_dir, tmp_path, tracking, capsys):
    out = tmp_path / "out"
    argv = ["--config", str(SMOKE), f"base_model={tiny_model_dir}", f"out_dir={out}", "qlora=true"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: qlora: true") and "CUDA" in err and "bitsandbytes" in err
    assert not out.exists() and tracking.get_experiment_by_name("tuneline") is None  # no work, no run


def test_sigkilled_run_resumes_from_its_checkpoint(tiny_model_dir, tmp_path, tracking):
    steps = 12
    overrides = [
        f"trainer.max_steps={steps}",
        "trainer.save_steps=3",
        "trainer.per_device_train_batch_size=2",
        "eval_fraction=0.02",
    ]
    killed_out = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "components.finetune_lora",
        "--config",
        str(SMOKE),
        f"base_model={tiny_model_dir}",
        f"out_dir={killed_out}",
        *overrides,
    ]
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while find_resume_checkpoint(killed_out / "checkpoints") is None:
        assert proc.poll() is None, "the run ended before it wrote a checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within 240 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    newest = find_resume_checkpoint(killed_out / "checkpoints")
    killed_at = checkpoint_step(newest)
    assert 0 < killed_at < steps and not (killed_out / "adapter").exists()

    resumed = core.run(smoke_config(tiny_model_dir, killed_out, *overrides))  # resume: auto (the default)
    fresh = core.run(smoke_config(tiny_model_dir, tmp_path / "fresh", *overrides))
    assert (resumed["resumed_from"], resumed["resumed_from_step"]) == (str(newest), killed_at)
    assert resumed["global_step"] == fresh["global_step"] == steps and fresh["resumed_from_step"] == 0
    losses = tracking.get_metric_history(resumed["mlflow_run_id"], "loss")
    assert sorted(m.step for m in losses) == list(range(killed_at + 1, steps + 1))  # not from zero
    run = tracking.get_run(resumed["mlflow_run_id"])
    assert tracking.get_run(run.data.tags["tuneline.previous_run_id"]).info.status == "KILLED"
    # optimizer, scheduler, RNG and data position were restored: the same adapter as the uninterrupted run
    after_kill = load_file(Path(resumed["adapter_dir"]) / "adapter_model.safetensors")
    uninterrupted = load_file(Path(fresh["adapter_dir"]) / "adapter_model.safetensors")
    assert after_kill.keys() == uninterrupted.keys()
    assert all(torch.allclose(after_kill[k], uninterrupted[k], atol=1e-5) for k in after_kill)
    assert not (killed_out / "checkpoints").exists()

"""Pure logic of the training helpers: config -> LoraConfig/SFTConfig, QLoRA refusal, checkpoint discovery,
resume planning, the held-out split and the training log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from trl import SFTConfig

from components.common import training
from components.common.checkpoints import (
    FINGERPRINT_FILE,
    checkpoint_step,
    find_resume_checkpoint,
    plan_resume,
    record_checkpoint_owner,
)
from components.common.config import ConfigError, load_config
from components.common.training import (
    LoraSettings,
    Precision,
    TrainingInputError,
    build_lora_config,
    build_trainer_args,
    check_trainer_keys,
    qlora_problems,
    resolve_precision,
)
from components.common.training_outputs import training_log_rows, write_training_log
from components.finetune_lora.config import FinetuneConfig
from components.finetune_lora.data import read_conversations, split_holdout

REPO = Path(__file__).resolve().parents[2]


# ---- config mapping ----------------------------------------------------------------------------------------


def test_lora_settings_map_to_peft_lora_config():
    lora = build_lora_config(LoraSettings(r=16, alpha=32, dropout=0.1, target_modules=["q_proj", "v_proj"]))
    assert (lora.r, lora.lora_alpha, lora.lora_dropout) == (16, 32, 0.1)
    assert set(lora.target_modules) == {"q_proj", "v_proj"}
    assert lora.task_type == "CAUSAL_LM" and lora.bias == "none"
    assert build_lora_config(LoraSettings()).target_modules == "all-linear"
    assert build_lora_config(LoraSettings(), task_type="SEQ_CLS").task_type == "SEQ_CLS"
    assert build_lora_config(LoraSettings()).layers_to_transform is None
    top = LoraSettings(layers_to_transform=[1], target_modules=["q_proj", "down_proj"])
    assert build_lora_config(top).layers_to_transform == [1]
    with pytest.raises(ValueError, match=r"layers_to_transform needs lora\.target_modules as a list"):
        LoraSettings(layers_to_transform=[1])


def test_lora_on_the_top_layers_only_adapts_those_layers(tiny_model_dir):
    """layers_to_transform: adapters exist only in the listed decoder layers (the rest stay frozen base)."""
    from peft import get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    top = LoraSettings(layers_to_transform=[1], target_modules=["q_proj", "down_proj"])
    peft_model = get_peft_model(model, build_lora_config(top))
    adapted = {n.split(".layers.")[1].split(".")[0] for n, _ in peft_model.named_parameters() if "lora_" in n}
    assert adapted == {"1"}


def test_trainer_mapping_becomes_sft_config_with_project_owned_values(tmp_path):
    args = build_trainer_args(
        SFTConfig,
        {"max_steps": 7, "learning_rate": "2e-4", "packing": True, "packing_strategy": "wrapped"},
        precision=Precision("fp32"),
        output_dir=str(tmp_path / "ckpt"),
        seed=123,
    )
    assert isinstance(args, SFTConfig)
    assert (args.max_steps, args.learning_rate, args.packing, args.packing_strategy) == (
        7,
        2e-4,
        True,
        "wrapped",
    )
    assert (args.output_dir, args.seed) == (str(tmp_path / "ckpt"), 123)
    assert args.bf16 is False and args.fp16 is False  # TRL's default would be bf16=True, even on CPU
    assert args.report_to == []  # no second MLflow/W&B logger behind tuneline's own
    assert args.include_num_input_tokens_seen == "non_padding"  # tokens/s counts real tokens only


def test_trainer_value_trl_rejects_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match=r"trainer: TRL SFTConfig refused these values: .*zigzag"):
        build_trainer_args(
            SFTConfig, {"lr_scheduler_type": "zigzag"}, precision=Precision("fp32"), output_dir=str(tmp_path)
        )


def test_unknown_trainer_key_names_the_key_and_suggests_the_field():
    with pytest.raises(ConfigError, match=r"trainer\.'learning_rat'.*did you mean 'learning_rate'"):
        check_trainer_keys({"learning_rat": 1e-4}, SFTConfig)


@pytest.mark.parametrize("key", ["output_dir", "bf16", "seed", "report_to", "trust_remote_code"])
def test_keys_tuneline_owns_are_refused_with_the_setting_to_use(key):
    with pytest.raises(ConfigError, match=rf"trainer\.{key} is set by tuneline: .+"):
        check_trainer_keys({key: True}, SFTConfig)


def test_yaml_and_overrides_validate_trainer_keys_and_numbers(tmp_path):
    cfg = load_config(
        FinetuneConfig, REPO / "configs/train.yaml", ["trainer.learning_rate=3e-4", "lora.r=16"]
    )
    assert cfg.trainer["learning_rate"] == 3e-4 and isinstance(cfg.trainer["learning_rate"], float)
    untouched = yaml.safe_load((REPO / "configs/train.yaml").read_text())["trainer"]["max_steps"]
    assert cfg.lora.r == 16 and cfg.trainer["max_steps"] == untouched
    with pytest.raises(ConfigError, match="max_stpes"):
        load_config(FinetuneConfig, REPO / "configs/train.yaml", ["trainer.max_stpes=5"])
    with pytest.raises(ConfigError, match=r"lora\.rank"):
        load_config(FinetuneConfig, REPO / "configs/train.yaml", ["lora.rank=5"])


def test_shipped_configs_are_valid():
    for name in ("configs/train.yaml", "configs/smoke/train.yaml"):
        cfg = load_config(FinetuneConfig, REPO / name)
        assert cfg.trainer["assistant_only_loss"] is True, name


# ---- precision and QLoRA -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "cuda", "bf16", "expected"),
    [
        ("auto", False, False, "fp32"),
        ("auto", True, True, "bf16"),
        ("auto", True, False, "fp16"),
        ("bf16", False, False, "bf16"),
        ("fp32", True, True, "fp32"),
    ],
)
def test_precision_follows_the_hardware(requested, cuda, bf16, expected):
    assert resolve_precision(requested, cuda=cuda, cuda_bf16=bf16).name == expected


def test_fp16_without_gpu_is_refused():
    with pytest.raises(TrainingInputError, match="fp16 needs a CUDA GPU"):
        resolve_precision("fp16", cuda=False, cuda_bf16=False)


def test_qlora_problems_name_each_missing_piece():
    assert qlora_problems(cuda=True, bitsandbytes=True) == []
    assert qlora_problems(cuda=False, bitsandbytes=True) == [
        "no CUDA GPU is visible (torch.cuda.is_available() is False)"
    ]
    assert qlora_problems(cuda=True, bitsandbytes=False) == ["the bitsandbytes package is not installed"]
    assert len(qlora_problems(cuda=False, bitsandbytes=False)) == 2


def test_qlora_refusal_message_says_what_is_missing_and_what_to_do(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(training.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(TrainingInputError) as caught:
        training.check_qlora_supported()
    message = str(caught.value)
    assert "qlora: true" in message and "CUDA" in message and "bitsandbytes" in message
    assert "qlora: false" in message  # the way out
    assert isinstance(caught.value, ConfigError)  # so every step CLI prints it as `error: ...`, exit 2


# ---- checkpoints -------------------------------------------------------------------------------------------


def fake_checkpoint(folder: Path, step: int, skip: str | None = None, state: str | None = None) -> Path:
    """A checkpoint folder as transformers writes it; `skip` leaves one file out (a kill mid-save)."""
    path = folder / f"checkpoint-{step}"
    path.mkdir(parents=True)
    for name in ("adapter_model.safetensors", "optimizer.pt", "scheduler.pt", "rng_state.pth"):
        if name != skip:
            (path / name).write_bytes(b"x")
    if skip != "trainer_state.json":
        (path / "trainer_state.json").write_text(state or json.dumps({"global_step": step}))
    return path


def test_newest_complete_checkpoint_wins_over_partial_and_lexical_order(tmp_path):
    fake_checkpoint(tmp_path, 9)
    newest_valid = fake_checkpoint(tmp_path, 10)
    fake_checkpoint(tmp_path, 15, skip="optimizer.pt")  # killed while saving the optimizer
    fake_checkpoint(tmp_path, 20, skip="trainer_state.json")  # killed before the state (written last)
    fake_checkpoint(tmp_path, 25, state='{"global_st')  # killed while writing the state
    fake_checkpoint(tmp_path, 30, skip="rng_state.pth")
    assert find_resume_checkpoint(tmp_path) == newest_valid
    assert checkpoint_step(newest_valid) == 10
    assert checkpoint_step(tmp_path / "checkpoint-15") is None


def test_no_checkpoint_folder_means_start_fresh(tmp_path):
    assert find_resume_checkpoint(tmp_path / "missing") is None
    plan = plan_resume(tmp_path / "missing", "fp", "auto")
    assert plan.checkpoint is None and plan.step == 0


def test_auto_resumes_same_fingerprint_and_remembers_the_mlflow_run(tmp_path):
    record_checkpoint_owner(tmp_path, "fp-1", "run-abc")
    fake_checkpoint(tmp_path, 4)
    newest = fake_checkpoint(tmp_path, 8)
    plan = plan_resume(tmp_path, "fp-1", "auto")
    assert (plan.checkpoint, plan.step, plan.previous_run_id) == (newest, 8, "run-abc")


def test_changed_training_does_not_resume_and_stale_checkpoints_go(tmp_path):
    record_checkpoint_owner(tmp_path, "old-config", "run-old")
    fake_checkpoint(tmp_path, 8)
    (tmp_path / "notes.txt").write_text("not ours")
    plan = plan_resume(tmp_path, "new-config", "auto")
    assert plan.checkpoint is None and plan.step == 0
    assert not list(tmp_path.glob("checkpoint-*")) and not (tmp_path / FINGERPRINT_FILE).exists()
    assert (tmp_path / "notes.txt").exists()  # only tuneline's own files are removed


def test_resume_never_starts_over_and_an_explicit_path_must_be_complete(tmp_path):
    record_checkpoint_owner(tmp_path, "fp", None)
    fake_checkpoint(tmp_path, 8)
    partial = fake_checkpoint(tmp_path / "elsewhere", 3, skip="scheduler.pt")
    with pytest.raises(TrainingInputError, match="not a complete checkpoint"):
        plan_resume(tmp_path, "fp", str(partial))
    assert plan_resume(tmp_path, "fp", "never").checkpoint is None
    assert not list(tmp_path.glob("checkpoint-*"))


# ---- data split and training log ---------------------------------------------------------------------------


def rows(ids):
    return [
        {"id": i, "messages": [{"role": "user", "content": i}, {"role": "assistant", "content": i}]}
        for i in ids
    ]


def test_holdout_split_is_deterministic_disjoint_and_stable_when_rows_are_added():
    base = rows([f"r{i}" for i in range(100)])
    train, held = split_holdout(base, 0.1, seed=7)
    assert len(held) == 10 and len(train) == 90
    assert not {r["id"] for r in train} & {r["id"] for r in held}
    assert {r["id"] for r in split_holdout(list(reversed(base)), 0.1, seed=7)[1]} == {r["id"] for r in held}
    _, held_more = split_holdout(base + rows([f"new{i}" for i in range(10)]), 0.1, seed=7)
    assert len({r["id"] for r in held} & {r["id"] for r in held_more}) >= 8  # most stay held out
    assert split_holdout(base, 0.1, seed=8)[1] != held
    assert split_holdout(base, 0.0, seed=7) == (base, [])


def test_bad_conversation_lines_name_file_line_and_rule(tmp_path):
    path = tmp_path / "sft.jsonl"
    good = json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]})
    path.write_text(good + "\n" + json.dumps({"messages": [{"role": "user", "content": "q"}]}) + "\n")
    with pytest.raises(
        TrainingInputError, match=r"sft\.jsonl:2: `messages` must end with a message of role 'assistant'"
    ):
        read_conversations(path)
    path.write_text(good + "\n{oops\n")
    with pytest.raises(TrainingInputError, match=r"sft\.jsonl:2: not valid JSON"):
        read_conversations(path)


def test_training_log_has_one_row_per_step_with_step_first(tmp_path):
    history = [
        {"loss": 2.0, "learning_rate": 1e-4, "grad_norm": 1.0, "step": 1, "train_runtime": 3.0},
        {"eval_loss": 1.9, "step": 1},
        {"loss": 1.5, "learning_rate": 1e-4, "grad_norm": 0.5, "step": 2, "tokens_per_second": 90.0},
        {"loss": 1.4, "step": 2},  # the same step logged again after a resume: the later entry wins
        {"train_loss": 1.7, "step": 2},
    ]
    log_rows = training_log_rows(history)
    assert [r["step"] for r in log_rows] == [1, 2] and log_rows[1]["loss"] == 1.4
    assert "train_runtime" not in log_rows[0]  # cumulative values are not per-step points
    text = write_training_log(log_rows, tmp_path / "log.csv").read_text().splitlines()
    assert text[0].startswith("step,epoch,loss,learning_rate,grad_norm,tokens_per_second")
    assert len(text) == 3

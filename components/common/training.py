"""Training helpers shared by the fine-tuning steps (SFT now, DPO/RLHF later), generic over TRL trainer type.

    from trl import DPOConfig
    precision = resolve_precision(cfg.precision)                   # fp32 on CPU, bf16/fp16 on GPUs
    args = build_trainer_args(DPOConfig, cfg.trainer, precision=precision, output_dir=ckpts, seed=cfg.seed)
    model, tokenizer = load_base_for_training(base, precision, qlora=cfg.qlora)
    trainer = DPOTrainer(model, args=args, ..., peft_config=build_lora_config(cfg.lora))

The TRL config is embedded, not re-declared: a step's YAML `trainer:` mapping is checked against the TRL
config's dataclass fields (`check_trainer_keys`). QLoRA and precision are checked before any work. The
companions: `components.common.checkpoints` (find/resume checkpoints) and
`components.common.training_outputs` (MLflow per-step metrics, training log, loss curve, adapter folder).
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import gc
import importlib.util
import logging
import time
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from components.common.config import ConfigError, StepConfig

if TYPE_CHECKING:
    from peft import LoraConfig

    from components.common.base_model import ResolvedBase

log = logging.getLogger(__name__)

# TRL/transformers fields the project sets itself; the value says which tuneline setting to use instead.
TRAINER_RESERVED_KEYS: dict[str, str] = {
    "output_dir": "set `checkpoint_dir` (checkpoints) or `out_dir` (adapter, metrics)",
    "seed": "set the top-level `seed`",
    "bf16": "set `precision`",
    "fp16": "set `precision`",
    "resume_from_checkpoint": "set `resume` (auto | never | path to a checkpoint)",
    "report_to": "tuneline logs to MLflow itself (TUNELINE_TRACKING_URI)",
    "run_name": "set `run_name`",
    "trust_remote_code": "tuneline never runs code shipped with a model",
    "push_to_hub": "tuneline never pushes to a hub; register the adapter instead",
}


class TrainingInputError(ConfigError):
    """Training cannot start with these inputs (data, hardware asked for); raised before any work is done."""


class LoraSettings(StepConfig):
    """LoRA adapter shape: what is trained on top of the frozen base."""

    r: int = Field(8, ge=1, le=1024, description="Rank: higher = more capacity, bigger adapter, slower step.")
    alpha: int = Field(
        16, ge=1, description="Scale numerator (update is scaled by alpha / r); 2 x r is usual."
    )
    dropout: float = Field(
        0.05, ge=0.0, lt=1.0, description="Dropout on the LoRA input; regularises small data."
    )
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear",
        description="Module names to adapt (e.g. [q_proj, v_proj]) or all-linear (every linear but the LM head).",
    )
    bias: Literal["none", "all", "lora_only"] = Field("none", description="Which biases are trained too.")
    use_rslora: bool = Field(
        False, description="Rank-stabilised scaling alpha / sqrt(r); helps at high ranks."
    )
    layers_to_transform: list[int] | None = Field(
        None,
        description="Adapt only these decoder layers (None: all). The top layers only = no backward pass "
        "through the frozen ones below, so a faster step, with less capacity. Needs target_modules as a list.",
    )

    @model_validator(mode="after")
    def _layers_need_named_modules(self) -> LoraSettings:
        if self.layers_to_transform is not None and isinstance(self.target_modules, str):
            raise ValueError(
                "lora.layers_to_transform needs lora.target_modules as a list of module names (peft cannot "
                "combine it with 'all-linear'), e.g. [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, "
                "down_proj] for Llama-family models"
            )
        return self


def build_lora_config(lora: LoraSettings, task_type: str = "CAUSAL_LM") -> LoraConfig:
    """Map tuneline's LoRA settings to a peft LoraConfig (SEQ_CLS for reward models)."""
    from peft import LoraConfig

    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
        bias=lora.bias,
        use_rslora=lora.use_rslora,
        layers_to_transform=lora.layers_to_transform,
        task_type=task_type,
    )


def check_trainer_keys(
    values: Mapping[str, Any], config_cls: type, section: str = "trainer"
) -> dict[str, Any]:
    """Refuse keys that are not fields of the TRL config class or that tuneline sets itself; return the
    values with numbers written as text (`learning_rate=2e-4` on the command line) turned into numbers."""
    known = {f.name for f in dataclasses.fields(config_cls) if f.init}
    hints = typing.get_type_hints(config_cls)
    checked = {}
    for key, value in values.items():
        if key in TRAINER_RESERVED_KEYS:
            raise ConfigError(f"{section}.{key} is set by tuneline: {TRAINER_RESERVED_KEYS[key]}")
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"unknown key {section}.{key!r}: not a field of TRL {config_cls.__name__}{hint}"
            )
        checked[key] = _as_number(value, hints.get(key))
    return checked


def _as_number(value: Any, hint: Any) -> Any:
    """'2e-4' -> 2e-4 for float fields, '10' -> 10 for int fields; anything else is left for TRL to check."""
    if not isinstance(value, str):
        return value
    types = typing.get_args(hint) or (hint,)
    with contextlib.suppress(ValueError):
        if int in types and value.strip().lstrip("+-").isdigit():
            return int(value)
        if float in types:
            return float(value)
    return value


@dataclasses.dataclass(frozen=True)
class Precision:
    """Weights dtype and mixed-precision flags chosen for the hardware."""

    name: Literal["fp32", "bf16", "fp16"]

    @property
    def dtype(self) -> str:
        return {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}[self.name]


def resolve_precision(requested: str, cuda: bool | None = None, cuda_bf16: bool | None = None) -> Precision:
    """auto = bf16 on a GPU that supports it, fp16 on an older GPU, fp32 on CPU; fp16 needs a GPU."""
    import torch

    cuda = torch.cuda.is_available() if cuda is None else cuda
    cuda_bf16 = (cuda and torch.cuda.is_bf16_supported()) if cuda_bf16 is None else cuda_bf16
    if requested == "auto":
        return Precision("bf16" if cuda_bf16 else "fp16" if cuda else "fp32")
    if requested == "fp16" and not cuda:
        raise TrainingInputError("precision: fp16 needs a CUDA GPU; use fp32 (or bf16) on CPU")
    if requested not in ("fp32", "bf16", "fp16"):
        raise TrainingInputError(f"precision: {requested!r} is not one of auto, fp32, bf16, fp16")
    return Precision(requested)  # type: ignore[arg-type]


def qlora_problems(cuda: bool, bitsandbytes: bool) -> list[str]:
    """What this machine lacks for a 4-bit (QLoRA) base; empty when QLoRA can run."""
    problems = []
    if not cuda:
        problems.append("no CUDA GPU is visible (torch.cuda.is_available() is False)")
    if not bitsandbytes:
        problems.append("the bitsandbytes package is not installed")
    return problems


def check_qlora_supported() -> None:
    """Fail before any work when `qlora: true` cannot run here, saying what is missing and what to do."""
    import torch

    problems = qlora_problems(torch.cuda.is_available(), importlib.util.find_spec("bitsandbytes") is not None)
    if problems:
        raise TrainingInputError(
            "qlora: true loads the base model in 4 bits, which needs a CUDA GPU and bitsandbytes, but "
            + "; ".join(problems)
            + ". Set qlora: false to train a plain LoRA adapter (fp32 on CPU, bf16/fp16 on a GPU), "
            "or run on a CUDA machine with `pip install bitsandbytes`."
        )


def load_base_for_training(base: ResolvedBase, precision: Precision, qlora: bool = False):
    """Base model (frozen later by peft) in the chosen dtype, 4-bit NF4 when qlora; tokenizer with a pad token."""
    import torch

    kwargs: dict[str, Any] = {}
    if qlora:
        check_qlora_supported()
        from transformers import BitsAndBytesConfig

        compute = torch.bfloat16 if precision.name == "bf16" else torch.float16
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute,
        )
    model = base.load_model(dtype=precision.dtype, **kwargs)
    tokenizer = base.load_tokenizer()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def build_trainer_args(config_cls: type, trainer: Mapping[str, Any], *, precision: Precision, **project: Any):
    """The TRL config from the YAML `trainer:` mapping plus the values tuneline owns (output_dir, seed, ...).

    Without a GPU, `use_cpu` is on: it is what lets `torchrun`/`accelerate launch` run multi-process on
    CPU (gloo) and bf16 autocast on CPU; a single process trains the same either way.
    """
    values = {
        "include_num_input_tokens_seen": "non_padding",
        "use_cpu": not _has_accelerator(),
        **check_trainer_keys(trainer, config_cls),
        **project,
    }
    values.update(bf16=precision.name == "bf16", fp16=precision.name == "fp16", report_to="none")
    try:
        return config_cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"trainer: TRL {config_cls.__name__} refused these values: {exc}") from None


def _has_accelerator() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    xpu = getattr(torch, "xpu", None)
    return bool(torch.cuda.is_available() or (mps and mps.is_available()) or (xpu and xpu.is_available()))


@contextlib.contextmanager
def frozen_heap():
    """Train with every object alive now (modules, model, data) out of the cyclic garbage collector's sight.

    A training step makes many short-lived Python objects, so the collector runs often, and its full passes walk
    every tracked object: ~0.8 million in a `tuneline train` process (MLflow, pydantic, SQLAlchemy, TRL) against
    ~0.5 million in a bare TRL script. `gc.freeze()` leaves the long-lived ones out of those passes.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run_trainer(trainer, checkpoint=None) -> tuple[Any, float, float]:
    """`trainer.train()` (resuming from `checkpoint` when given) with the heap frozen; returns the trainer's
    output, wall seconds and CPU seconds (all threads: steadier than wall on a busy machine)."""
    with frozen_heap():
        started, cpu_started = time.perf_counter(), time.process_time()
        output = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        return output, time.perf_counter() - started, time.process_time() - cpu_started

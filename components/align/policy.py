"""The SFT policy alignment continues, and the held-out preference score it is judged by.

The SFT adapter is loaded onto its own base (pinned by content hash in its tuneline_adapter.json) as a
trainable PeftModel. TRL's DPO/KTO/GRPO trainers, given such a model, add a frozen copy of the adapter named
`ref` and use it as the reference policy: the reference is the SFT model and no second base is loaded.
Held-out preference accuracy is scored exactly as the evaluate step scores it (`completion_logprobs`:
summed answer log-probabilities after the chat-templated prompt), so the figures agree.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from components.common.base_model import ResolvedBase
from components.common.chat_model import AdapterRecord, ChatModel, ModelLoadError, adapter_base
from components.common.scoring import completion_logprobs
from components.common.training import Precision, TrainingInputError, load_base_for_training

SCORING_BATCH_SIZE = 8
REFERENCE_ADAPTER = "ref"  # the name TRL gives the frozen copy of the SFT adapter


@dataclasses.dataclass(frozen=True)
class SftAdapter:
    """The train step's adapter folder: where it is, its record, and the base it was trained on."""

    path: Path
    record: AdapterRecord
    base: ResolvedBase

    @property
    def run_id(self) -> str | None:
        return self.record.extra.get("mlflow_run_id")


def describe_sft_adapter(adapter_dir: str | Path) -> SftAdapter:
    """Check the folder is a tuneline causal-LM adapter and resolve its base (refusing a base mismatch)."""
    path = Path(adapter_dir)
    if not (path / "adapter_config.json").is_file():
        raise TrainingInputError(
            f"sft_adapter {path} is not an adapter folder (no adapter_config.json); run `tuneline train` first"
        )
    try:
        record = AdapterRecord.read(path)
        base = adapter_base(record, f"adapter {path}")
    except ModelLoadError as exc:
        raise TrainingInputError(f"sft_adapter: {exc}") from None
    return SftAdapter(path, record, base)


def load_sft_policy(sft: SftAdapter, precision: Precision, qlora: bool = False):
    """(trainable PeftModel carrying the SFT adapter as `default`, tokenizer saved with the adapter)."""
    from peft import PeftModel
    from transformers import AutoTokenizer

    model, tokenizer = load_base_for_training(sft.base, precision, qlora)
    if (sft.path / "tokenizer_config.json").is_file():
        tokenizer = AutoTokenizer.from_pretrained(sft.path)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
    task_type = json.loads((sft.path / "adapter_config.json").read_text()).get("task_type")
    if task_type not in (None, "CAUSAL_LM"):
        raise TrainingInputError(
            f"sft_adapter {sft.path} is a {task_type} adapter; alignment continues a causal-LM (CAUSAL_LM) one"
        )
    return PeftModel.from_pretrained(model, sft.path, is_trainable=True), tokenizer


def preference_scores(model, sft: SftAdapter, pairs: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """(log p(chosen), log p(rejected)) per pair under `model` as it is now (its active adapter)."""
    was_training = model.training
    chat = ChatModel(model, scoring_tokenizer(sft), sft.base, None, sft.record)  # sets eval mode
    prompts = [p["prompt"] for p in pairs]
    chosen = completion_logprobs(
        chat, prompts, [p["chosen"][-1]["content"] for p in pairs], SCORING_BATCH_SIZE
    )
    rejected = completion_logprobs(
        chat, prompts, [p["rejected"][-1]["content"] for p in pairs], SCORING_BATCH_SIZE
    )
    model.train(was_training)
    return [(c.logprob, r.logprob) for c, r in zip(chosen, rejected, strict=True)]


def scoring_tokenizer(sft: SftAdapter):
    """A fresh tokenizer (ChatModel switches it to left padding) from the adapter folder, else the base."""
    from transformers import AutoTokenizer

    source = sft.path if (sft.path / "tokenizer_config.json").is_file() else sft.base.path
    return AutoTokenizer.from_pretrained(source)


def preference_summary(
    before: list[tuple[float, float]], after: list[tuple[float, float]], beta: float | None
) -> dict[str, float]:
    """Held-out accuracy (chosen scored above rejected) of the SFT and aligned models, their mean margins, and
    with a reference (DPO/KTO/RLHF) the implicit reward beta * (log-ratio chosen - log-ratio rejected)."""
    n = len(after)
    summary = {
        "held_out_pairs": n,
        "sft_preference_accuracy": sum(c > r for c, r in before) / n,
        "aligned_preference_accuracy": sum(c > r for c, r in after) / n,
        "sft_preference_margin": sum(c - r for c, r in before) / n,
        "aligned_preference_margin": sum(c - r for c, r in after) / n,
    }
    if beta is not None:
        rewards = [beta * ((ca - cb) - (ra - rb)) for (cb, rb), (ca, ra) in zip(before, after, strict=True)]
        summary["held_out_reward_accuracy"] = sum(x > 0 for x in rewards) / n
        summary["held_out_reward_margin"] = sum(rewards) / n
    summary["preference_accuracy_gain"] = (
        summary["aligned_preference_accuracy"] - summary["sft_preference_accuracy"]
    )
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in summary.items()}


def drop_reference_adapter(model) -> None:
    """Remove TRL's frozen `ref` copy so the saved folder is one adapter over the original base."""
    if REFERENCE_ADAPTER in getattr(model, "peft_config", {}):
        model.set_adapter("default")
        model.delete_adapter(REFERENCE_ADAPTER)

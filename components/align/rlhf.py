"""RLHF in two stages with TRL 1.16: a reward model, then the SFT policy optimised against it.

1. Reward model: `trl.RewardTrainer` on the training pairs; the same base loaded as a sequence classifier with
   one output, LoRA (task_type SEQ_CLS, the score head trained in full). Its pairwise accuracy (reward of
   chosen > rejected) is measured on the held-out pairs and on its own training pairs. It is saved as an
   adapter folder with a tuneline_adapter.json (evaluate's `reward_model:` setting reads it) and logged to MLflow.
2. Policy: `trl.GRPOTrainer` samples `num_generations` answers per training prompt from the SFT policy, scores
   them with the reward model (merged into its base for speed) and updates the SFT adapter; with `beta > 0`
   TRL copies the SFT adapter into a frozen `ref` adapter and penalises the KL divergence to it.
"""

from __future__ import annotations

from typing import Any

from components.align.data import preference_dataset, prompt_dataset
from components.common.base_model import ResolvedBase
from components.common.training import LoraSettings, Precision, build_lora_config


def load_reward_base(base: ResolvedBase, precision: Precision, pad_token_id: int):
    """The base as a sequence classifier with a single (reward) output; its score head starts random."""
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(base.path, num_labels=1, dtype=precision.dtype)
    model.config.pad_token_id = pad_token_id  # the head reads the last non-pad token
    return model


def make_reward_trainer(model, tokenizer, args, lora: LoraSettings, train_pairs: list, callbacks: list):
    """RewardTrainer with a fresh SEQ_CLS LoRA adapter on the classifier base."""
    from trl import RewardTrainer

    return RewardTrainer(
        model=model,
        args=args,
        train_dataset=preference_dataset(train_pairs),
        processing_class=tokenizer,
        peft_config=build_lora_config(lora, task_type="SEQ_CLS"),
        callbacks=callbacks,
    )


def pairwise_accuracy(model, tokenizer, pairs: list) -> tuple[float, float]:
    """(share of pairs whose chosen answer gets the higher reward, mean reward margin), scored the way the
    evaluate step scores answers with a reward model (`RewardScorer`)."""
    from components.common.scoring import RewardScorer

    was_training = model.training
    scorer = RewardScorer(model, tokenizer)  # eval mode, right padding
    prompts = [p["prompt"] for p in pairs]
    chosen = scorer.score(prompts, [p["chosen"][-1]["content"] for p in pairs])
    rejected = scorer.score(prompts, [p["rejected"][-1]["content"] for p in pairs])
    model.train(was_training)
    margins = [c - r for c, r in zip(chosen, rejected, strict=True)]
    return sum(m > 0 for m in margins) / len(margins), sum(margins) / len(margins)


def reward_model_accuracy(model, tokenizer, train_pairs: list, eval_pairs: list) -> dict[str, float]:
    """Pairwise accuracy and mean margin on the held-out pairs and on the pairs it was trained on."""
    held_accuracy, held_margin = pairwise_accuracy(model, tokenizer, eval_pairs)
    seen_accuracy, seen_margin = pairwise_accuracy(model, tokenizer, train_pairs)
    return {
        "reward_model_held_out_accuracy": round(held_accuracy, 4),
        "reward_model_held_out_margin": round(held_margin, 4),
        "reward_model_train_accuracy": round(seen_accuracy, 4),
        "reward_model_train_margin": round(seen_margin, 4),
        "reward_model_eval_pairs": len(eval_pairs),
    }


def frozen_reward_function(trainer):
    """The trained reward model with LoRA merged in, frozen, for scoring sampled answers."""
    model = trainer.model.merge_and_unload().eval()
    for param in model.parameters():
        param.requires_grad_(False)
    return model


def make_grpo_trainer(
    policy, tokenizer, reward_model, reward_tokenizer, args, train_pairs: list, callbacks: list
) -> Any:
    """GRPOTrainer continuing the SFT adapter against the reward model (KL to the frozen SFT copy)."""
    from trl import GRPOTrainer

    return GRPOTrainer(
        model=policy,
        reward_funcs=reward_model,
        args=args,
        train_dataset=prompt_dataset(train_pairs),
        processing_class=tokenizer,
        reward_processing_classes=reward_tokenizer,
        callbacks=callbacks,
    )

"""Log-probability and reward scoring on top of ChatModel (the project's one model loader).

    scores = completion_logprobs(chat, prompts, answers, batch_size=8)   # [AnswerScore(logprob, tokens)]
    reward = RewardModelSource.describe("artifacts/reward/adapter"); reward.scorer().score(prompts, answers)

An answer is scored as the model would produce it: the text that the chat template puts after the
rendered prompt (`chat.render`, with the versioned system prompt) for that assistant turn, including the
end-of-turn marker, so perplexity also measures whether the model knows where to stop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from components.common.base_model import resolve_base_model
from components.common.chat_model import (
    AdapterRecord,
    ChatModel,
    ModelLoadError,
    adapter_base,
    weights_device,
)
from components.common.datasets import EvaluationInputError, Messages
from components.common.hashing import content_hash


@dataclass(frozen=True)
class AnswerScore:
    logprob: float  # sum of the answer tokens' log-probabilities (nats)
    tokens: int


def answer_text(chat: ChatModel, prompt: Messages, answer: str) -> str:
    """What follows the rendered prompt for this assistant answer (answer + end-of-turn marker)."""
    prompt_text = chat.render(prompt)
    conversation = [*chat.with_system_prompt(prompt), {"role": "assistant", "content": answer}]
    full = chat.tokenizer.apply_chat_template(conversation, tokenize=False)
    if full.startswith(prompt_text):
        return full[len(prompt_text) :].rstrip()
    return answer + (chat.tokenizer.eos_token or "")  # a template that re-renders earlier turns differently


def completion_logprobs(
    chat: ChatModel, prompts: list[Messages], answers: list[str], batch_size: int = 8, desc: str = "score"
) -> list[AnswerScore]:
    """Log-probability of each answer given its prompt; batched (right padding) in length order."""
    import torch

    tokenizer = chat.tokenizer
    items = []
    for prompt, answer in zip(prompts, answers, strict=True):
        prompt_ids = tokenizer(chat.render(prompt), add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(answer_text(chat, prompt, answer), add_special_tokens=False)["input_ids"]
        items.append((prompt_ids, answer_ids))
    order = sorted(range(len(items)), key=lambda i: len(items[i][0]) + len(items[i][1]))
    results: list[AnswerScore | None] = [None] * len(items)
    device = weights_device(chat.model)
    for start in tqdm(range(0, len(order), batch_size), desc=desc, unit="batch", leave=False):
        batch = order[start : start + batch_size]
        width = max(len(items[i][0]) + len(items[i][1]) for i in batch)
        input_ids = torch.full((len(batch), width), tokenizer.pad_token_id, dtype=torch.long)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        for row, i in enumerate(batch):
            sequence = items[i][0] + items[i][1]
            input_ids[row, : len(sequence)] = torch.tensor(sequence)
            attention[row, : len(sequence)] = 1
        with torch.inference_mode():
            logits = chat.model(input_ids=input_ids.to(device), attention_mask=attention.to(device)).logits
        for row, i in enumerate(batch):
            prompt_ids, answer_ids = items[i]
            if not answer_ids:
                results[i] = AnswerScore(0.0, 0)
                continue
            first = len(prompt_ids)
            logprobs = logits[row, first - 1 : first - 1 + len(answer_ids)].float().log_softmax(-1)
            picked = logprobs.gather(1, torch.tensor(answer_ids, device=logprobs.device)[:, None])
            results[i] = AnswerScore(float(picked.sum()), len(answer_ids))
    return [r for r in results if r is not None]


@dataclass
class RewardModelSource:
    """A reward model (sequence classifier with one output): identity known before loading."""

    path: Path
    fingerprint: str
    base_model: str | None
    _scorer: RewardScorer | None = field(default=None, repr=False)

    @classmethod
    def describe(cls, source: str) -> RewardModelSource:
        """A tuneline SEQ_CLS adapter folder (base from its record) or a full safetensors classifier folder."""
        path = Path(source)
        if (path / "adapter_config.json").is_file():
            try:
                record = AdapterRecord.read(path)
                base = adapter_base(record, f"adapter {path}")
            except ModelLoadError as exc:
                raise EvaluationInputError(f"reward_model: {exc}") from None
            return cls(path, f"{base.sha256[:32]}-{content_hash(path)[:32]}", record.base_model)
        if (path / "config.json").is_file() and any(path.glob("*.safetensors")):
            return cls(path, f"{content_hash(path)[:32]}-none", None)
        raise EvaluationInputError(
            f"reward_model {source!r} is neither a tuneline adapter folder nor a folder with config.json "
            "and *.safetensors weights"
        )

    def scorer(self) -> RewardScorer:
        if self._scorer is None:
            self._scorer = RewardScorer.load(self)
        return self._scorer

    def identity(self) -> dict[str, Any]:
        return {"source": str(self.path), "fingerprint": self.fingerprint, "base_model": self.base_model}


class RewardScorer:
    """Scores (prompt, answer) conversations with a reward model's scalar head."""

    def __init__(self, model, tokenizer):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "right"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model.config.pad_token_id = self.tokenizer.pad_token_id  # the head reads the last non-pad token

    @classmethod
    def load(cls, source: RewardModelSource) -> RewardScorer:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if source.base_model is None:
            model = AutoModelForSequenceClassification.from_pretrained(source.path, num_labels=1)
            return cls(model, AutoTokenizer.from_pretrained(source.path))
        from peft import PeftModel

        base = resolve_base_model(source.base_model)
        model = AutoModelForSequenceClassification.from_pretrained(base.path, num_labels=1, dtype="float32")
        model = PeftModel.from_pretrained(model, source.path)
        tokenizer_dir = source.path if (source.path / "tokenizer_config.json").is_file() else base.path
        return cls(model, AutoTokenizer.from_pretrained(tokenizer_dir))

    def score(self, prompts: list[Messages], answers: list[str], batch_size: int = 8) -> list[float]:
        """Reward of each answer to its prompt (the conversation rendered with the chat template)."""
        import torch

        texts = [
            self.tokenizer.apply_chat_template([*p, {"role": "assistant", "content": a}], tokenize=False)
            for p, a in zip(prompts, answers, strict=True)
        ]
        scores: list[float] = []
        for start in range(0, len(texts), batch_size):
            batch = self.tokenizer(
                texts[start : start + batch_size], return_tensors="pt", padding=True, add_special_tokens=False
            ).to(weights_device(self.model))
            with torch.inference_mode():
                logits = self.model(**batch).logits
            scores += [float(x) for x in logits[:, 0]]
        return scores

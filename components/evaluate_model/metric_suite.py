"""Compute every metric for one model's run with the project's local `evaluate` modules (metrics/).

    metrics, per_example, per_pair = model_metrics(run, examples, cfg)

`metrics` is flat name -> number (what the report, MLflow and the promotion policy read); `per_example`
holds the paired per-example scores (same order as the golden set) and `per_pair` the per-pair
preference outcomes (same order as the held-out pairs).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from components.common.datasets import GoldenExample
from components.evaluate_model.config import EvaluateConfig
from components.evaluate_model.runner import ModelRun

if TYPE_CHECKING:
    import evaluate

METRICS_DIR = Path(__file__).resolve().parent / "metrics"

# Direction of "better" for every number the report compares (absent: descriptive only, e.g. lengths).
HIGHER_IS_BETTER: dict[str, bool] = {
    "rouge_l": True,
    "rouge_l_precision": True,
    "rouge_l_recall": True,
    "token_f1": True,
    "exact_match": True,
    "perplexity": False,
    "nll_per_token": False,
    "reference_perplexity": False,
    "preference_accuracy": True,
    "preference_margin": True,
    "reward_score": True,
    "reward_min": True,
    "reward": True,
    "guardrail_rate": False,
    "pii_rate": False,
    "blocklist_rate": False,
    "guardrail_flag": False,
    "empty_answer_rate": False,
    "truncated_rate": False,
    "latency_s_per_answer": False,
    "tokens_per_second": True,
    "fact_accuracy": True,
    "fact_recall": True,
    "contradiction_rate": False,
    "unsupported_claim_rate": False,
}
FACT_METRICS = ("fact_accuracy", "fact_recall", "contradiction_rate")
TEXT_METRICS = ("rouge_l", "token_f1", "exact_match")


@functools.cache
def load_metric(name: str) -> evaluate.EvaluationModule:
    """One of this project's metric modules, loaded by path (works offline)."""
    import evaluate

    path = METRICS_DIR / name / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no metric module {path}")
    return evaluate.load(str(path), keep_in_memory=True)


def model_metrics(
    run: ModelRun, examples: list[GoldenExample], cfg: EvaluateConfig
) -> tuple[dict[str, float], dict[str, list], list[float]]:
    """(aggregate metrics, per-example scores, per-pair preference outcomes) for one model."""
    predictions = [a["text"] for a in run.answers]
    references = [e.reference for e in examples]
    metrics: dict[str, float] = {}
    per_example: dict[str, list] = {}
    for name in TEXT_METRICS:
        out = load_metric(name).compute(predictions=predictions, references=references)
        per_example[name] = out.pop("scores")
        metrics.update(out)
    metrics.update(_fact_metrics(predictions, examples, per_example))
    claims = load_metric("unsupported_claims").compute(predictions=predictions, references=references)
    per_example["unsupported_claim_rate"] = claims.pop("flags")
    per_example["unsupported_claims"] = claims.pop("claims")
    metrics.update(claims)
    if run.reference_scores:  # absent when reference_perplexity is off
        ppl = load_metric("perplexity").compute(
            nll_sums=[-s["logprob"] for s in run.reference_scores],
            token_counts=[s["tokens"] for s in run.reference_scores],
        )
        per_example["reference_perplexity"] = ppl.pop("scores")
        metrics.update(ppl)
    guard = load_metric("guardrail_rate").compute(predictions=predictions, **cfg.guardrail.model_dump())
    per_example["guardrail_flag"] = guard.pop("flags")
    per_example["guardrail_reasons"] = guard.pop("reasons")
    metrics.update(guard)
    length = load_metric("answer_length").compute(
        predictions=predictions,
        completion_tokens=[a["completion_tokens"] for a in run.answers],
        finish_reasons=[a["finish_reason"] for a in run.answers],
    )
    per_example["answer_words"] = length.pop("words")
    metrics.update(length)
    metrics.update(
        load_metric("generation_speed").compute(
            batch_seconds=[b["seconds"] for b in run.batches],
            batch_sizes=[b["size"] for b in run.batches],
            batch_tokens=[b["completion_tokens"] for b in run.batches],
        )
    )
    per_pair: list[float] = []
    if run.pair_scores:
        chosen, rejected = _pair_values(run.pair_scores, cfg.preference_score)
        pref = load_metric("preference_accuracy").compute(chosen_scores=chosen, rejected_scores=rejected)
        per_pair = pref.pop("scores")
        metrics.update(pref)
    if run.rewards is not None:
        reward = load_metric("reward_score").compute(scores=run.rewards)
        per_example["reward"] = reward.pop("scores")
        metrics.update(reward)
    return {k: float(v) for k, v in metrics.items()}, per_example, per_pair


def _fact_metrics(
    predictions: list[str], examples: list[GoldenExample], per_example: dict[str, list]
) -> dict[str, float]:
    """fact_accuracy / fact_recall / contradiction_rate when every golden row declares key facts; else none
    (a golden set without `key_facts` still gets unsupported_claim_rate)."""
    if not examples or not all(e.key_facts for e in examples):
        return {}
    out = load_metric("fact_check").compute(
        predictions=predictions,
        key_facts=[list(e.key_facts) for e in examples],
        wrong_facts=[list(e.wrong_facts) for e in examples],
    )
    per_example["fact_accuracy"] = out.pop("fact_accuracy_scores")
    per_example["fact_recall"] = out.pop("fact_recall_scores")
    per_example["contradiction_rate"] = out.pop("contradiction_flags")
    per_example["facts_hit"], per_example["facts_missed"] = out.pop("hits"), out.pop("misses")
    per_example["wrong_facts_stated"] = out.pop("wrong")
    return out


def _pair_values(pairs: list[dict[str, Any]], how: str) -> tuple[list[float], list[float]]:
    def value(pair: dict[str, Any], side: str) -> float:
        logprob, tokens = pair[f"{side}_logprob"], pair[f"{side}_tokens"]
        return logprob / max(tokens, 1) if how == "mean" else logprob

    return [value(p, "chosen") for p in pairs], [value(p, "rejected") for p in pairs]

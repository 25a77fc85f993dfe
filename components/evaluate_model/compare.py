"""Candidate versus champion: paired bootstrap of every per-example metric, win/tie/loss, slices, rows.

Deltas are always candidate - champion in the metric's own units; `higher_is_better` says which sign is an
improvement, and win/tie/loss follow it.
"""

from __future__ import annotations

from typing import Any

from components.common.datasets import GoldenExample
from components.evaluate_model.config import EvaluateConfig
from components.evaluate_model.metric_suite import FACT_METRICS, HIGHER_IS_BETTER
from components.evaluate_model.stats import outcomes, paired_bootstrap, slice_results, win_tie_loss

# per-example scores with a paired interval (the fact metrics first: they decide for a support assistant)
PAIRED_METRICS = (
    *FACT_METRICS,
    "unsupported_claim_rate",
    "rouge_l",
    "token_f1",
    "exact_match",
    "reference_perplexity",
    "guardrail_flag",
    "reward",
)
# what each row of the report shows per model: those scores plus the facts and claims behind them
ROW_FIELDS = (
    *PAIRED_METRICS,
    "facts_hit",
    "facts_missed",
    "wrong_facts_stated",
    "unsupported_claims",
    "answer_words",
)


def paired_section(
    cand: dict[str, list],
    champ: dict[str, list],
    cand_pairs: list[float],
    champ_pairs: list[float],
    cfg: EvaluateConfig,
) -> dict[str, dict[str, Any]]:
    """Bootstrap + win/tie/loss for each per-example metric both models have (and per-pair preference)."""
    series = {m: (cand[m], champ[m]) for m in PAIRED_METRICS if m in cand and m in champ}
    if cand_pairs and champ_pairs:
        series["preference_correct"] = (cand_pairs, champ_pairs)
    section = {}
    for name, (c, h) in series.items():
        higher = HIGHER_IS_BETTER.get(name, name == "preference_correct")
        boot = paired_bootstrap(c, h, cfg.bootstrap_resamples, cfg.bootstrap_seed, cfg.confidence)
        section[name] = {
            "candidate": sum(c) / len(c),
            "champion": sum(h) / len(h),
            **boot.as_dict(),
            "higher_is_better": higher,
            **win_tie_loss(c, h, cfg.tie_tolerance, higher),
        }
    return section


def primary_section(paired: dict[str, dict[str, Any]], cfg: EvaluateConfig) -> dict[str, Any]:
    """What the promotion decision reads: the primary metric's delta, interval and win/tie/loss."""
    entry = paired[cfg.primary_metric]
    keep = (
        "candidate",
        "champion",
        "ci_low",
        "ci_high",
        "confidence",
        "resamples",
        "seed",
        "n",
        "win",
        "tie",
        "loss",
    )
    return {
        "metric": cfg.primary_metric,
        "delta": entry["mean_delta"],
        **{k: entry[k] for k in keep},
        "share_at_or_below_zero": entry["share_at_or_below_zero"],
    }


def slices_section(
    examples: list[GoldenExample], cand: dict[str, list], champ: dict[str, list], cfg: EvaluateConfig
) -> dict:
    metric = cfg.primary_metric
    results = slice_results(
        [e.category for e in examples],
        cand[metric],
        champ[metric],
        cfg.bootstrap_resamples,
        cfg.bootstrap_seed,
        cfg.confidence,
        cfg.tie_tolerance,
    )
    return {"by": "category", "metric": metric, "results": results}


def example_rows(
    examples: list[GoldenExample],
    cand_answers: list[dict[str, Any]],
    champ_answers: list[dict[str, Any]],
    cand: dict[str, list],
    champ: dict[str, list],
    cfg: EvaluateConfig,
) -> list[dict[str, Any]]:
    """One row per golden example: question, reference, both answers, both models' scores, outcome."""
    metric = cfg.primary_metric
    verdicts = outcomes(cand[metric], champ[metric], cfg.tie_tolerance)

    def scores(per_example: dict[str, list], answers: list[dict[str, Any]], i: int) -> dict[str, Any]:
        values = {f: per_example[f][i] for f in ROW_FIELDS if f in per_example}
        values["guardrail_reasons"] = per_example["guardrail_reasons"][i]
        return {
            **values,
            "prompt_tokens": answers[i]["prompt_tokens"],
            "completion_tokens": answers[i]["completion_tokens"],
            "finish_reason": answers[i]["finish_reason"],
        }

    return [
        {
            "id": e.id,
            "category": e.category,
            "question": e.question,
            "reference": e.reference,
            "champion_answer": champ_answers[i]["text"],
            "candidate_answer": cand_answers[i]["text"],
            "champion": scores(champ, champ_answers, i),
            "candidate": scores(cand, cand_answers, i),
            "delta": cand[metric][i] - champ[metric][i],
            "outcome": verdicts[i],
        }
        for i, e in enumerate(examples)
    ]

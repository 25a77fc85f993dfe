"""Evaluate a candidate against the champion on the golden set; write the report the promotion step reads.

    python -m components.evaluate_model --config configs/evaluate.yaml          (dvc stage `evaluate`)
    tuneline evaluate --config configs/evaluate.yaml candidate=artifacts/train/adapter champion=auto

Both models answer the same golden prompts with one recorded generation config (greedy by default);
answers and log-prob scores are cached by (model fingerprint, data hash, settings), so re-evaluating an
unchanged champion loads no model and generates nothing. Metrics come from the local `evaluate` modules in
metrics/; the comparison is a paired bootstrap of the primary metric plus win/tie/loss and per-category
slices. The verdict is not decided here (see components/register/decision.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components.common.base_model import resolve_base_model
from components.common.datasets import (
    EvaluationInputError,
    golden_set_hash,
    pairs_hash,
    read_golden,
    read_held_out_pairs,
)
from components.common.scoring import RewardModelSource
from components.common.tracking import step_run
from components.evaluate_model.cache import ResultCache
from components.evaluate_model.compare import example_rows, paired_section, primary_section, slices_section
from components.evaluate_model.config import EvaluateConfig
from components.evaluate_model.metric_suite import FACT_METRICS, HIGHER_IS_BETTER, model_metrics
from components.evaluate_model.report import log_to_mlflow, write_outputs
from components.evaluate_model.runner import EvalInputs, ModelRun, evaluate_one
from components.evaluate_model.sources import ModelSource, describe_source, resolve_champion

REPORT_FORMAT = 1


def resolved_generation(cfg: EvaluateConfig, candidate: ModelSource) -> dict[str, Any]:
    """The candidate's versioned defaults overridden by every non-null config value; used for both models."""
    overrides = {k: v for k, v in cfg.generation.model_dump().items() if v is not None}
    return {**candidate.generation_defaults, **overrides}


def run(cfg: EvaluateConfig) -> dict[str, Any]:
    """Evaluate candidate and champion, write the outputs, log one MLflow run; returns the summary."""
    with torch_threads(cfg.num_threads):
        return _run(cfg)


@contextlib.contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Use `count` torch CPU threads inside the block (None: leave as is), then restore."""
    if count is None:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def check_primary_metric(cfg: EvaluateConfig, examples: list) -> None:
    """A fact-based primary metric needs declared key facts on every golden row: say which row lacks them."""
    if cfg.primary_metric not in FACT_METRICS:
        return
    lacking = next((e for e in examples if not e.key_facts), None)
    if lacking is not None:
        raise EvaluationInputError(
            f"{cfg.golden_file}: row {lacking.id!r} has no `key_facts`, which primary_metric="
            f"{cfg.primary_metric} needs on every row (data/README.md); declare them, or use "
            "primary_metric=rouge_l (unsupported_claim_rate still guards facts without them)"
        )


def _run(cfg: EvaluateConfig) -> dict[str, Any]:
    started = time.perf_counter()
    examples = read_golden(cfg.golden_file, cfg.max_examples)
    check_primary_metric(cfg, examples)
    candidate = describe_source(cfg.candidate, "candidate")
    pairs = (
        read_held_out_pairs(
            cfg.preference_file,
            cfg.preference_eval_fraction,
            cfg.preference_split_seed,
            candidate.held_out_pair_ids,
        )
        if cfg.preference_file
        else []
    )
    champion = resolve_champion(cfg.champion, candidate, cfg.base_model)
    inputs = EvalInputs(
        examples=examples,
        golden_hash=golden_set_hash(examples),
        pairs=pairs,
        pairs_hash=pairs_hash(pairs) if pairs else None,
        generation=resolved_generation(cfg, candidate),
        batch_size=cfg.batch_size,
        scoring_batch_size=cfg.scoring_batch_size,
        merge_adapter=cfg.merge_adapter,
        continuous_batching=cfg.continuous_batching,
        reward=RewardModelSource.describe(cfg.reward_model) if cfg.reward_model else None,
        score_references=cfg.reference_perplexity,
    )
    resolve_seconds = time.perf_counter() - started
    cache = ResultCache(cfg.cache_dir, enabled=cfg.use_cache)
    data_files = [f for f in (cfg.golden_file, cfg.preference_file) if f]
    tags = {
        "evaluate.candidate": candidate.label,
        "evaluate.candidate_fingerprint": candidate.fingerprint,
        "evaluate.champion": champion.label,
        "evaluate.champion_fingerprint": champion.fingerprint,
        "evaluate.champion_version": champion.registry_version or "",
    }
    base = resolve_base_model(candidate.base_model)
    with step_run(
        "evaluate", cfg, base=base, data_files=data_files, run_name=cfg.run_name, extra_tags=tags
    ) as mlrun:
        cand_run = evaluate_one(candidate, inputs, cache)
        candidate.release()  # one model in memory at a time
        reused = champion.fingerprint == candidate.fingerprint  # e.g. re-evaluating the champion itself
        if reused:
            champ_run = dataclasses.replace(cand_run, source=champion, seconds={"total": 0.0})
        else:
            champ_run = evaluate_one(champion, inputs, cache)
            champion.release()
        metrics_started = time.perf_counter()
        report = build_report(cfg, inputs, cand_run, champ_run)
        report["wall_seconds"] = {
            "resolve": round(resolve_seconds, 3),
            "candidate": cand_run.seconds,
            "champion": champ_run.seconds,
            "metrics": round(time.perf_counter() - metrics_started, 3),
            "total": round(time.perf_counter() - started, 3),
        }
        report["mlflow_run_id"] = mlrun.info.run_id
        primary_deltas = [r["delta"] for r in report["examples"]]
        paths = write_outputs(report, primary_deltas, cfg.out_dir)
        log_to_mlflow(report, paths)
    return summary(report, paths, time.perf_counter() - started)


def build_report(
    cfg: EvaluateConfig, inputs: EvalInputs, cand_run: ModelRun, champ_run: ModelRun
) -> dict[str, Any]:
    """The whole evaluation as one JSON-able dict (keys described in components/evaluate_model/report.py)."""
    examples = inputs.examples
    cand_metrics, cand_pe, cand_pairs = model_metrics(cand_run, examples, cfg)
    champ_metrics, champ_pe, champ_pairs = model_metrics(champ_run, examples, cfg)
    paired = paired_section(cand_pe, champ_pe, cand_pairs, champ_pairs, cfg)
    shared = sorted(set(cand_metrics) & set(champ_metrics))
    categories: dict[str, int] = {}
    for e in examples:
        categories[e.category] = categories.get(e.category, 0) + 1
    return {
        "format": REPORT_FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "primary": primary_section(paired, cfg),
        "candidate": _model_section(cand_run, cand_metrics),
        "champion": _model_section(champ_run, champ_metrics),
        "same_model": cand_run.source.fingerprint == champ_run.source.fingerprint,
        "deltas": {m: cand_metrics[m] - champ_metrics[m] for m in shared},
        "higher_is_better": {m: HIGHER_IS_BETTER[m] for m in shared if m in HIGHER_IS_BETTER},
        "paired": paired,
        "slices": slices_section(examples, cand_pe, champ_pe, cfg),
        "generation": {
            **inputs.generation,
            "batch_size": inputs.batch_size,
            "merge_adapter": inputs.merge_adapter,
            "continuous_batching": inputs.continuous_batching,
        },
        "golden_set": {
            "file": cfg.golden_file,
            "hash": inputs.golden_hash,
            "n": len(examples),
            "categories": categories,
        },
        "preference_set": _preference_section(cfg, inputs, cand_run.source),
        "reward_model": inputs.reward.identity() if inputs.reward else None,
        "guardrail": cfg.guardrail.model_dump(),
        "examples": example_rows(examples, cand_run.answers, champ_run.answers, cand_pe, champ_pe, cfg),
    }


def _model_section(run: ModelRun, metrics: dict[str, float]) -> dict[str, Any]:
    return {
        **run.source.identity(),
        "metrics": metrics,
        "cache_hits": run.cache_hits,
        "generation_cache_key": run.generation_key,
    }


def _preference_section(
    cfg: EvaluateConfig, inputs: EvalInputs, candidate: ModelSource
) -> dict[str, Any] | None:
    if not cfg.preference_file:
        return None
    recorded = bool(candidate.held_out_pair_ids)
    return {
        "file": cfg.preference_file,
        "split_from": "the candidate's adapter record (pairs its alignment held out)"
        if recorded
        else "evaluate's config (preference_eval_fraction, preference_split_seed): the candidate records none",
        "eval_fraction": None if recorded else cfg.preference_eval_fraction,
        "split_seed": None if recorded else cfg.preference_split_seed,
        "score": cfg.preference_score,
        "n_pairs": len(inputs.pairs),
        "hash": inputs.pairs_hash,
        "pair_ids": [p.id for p in inputs.pairs],
    }


def summary(report: dict[str, Any], paths: dict[str, Path], seconds: float) -> dict[str, Any]:
    """What the CLI prints: the headline comparison and where everything went."""
    return {
        "primary": report["primary"],
        "candidate": report["candidate"]["label"],
        "champion": report["champion"]["label"],
        "champion_resolution": report["champion"]["resolution"],
        "cache_hits": {
            "candidate": report["candidate"]["cache_hits"],
            "champion": report["champion"]["cache_hits"],
        },
        "mlflow_run_id": report["mlflow_run_id"],
        "outputs": {k: str(v) for k, v in paths.items()},
        "wall_seconds": round(seconds, 2),
    }

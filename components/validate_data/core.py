"""Validate SFT, preference and evaluation data: the pipeline's first gate; nothing trains on data that fails.

    python -m components.validate_data --config configs/validate_data.yaml
    tuneline validate --config configs/validate_data.yaml pii_action=redact preference_file=null

Reads each JSONL file line by line (loading.py), scans for personal data (pii.py), computes one feature
column per rule (features.py), asserts them with great-expectations suites (suites.py), judges the
observations against the configured thresholds (verdict.py) and writes report.json, summary.txt, the
Data Docs site and a metrics file (report.py). `run` also logs to MLflow when tracking is configured and
raises DataValidationError (exit status 2, after the report is written) when a blocking rule fails.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from components.common.base_model import ResolvedBase, resolve_base_model
from components.common.config import ConfigError
from components.common.hashing import file_sha256
from components.common.jsonl import LoadedFile, read_jsonl
from components.common.pii import PiiFinding, redact_record
from components.common.step import StepFailed
from components.validate_data.config import ValidateDataConfig
from components.validate_data.features import build_frames
from components.validate_data.report import DESCRIPTIONS, build_report, file_entry, write_report
from components.validate_data.semantic import SEMANTIC_RULE, SemanticResult, semantic_check
from components.validate_data.suites import run_suites
from components.validate_data.verdict import Observation, Policy, decide

STEP = "validate_data"


class DataValidationError(StepFailed):
    """At least one blocking rule failed; the message is the human summary, the report is on disk."""


@functools.lru_cache(maxsize=4)
def _tokenizer(path: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


def token_counter(base: ResolvedBase):
    """A function: conversations -> token counts of their chat-template rendering (None: cannot render)."""
    tokenizer = _tokenizer(base.path)

    def count(conversations: list[list[dict[str, str]]]) -> list[int | None]:
        texts: list[str | None] = []
        for conversation in conversations:
            try:
                texts.append(tokenizer.apply_chat_template(conversation, tokenize=False))
            except Exception:  # a template may reject a role it does not know; reported per row
                texts.append(None)
        rendered = [t for t in texts if t is not None]
        ids = iter(tokenizer(rendered, add_special_tokens=False)["input_ids"] if rendered else [])
        return [None if t is None else len(next(ids)) for t in texts]

    return count


def check_inputs(cfg: ValidateDataConfig) -> dict[str, str]:
    """Configured input files; a missing file or an unknown rule in warn_only is a config error."""
    unknown = sorted(set(cfg.warn_only) - set(DESCRIPTIONS))
    if unknown:
        raise ConfigError(
            f"warn_only names unknown rules {unknown}; known: {', '.join(sorted(DESCRIPTIONS))}"
        )
    files = cfg.input_files()
    for kind, path in files.items():
        if not Path(path).is_file():
            raise ConfigError(f"{kind}_file {path} does not exist (set {kind}_file=null to skip that kind)")
    return files


def scan_pii(
    loaded: LoadedFile, cfg: ValidateDataConfig
) -> tuple[dict[int, list[PiiFinding]], dict[int, dict[str, Any]]]:
    """Personal data found per line, and the redacted record of each line where some was found."""
    findings: dict[int, list[PiiFinding]] = {}
    redacted: dict[int, dict[str, Any]] = {}
    for line, record in loaded.records:
        copy, found = redact_record(record, cfg.pii_kinds, cfg.allowed_email_domains)
        if found:
            findings[line], redacted[line] = found, copy
    return findings, redacted


def write_redacted(loaded: LoadedFile, redacted: dict[int, dict[str, Any]], target: Path) -> None:
    """A cleaned copy: changed lines re-serialised, every other line byte-for-byte as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        for line in sorted(loaded.raw_lines):
            if line in redacted:
                out.write(json.dumps(redacted[line], ensure_ascii=False).encode("utf-8") + b"\n")
            else:
                out.write(loaded.raw_lines[line] + b"\n")


def handle_pii(
    loaded: dict[str, LoadedFile], files: dict[str, str], cfg: ValidateDataConfig, redacted_dir: Path
) -> tuple[dict[str, dict[int, list[PiiFinding]]], list[dict[str, Any]], dict[str, str]]:
    """Findings per kind and line, the change list, and (pii_action=redact) the cleaned copies written."""
    inputs_inside = any(Path(p).resolve().is_relative_to(redacted_dir.resolve()) for p in files.values())
    if not inputs_inside:  # copies from an earlier run would look current; never delete an input
        shutil.rmtree(redacted_dir, ignore_errors=True)
    pii, redactions, redacted_files = {}, [], {}
    for kind, file in loaded.items():
        pii[kind], redacted = scan_pii(file, cfg)
        redactions += [
            {"file": files[kind], "line": line, "field": f.field, "kind": f.kind, "masked": f.masked}
            for line, found in sorted(pii[kind].items())
            for f in found
        ]
        if cfg.pii_action == "redact":
            target = redacted_dir / Path(files[kind]).name
            if target.resolve() == Path(files[kind]).resolve():
                raise ConfigError(f"redacting {files[kind]} would overwrite it: choose another out_dir")
            write_redacted(file, redacted, target)
            redacted_files[kind] = str(target)
    return pii, redactions, redacted_files


def policy_of(cfg: ValidateDataConfig) -> Policy:
    return Policy(
        max_tokens=cfg.max_tokens,
        max_duplicate_rate=cfg.max_duplicate_rate,
        length_bias_min=cfg.length_bias_min,
        length_bias_max=cfg.length_bias_max,
        length_bias_min_pairs=cfg.length_bias_min_pairs,
        pii_action=cfg.pii_action,
        semantic_action=cfg.semantic_action,
        warn_only=frozenset(cfg.warn_only),
    )


def _without_training_note(
    observations: list[Observation], loaded: dict[str, LoadedFile]
) -> list[Observation]:
    if "golden" not in loaded or {"sft", "preference"} & set(loaded):
        return observations
    note = "not checked: no training file configured (sft_file and preference_file are null)"
    return [replace(o, note=note) if o.rule == "golden.contamination" else o for o in observations]


def check_semantics(
    cfg: ValidateDataConfig, loaded: dict[str, LoadedFile], hashes: dict[str, str]
) -> SemanticResult:
    """Embedding-based contamination and near-duplicates (semantic.py), unless off or nothing to compare."""
    if cfg.semantic_action == "off":
        return SemanticResult(skipped="not checked: semantic_action=off")
    if not {"sft", "preference"} & set(loaded):
        return SemanticResult(skipped="not checked: no training file configured")
    return semantic_check(loaded, hashes, cfg)


def _with_semantic(observations: list[Observation], semantic: SemanticResult) -> list[Observation]:
    """The semantic rule says why it was not checked: it could not be (error) or was not asked to (note)."""
    if semantic.error is None and semantic.skipped is None:
        return observations
    change = {"error": semantic.error} if semantic.error else {"note": semantic.skipped}
    return [replace(o, **change) if o.rule == SEMANTIC_RULE else o for o in observations]


def validate(cfg: ValidateDataConfig) -> dict[str, Any]:
    """Validate the configured files and write the report; returns it (never raises on bad data)."""
    started = time.perf_counter()
    files = check_inputs(cfg)
    out_dir = Path(cfg.out_dir)
    loaded = {kind: read_jsonl(path, keep_raw=cfg.pii_action == "redact") for kind, path in files.items()}
    pii, redactions, redacted_files = handle_pii(loaded, files, cfg, out_dir / "redacted")
    timings = {"load_s": time.perf_counter() - started}
    base = resolve_base_model(cfg.base_model) if {"sft", "preference"} & set(loaded) else None
    count_tokens = token_counter(base) if base else None
    timings["tokenizer_s"] = time.perf_counter() - started - timings["load_s"]
    mark = time.perf_counter()
    hashes = {kind: file_sha256(path) for kind, path in files.items()}
    semantic = check_semantics(cfg, loaded, hashes)
    timings["semantic_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    frames = build_frames(
        loaded, cfg.allowed_roles, pii, count_tokens, cfg.max_prompt_jaccard, semantic.problems
    )
    timings["features_s"] = time.perf_counter() - mark
    docs_dir = out_dir / "data_docs" if cfg.data_docs else None
    observations, ge_timings = run_suites(frames, files, cfg, docs_dir)
    observations = _with_semantic(_without_training_note(observations, loaded), semantic)
    verdicts = [decide(o, policy_of(cfg)) for o in observations]
    timings.update(ge_timings)
    timings["total_s"] = time.perf_counter() - started
    extra = {
        "redacted_files": redacted_files,
        "data_docs": str(docs_dir / "index.html") if docs_dir else None,
        "base_model": base.lineage() if base else None,
        "config": cfg.model_dump(mode="json"),
        "timings": {key: round(value, 3) for key, value in timings.items()},
        "semantic": semantic.section or {"skipped": semantic.skipped or semantic.error},
        "notes": semantic.notes,
        "semantic_metrics": semantic.metrics,
    }
    file_info = {kind: file_entry(files[kind], f, hashes[kind]) for kind, f in loaded.items()}
    report = build_report(observations, verdicts, file_info, redactions, extra)
    paths = write_report(report, out_dir, Path(cfg.metrics_file) if cfg.metrics_file else None)
    report["paths"] = {key: str(path) for key, path in paths.items()}
    return report


def should_log(cfg: ValidateDataConfig) -> bool:
    """Explicit config wins; otherwise log only when a tracking server/store is configured."""
    if cfg.log_to_mlflow is not None:
        return cfg.log_to_mlflow
    return bool(os.environ.get("TUNELINE_TRACKING_URI"))


def log_to_mlflow(cfg: ValidateDataConfig, report: dict[str, Any]) -> str:
    """One MLflow run: config params, lineage tags, headline metrics, report + Data Docs as artifacts."""
    import mlflow

    from components.common.tracking import step_run
    from components.validate_data.report import headline_metrics

    base = resolve_base_model(cfg.base_model) if report["base_model"] else None
    tags = {"validation.passed": str(report["passed"]).lower()}
    with step_run(STEP, cfg, base=base, data_files=list(cfg.input_files().values()), extra_tags=tags) as run:
        mlflow.log_metrics(headline_metrics(report))
        mlflow.log_artifact(report["paths"]["report"], STEP)
        mlflow.log_artifact(report["paths"]["summary"], STEP)
        if report["data_docs"]:
            mlflow.log_artifacts(str(Path(report["data_docs"]).parent), f"{STEP}/data_docs")
    return run.info.run_id


def run(cfg: ValidateDataConfig) -> dict[str, Any]:
    """Validate, log, print the human summary; raise DataValidationError when a blocking rule fails."""
    report = validate(cfg)
    run_id = log_to_mlflow(cfg, report) if should_log(cfg) else None
    head = (
        f"data validation {'passed' if report['passed'] else 'FAILED'}: {report['blocking_failures']} "
        f"blocking, {report['warnings']} warnings (report: {report['paths']['report']})"
    )
    if not report["passed"]:
        raise DataValidationError("\n".join([head, *report["summary"]]))
    print("\n".join([head, *report["summary"], *report["notes"]]), file=sys.stderr)
    return {
        "passed": report["passed"],
        "warnings": report["warnings"],
        "records": {kind: info["records"] for kind, info in report["files"].items()},
        "redactions": len(report["redactions"]),
        "redacted_files": report["redacted_files"],
        "data_docs": report["data_docs"],
        **report["paths"],
        "seconds": report["timings"]["total_s"],
        "mlflow_run_id": run_id,
    }

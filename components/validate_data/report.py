"""The validation report: report.json (every expectation with observed values and failing lines),
summary.txt (the human summary) and a flat metrics file for `dvc metrics show` and MLflow.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from components.common.jsonl import LoadedFile
from components.validate_data.rules import RULES
from components.validate_data.verdict import Observation, RuleVerdict, passed, summary_lines

DESCRIPTIONS = {f"{kind}.{rule.name}": rule.description for kind, rules in RULES.items() for rule in rules}


def rule_entry(obs: Observation, verdict: RuleVerdict) -> dict[str, Any]:
    """One rule's record in report.json."""
    return {
        "rule": obs.rule,
        "file": obs.file,
        "description": DESCRIPTIONS.get(obs.rule, ""),
        "status": verdict.status,
        "blocking": verdict.blocking,
        "message": verdict.message,
        "expectation": obs.expectation,
        "ge_success": obs.ge_success,
        "rows": obs.rows,
        "unexpected_count": obs.unexpected,
        "unexpected_lines": list(obs.lines),
        "observed_value": obs.observed,
        "examples": [{"line": line, "problem": problem} for line, problem in obs.examples],
    }


def file_entry(path: str, loaded: LoadedFile, sha256: str) -> dict[str, Any]:
    return {
        "path": path,
        "sha256": sha256,
        "lines": loaded.line_count,
        "records": len(loaded.records),
        "unparseable_lines": sorted(loaded.parse_errors),
    }


def build_report(
    observations: list[Observation],
    verdicts: list[RuleVerdict],
    files: Mapping[str, dict[str, Any]],
    redactions: list[dict[str, Any]],
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """The whole report as one JSON-ready dict."""
    return {
        "passed": passed(verdicts),
        "blocking_failures": sum(v.status == "fail" for v in verdicts),
        "warnings": sum(v.status == "warn" for v in verdicts),
        "summary": summary_lines(verdicts),
        "files": dict(files),
        "rules": [rule_entry(o, v) for o, v in zip(observations, verdicts, strict=True)],
        "redactions": redactions,
        **extra,
    }


def headline_metrics(report: Mapping[str, Any]) -> dict[str, float]:
    """Flat numbers worth a trend line: verdict counts, rows, and each rule's failing-row count."""
    metrics: dict[str, float] = {
        "passed": float(report["passed"]),
        "blocking_failures": float(report["blocking_failures"]),
        "warnings": float(report["warnings"]),
        "redactions": float(len(report["redactions"])),
    }
    for kind, info in report["files"].items():
        metrics[f"{kind}.records"] = float(info["records"])
    metrics.update(report.get("semantic_metrics") or {})  # nearest-training cosine spread, near-duplicates
    for entry in report["rules"]:
        metrics[f"{entry['rule']}.unexpected"] = float(entry["unexpected_count"])
        if entry["observed_value"] is not None and entry["rule"].endswith(".length_bias"):
            metrics["preference.chosen_longer_share"] = round(entry["observed_value"], 4)
        if entry["rule"].endswith(".duplicates") and entry["rows"]:
            metrics[f"{entry['rule'].split('.')[0]}.duplicate_rate"] = round(
                entry["unexpected_count"] / entry["rows"], 4
            )
    return metrics


def write_report(report: Mapping[str, Any], out_dir: Path, metrics_file: Path | None) -> dict[str, Path]:
    """Write report.json, summary.txt and the metrics file; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"report": out_dir / "report.json", "summary": out_dir / "summary.txt"}
    paths["report"].write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    verdict = "PASSED" if report["passed"] else "FAILED"
    head = f"data validation {verdict}: {report['blocking_failures']} blocking, {report['warnings']} warnings"
    lines = [head, *report["summary"], *report.get("notes", [])]  # notes: INFO lines (semantic spread)
    paths["summary"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    if metrics_file is not None:
        metrics_file.parent.mkdir(parents=True, exist_ok=True)
        metrics = headline_metrics(report)
        metrics_file.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        paths["metrics"] = metrics_file
    return paths

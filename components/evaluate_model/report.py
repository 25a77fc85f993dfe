"""Write the evaluation's outputs and log them to MLflow.

eval_report.json (format 1) holds:
  primary        metric, delta (candidate - champion), ci_low/ci_high, confidence, resamples, seed, n,
                 win/tie/loss, both means: what `tuneline promote` decides on
  candidate, champion   source, label, fingerprint, base model + sha256, adapter/method, registry uri and
                 version (if any), how it was resolved, metrics (flat name -> number), cache hits
  deltas, higher_is_better   candidate - champion for every shared metric, and which sign is better
  paired         per-example metrics (and per-pair preference): bootstrap interval + win/tie/loss each
  slices         the primary metric per golden-set category, with its own interval and win/tie/loss
  generation, golden_set, preference_set, reward_model, guardrail   the settings and data identities
  examples       one row per prompt: question, reference, both answers, both models' scores, outcome
  wall_seconds, mlflow_run_id

Files in out_dir: eval_report.json (everything), metrics.json (DVC metrics: headline numbers),
side_by_side.csv (prompt / reference / champion answer / candidate answer, the primary metric, and per model
the key facts hit and missed, wrong facts stated and unsupported claims), comparison.png.
MLflow (the step's run): metrics candidate.* / champion.* / delta.* / primary.* / slice.*, the side-by-side
table (`mlflow.log_table`, side_by_side.json), the chart and the report as artifacts.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any

SIDE_BY_SIDE_COLUMNS = ("id", "category", "question", "reference", "champion_answer", "candidate_answer")
FACT_COLUMNS = (
    "facts_hit",
    "facts_missed",
    "wrong_facts_stated",
    "unsupported_claims",
)  # per model, "; "-joined


def side_by_side(report: dict[str, Any]) -> dict[str, list]:
    """Columns of the side-by-side table (also what mlflow.log_table receives)."""
    rows = report["examples"]
    metric = report["primary"]["metric"]
    table: dict[str, list] = {column: [r[column] for r in rows] for column in SIDE_BY_SIDE_COLUMNS}
    table[f"champion_{metric}"] = [round(r["champion"][metric], 4) for r in rows]
    table[f"candidate_{metric}"] = [round(r["candidate"][metric], 4) for r in rows]
    table["outcome"] = [r["outcome"] for r in rows]
    for role in ("champion", "candidate"):
        for field in FACT_COLUMNS:
            if rows and field in rows[0][role]:
                table[f"{role}_{field}"] = ["; ".join(r[role][field]) for r in rows]
    return table


def dvc_metrics(report: dict[str, Any]) -> dict[str, Any]:
    """metrics.json for `dvc metrics show/diff`: the primary comparison and both models' numbers."""
    keep = ("delta", "ci_low", "ci_high", "candidate", "champion", "win", "tie", "loss")
    primary = report["primary"]
    return {
        f"primary_{primary['metric']}": {k: primary[k] for k in keep},
        "candidate": report["candidate"]["metrics"],
        "champion": report["champion"]["metrics"],
        "delta": report["deltas"],
    }


def write_outputs(report: dict[str, Any], deltas: list[float], out_dir: str | Path) -> dict[str, Path]:
    """All files of the step, each written atomically."""
    from components.evaluate_model.plots import comparison_chart

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "report": _atomic_text(
            out / "eval_report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        ),
        "metrics": _atomic_text(
            out / "metrics.json", json.dumps(dvc_metrics(report), indent=2, sort_keys=True) + "\n"
        ),
        "side_by_side": _write_csv(out / "side_by_side.csv", side_by_side(report)),
    }
    paths["chart"] = comparison_chart(report, deltas, out / "comparison.png")
    return paths


def mlflow_metrics(report: dict[str, Any]) -> dict[str, float]:
    """Flat metric names for MLflow."""
    flat: dict[str, float] = {}
    for role in ("candidate", "champion"):
        flat.update({f"{role}.{k}": v for k, v in report[role]["metrics"].items()})
    flat.update({f"delta.{k}": v for k, v in report["deltas"].items()})
    primary = report["primary"]
    for key in ("delta", "ci_low", "ci_high", "win", "tie", "loss", "share_at_or_below_zero"):
        flat[f"primary.{key}"] = primary[key]
    for name, result in report["slices"]["results"].items():
        flat[f"slice.{_safe(name)}.delta"] = result["delta"]
    flat["wall_seconds.total"] = report["wall_seconds"]["total"]
    return {k: float(v) for k, v in flat.items() if isinstance(v, int | float) and v == v}


def log_to_mlflow(report: dict[str, Any], paths: dict[str, Path]) -> None:
    """Metrics, the side-by-side table, the chart and the report into the active run."""
    import mlflow

    mlflow.log_metrics(mlflow_metrics(report))
    mlflow.log_table(data=side_by_side(report), artifact_file="side_by_side.json")
    for key in ("report", "metrics", "chart", "side_by_side"):
        mlflow.log_artifact(str(paths[key]))


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _write_csv(path: Path, table: dict[str, list]) -> Path:
    columns = list(table)
    rows = [dict(zip(columns, values, strict=True)) for values in zip(*table.values(), strict=True)]
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)
    return path


def _atomic_text(path: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path

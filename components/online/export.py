"""`tuneline feedback export`: feedback in the request log -> validated preference pairs in data/feedback/.

    tuneline feedback export --config configs/online.yaml
    tuneline feedback export --config configs/online.yaml export.since_hours=24 export.exclude=[fb-1a2b3c4d5e6f7a8b]

Builds pairs from the log (pairs.py), drops those already exported (same id in any feedback file) or
excluded, and runs the new ones through the data gate of components/validate_data with the thresholds of
configs/validate_data.yaml. A blocking failure writes nothing and exits with status 2, naming each failing
line with its pair id and the completions it came from. Passing pairs go to a new file
`<feedback_dir>/pairs-<UTC time>.jsonl`; inside a DVC repo with dvc on PATH that file is `dvc add`-ed.
The align step adds every pair in feedback_dir to its training pairs (never to the held-out split).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components.align.data import feedback_files
from components.common.config import load_config
from components.common.jsonl import read_jsonl
from components.common.step import StepFailed
from components.online.config import OnlineConfig, since
from components.online.logs import read_requests
from components.online.pairs import Pair, build_pairs, completion_ids
from components.validate_data.config import ValidateDataConfig
from components.validate_data.core import validate


class FeedbackRejected(StepFailed):
    """The data gate refused the new pairs; nothing was written."""


def exported_ids(feedback_dir: Path) -> set[str]:
    """Ids of the pairs already in the feedback folder: the files the align step reads (a file DVC tracks
    but this checkout lacks is an error: exporting without it would write its pairs again)."""
    ids: set[str] = set()
    for file in feedback_files(feedback_dir):
        ids.update(str(record.get("id")) for _, record in read_jsonl(file).records)
    return ids


def write_jsonl(pairs: list[Pair], path: Path) -> None:
    """Write atomically: a half-written file must never look like exported pairs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    os.replace(tmp, path)


def gate_config(cfg: OnlineConfig, candidates: Path, out_dir: Path) -> ValidateDataConfig:
    """The data gate's own config, pointed at the candidate pairs (golden_file kept for contamination)."""
    return load_config(
        ValidateDataConfig,
        cfg.export.validate_config,
        cfg.export.validate_overrides,
        sft_file=None,
        preference_file=str(candidates),
        out_dir=str(out_dir),
        metrics_file=None,
        data_docs=False,
        log_to_mlflow=False,
    )


def rejection_message(report: dict[str, Any], candidates: Path, pairs: list[Pair]) -> str:
    """The gate's summary, plus which pair and completions each failing line of the candidates is."""
    lines = [
        f"feedback export refused by the data gate; nothing written (report: {report['paths']['report']})"
    ]
    lines += report["summary"]
    failing = sorted(
        {
            line
            for rule in report["rules"]
            if rule["blocking"] and Path(rule["file"]) == candidates
            for line in rule["unexpected_lines"]
        }
    )
    for line in failing:
        pair = pairs[line - 1]
        sources = ", ".join(sorted(completion_ids(pair)))
        lines.append(f"  {candidates.name}:{line} = pair {pair['id']} from completion(s) {sources}")
    lines.append("fix the feedback, or leave pairs out with export.exclude=[<pair or completion id>, ...]")
    return "\n".join(lines)


def run_gate(cfg: OnlineConfig, pairs: list[Pair]) -> tuple[list[Pair], dict[str, Any]]:
    """Validate the candidates; returns the pairs to write (redacted when the gate redacts) and the report."""
    work = Path(cfg.out_dir) / "export"
    candidates = work / "candidates.jsonl"
    write_jsonl(pairs, candidates)
    report = validate(gate_config(cfg, candidates, work / "validation"))
    if not report["passed"]:
        raise FeedbackRejected(rejection_message(report, candidates, pairs))
    redacted = report["redacted_files"].get("preference")
    if redacted:
        pairs = [record for _, record in read_jsonl(redacted).records]
    return pairs, report


def dvc_root(path: Path) -> Path | None:
    """The nearest folder at or above `path` holding a `.dvc` directory."""
    for folder in [path.resolve(), *path.resolve().parents]:
        if (folder / ".dvc").is_dir():
            return folder
    return None


def dvc_track(file: Path, mode: str) -> str:
    """`dvc add` the new file (one .dvc file per export; see dvc.yaml for why not the whole folder)."""
    root = dvc_root(file.parent)
    if mode == "never" or root is None or shutil.which("dvc") is None:
        return "skipped: " + (
            "dvc: never" if mode == "never" else "no DVC repo" if root is None else "no dvc"
        )
    done = subprocess.run(
        ["dvc", "add", str(file.resolve().relative_to(root))], cwd=root, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise StepFailed(f"wrote {file}, but `dvc add` failed:\n{done.stderr.strip() or done.stdout.strip()}")
    return f"added: {file}.dvc"


def new_file_name(feedback_dir: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path, n = feedback_dir / f"pairs-{stamp}.jsonl", 1
    while path.exists():
        n += 1
        path = feedback_dir / f"pairs-{stamp}-{n}.jsonl"
    return path


def select_new(pairs: list[Pair], done: set[str], exclude: set[str]) -> list[Pair]:
    """Pairs not exported before and not excluded (by pair id or by any completion they came from)."""
    return [p for p in pairs if p["id"] not in done and not ({p["id"]} | completion_ids(p)) & exclude]


def run(cfg: OnlineConfig) -> dict[str, Any]:
    """Export new feedback pairs; returns counts and the file written (None when nothing is new)."""
    rows = read_requests(cfg.log_url(), since=since(cfg.export.since_hours))
    feedback_dir = Path(cfg.export.feedback_dir)
    built = build_pairs(rows, cfg.export.system_prompt)
    new = select_new(built, exported_ids(feedback_dir), set(cfg.export.exclude))
    result: dict[str, Any] = {
        "requests": len(rows),
        "feedback": sum(r["feedback_at"] is not None for r in rows),
        "pairs_built": len(built),
        "pairs_new": len(new),
        "file": None,
    }
    if not new:
        return result
    pairs, report = run_gate(cfg, new)
    target = new_file_name(feedback_dir)
    write_jsonl(pairs, target)
    result.update(file=str(target), warnings=report["warnings"], dvc=dvc_track(target, cfg.export.dvc))
    if result["dvc"].startswith("added"):
        result["next"] = f"git add {target}.dvc {feedback_dir}/.gitignore && dvc push"
    return result

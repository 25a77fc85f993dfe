"""`tuneline report online`: how each served version does with real users, and canary vs champion.

    tuneline report online --config configs/online.yaml
    tuneline report online --config configs/online.yaml report.window_hours=24 report.use_registry=false

Per version (all routes it answered on): requests, p50/p95 latency, feedback rate (requests with any
feedback), rated answers, up-vote share = up / (up + down) with a Wilson interval, and the challenger's
up-vote share minus the champion's with Newcombe's interval (stats.py). Writes
<out_dir>/online_report.json, prints a table, logs a run in the tuneline experiment, and sets online.* tags
on the challenger's model version (OnlineEvidence in components/register/decision.py), which
`tuneline promote` reads when the policy has require_online_evidence: true.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from components.common.step import StepFailed
from components.online.config import OnlineConfig, since
from components.online.logs import read_requests
from components.online.stats import newcombe_difference, percentile, wilson_interval
from components.register.decision import OnlineEvidence

Row = dict[str, Any]


def version_stats(rows: list[Row], confidence: float = 0.95) -> dict[str, Any]:
    """The numbers of one version's rows."""
    up = sum(r.get("rating") == "up" for r in rows)
    down = sum(r.get("rating") == "down" for r in rows)
    latencies = [float(r["latency_ms"]) for r in rows if r.get("latency_ms") is not None]
    with_feedback = sum(r.get("feedback_at") is not None for r in rows)
    low, high = wilson_interval(up, up + down, confidence)
    return {
        "requests": len(rows),
        "routes": dict(sorted(Counter(r["route"] for r in rows).items())),
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "feedback": with_feedback,
        "feedback_rate": with_feedback / len(rows) if rows else None,
        "up": up,
        "down": down,
        "rated": up + down,
        "upvote_share": up / (up + down) if up + down else None,
        "upvote_lower": low,
        "upvote_upper": high,
    }


def by_version(rows: list[Row], confidence: float = 0.95) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[str(row["version"])].append(row)
    return {version: version_stats(group, confidence) for version, group in sorted(groups.items())}


def busiest(rows: list[Row], routes: tuple[str, ...]) -> str | None:
    """The version that answered most rows on `routes` (ties: the higher version number)."""
    counts = Counter(str(r["version"]) for r in rows if r["route"] in routes)
    if not counts:
        return None
    return max(counts, key=lambda v: (counts[v], int(v) if v.isdigit() else -1, v))


def pick_versions(
    rows: list[Row], champion: str | None, challenger: str | None, aliases: dict[str, str | None]
) -> tuple[str | None, str | None]:
    """Explicit versions win, then registry aliases, then what the log says (routes)."""
    champion = champion or aliases.get("champion") or busiest(rows, ("champion",))
    challenger = challenger or aliases.get("challenger") or busiest(rows, ("canary", "shadow"))
    return champion, (None if challenger == champion else challenger)


def comparison(
    versions: dict[str, dict[str, Any]], champion: str | None, challenger: str | None, confidence: float
) -> dict[str, Any] | None:
    """Challenger minus champion up-vote share with its interval; None when either has no rated answer."""
    if champion not in versions or challenger not in versions:
        return None
    a, b = versions[challenger], versions[champion]
    diff = newcombe_difference(a["up"], a["rated"], b["up"], b["rated"], confidence)
    if diff is None:
        return None
    return {
        "challenger": challenger,
        "champion": champion,
        "delta": diff[0],
        "lower": diff[1],
        "upper": diff[2],
    }


def build_report(
    rows: list[Row], champion: str | None, challenger: str | None, confidence: float, window: dict[str, Any]
) -> dict[str, Any]:
    """The whole report as a JSON-ready dict (pure: rows and chosen versions in)."""
    versions = by_version(rows, confidence)
    return {
        "window": window,
        "confidence": confidence,
        "champion": champion,
        "challenger": challenger,
        "versions": versions,
        "comparison": comparison(versions, champion, challenger, confidence),
    }


def evidence(report: dict[str, Any], run_id: str = "") -> OnlineEvidence | None:
    """The challenger's online evidence (what the promotion policy reads), or None without a challenger."""
    challenger = report["challenger"]
    if challenger not in report["versions"]:
        return None
    stats, diff = report["versions"][challenger], report["comparison"] or {}
    return OnlineEvidence(
        rated=stats["rated"],
        upvote_share=stats["upvote_share"],
        delta=diff.get("delta"),
        delta_lower=diff.get("lower"),
        delta_upper=diff.get("upper"),
        requests=stats["requests"],
        report_run_id=run_id,
    )


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def render_table(report: dict[str, Any]) -> str:
    """A plain-text table, one line per version, then the comparison."""
    roles = {report["champion"]: "champion", report["challenger"]: "challenger"}
    head = f"{'version':<9}{'role':<12}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'fb rate':>9}{'rated':>7}  up-vote share (95% CI)"
    lines = [head]
    for version, s in report["versions"].items():
        share = f"{_num(s['upvote_share'], '.3f')} [{s['upvote_lower']:.3f}, {s['upvote_upper']:.3f}]"
        lines.append(
            f"{version:<9}{roles.get(version, ''):<12}{s['requests']:>9}{_num(s['latency_ms_p50'], '.0f'):>9}"
            f"{_num(s['latency_ms_p95'], '.0f'):>9}{_num(s['feedback_rate'], '.1%'):>9}{s['rated']:>7}  {share}"
        )
    diff = report["comparison"]
    if diff:
        lines.append(
            f"challenger v{diff['challenger']} - champion v{diff['champion']} up-vote share: {diff['delta']:+.3f} "
            f"[{diff['lower']:+.3f}, {diff['upper']:+.3f}]"
        )
    else:
        lines.append("no canary-vs-champion comparison: both need rated answers in the window")
    return "\n".join(lines)


def registry_aliases(cfg: OnlineConfig) -> dict[str, str | None]:
    from components.register import registry

    name, r = cfg.registered_model_name, cfg.report
    return {
        "champion": registry.alias_version(name, r.champion_alias),
        "challenger": registry.alias_version(name, r.challenger_alias),
    }


def log_to_mlflow(cfg: OnlineConfig, report: dict[str, Any], path: Path) -> str:
    """One run in the tuneline experiment: per-version metrics and the report file."""
    import mlflow

    from components.common.tracking import step_run

    tags = {"online.champion": str(report["champion"]), "online.challenger": str(report["challenger"])}
    with step_run("report_online", cfg, extra_tags=tags) as run:
        for version, stats in report["versions"].items():
            numbers = {k: v for k, v in stats.items() if isinstance(v, int | float) and v is not None}
            mlflow.log_metrics({f"v{version}.{k}": float(v) for k, v in numbers.items()})
        if report["comparison"]:
            mlflow.log_metrics({f"delta.{k}": report["comparison"][k] for k in ("delta", "lower", "upper")})
        mlflow.log_artifact(str(path))
    return run.info.run_id


def tag_challenger(cfg: OnlineConfig, report: dict[str, Any], run_id: str) -> dict[str, str]:
    """Set online.* tags on the challenger's version; returns them ({} without a challenger)."""
    from components.register import registry

    found = evidence(report, run_id)
    if found is None:
        return {}
    from mlflow.exceptions import MlflowException

    tags = found.to_tags() | {"online.champion_version": str(report["champion"] or "")}
    client, name = registry.client(), cfg.registered_model_name
    try:
        for key, value in tags.items():
            client.set_model_version_tag(name, report["challenger"], key, value)
    except MlflowException as exc:
        raise StepFailed(f"report written, but tagging {name} v{report['challenger']} failed: {exc}") from exc
    return tags


def run(cfg: OnlineConfig) -> dict[str, Any]:
    """Build, write, print, log and tag the online report; returns its path, run id and the tags set."""
    now = time.time()
    start = since(cfg.report.window_hours, now)
    rows = read_requests(cfg.log_url(), since=start, until=now)
    aliases = registry_aliases(cfg) if cfg.report.use_registry else {}
    champion, challenger = pick_versions(
        rows, cfg.report.champion_version, cfg.report.challenger_version, aliases
    )
    window = {"since": start, "until": now, "hours": cfg.report.window_hours}
    report = build_report(rows, champion, challenger, cfg.report.confidence, window)
    path = Path(cfg.out_dir) / "online_report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(render_table(report), file=sys.stderr)
    run_id = log_to_mlflow(cfg, report, path) if cfg.report.log_to_mlflow else ""
    tags = tag_challenger(cfg, report, run_id) if cfg.report.use_registry else {}
    return {
        "report": str(path),
        "champion": champion,
        "challenger": challenger,
        "mlflow_run_id": run_id or None,
        "tags": tags,
    }

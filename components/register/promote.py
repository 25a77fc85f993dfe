"""Promotion, approval, forced moves and rollback of the `champion` alias; listing versions.

    tuneline promote                                  # decide on @challenger with configs/promote.yaml
    tuneline promote --approve 7 --reason "reviewed the side-by-side table"
    tuneline promote --force --version 7 --reason "hotfix for the refund policy answer"
    tuneline rollback --reason "complaints about QN-401 answers"
    tuneline models

The verdict is `decide_promotion` (pure); this module reads the registry, calls it, and moves aliases. The alias
lock is held from reading `champion` through the decision to the move, so a concurrent promotion waits and then
decides on what this one left (see registry.py and alias_lock.py). Under that lock, promote and rollback first
reconcile a champion moved outside tuneline (the MLflow UI) by `ui_promotion` in the config (ui_promotion.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components.common.registry_io import STATE_TAG
from components.register import registry, ui_promotion
from components.register.alias_lock import HeldLock
from components.register.config import PromoteConfig
from components.register.decision import Comparison, Decision, OnlineEvidence, decide_promotion


class PromotionError(RuntimeError):
    """Promotion or rollback cannot proceed as asked; nothing was changed."""


def comparison_from_report(report: dict[str, Any]) -> Comparison:
    """Reduce an evaluation report (components/evaluate_model) to what the decision needs."""
    primary = report["primary"]
    return Comparison(
        primary_metric=primary["metric"],
        delta=float(primary["delta"]),
        ci_low=float(primary["ci_low"]),
        ci_high=float(primary["ci_high"]),
        candidate={
            k: float(v) for k, v in report["candidate"]["metrics"].items() if isinstance(v, int | float)
        },
        champion={
            k: float(v) for k, v in report["champion"]["metrics"].items() if isinstance(v, int | float)
        },
        champion_label=str(report["champion"].get("label") or report["champion"].get("source") or "champion"),
        intervals={
            name: (float(entry["ci_low"]), float(entry["ci_high"]))
            for name, entry in report.get("paired", {}).items()
            if "ci_low" in entry and "ci_high" in entry
        },
    )


def version_report(name: str, version: str) -> dict[str, Any]:
    """The evaluation report stored with a version (in its registration run)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    mv = registry.client().get_model_version(name, version)
    try:
        return mlflow.artifacts.load_dict(f"runs:/{mv.run_id}/eval_report.json")
    except (MlflowException, OSError) as exc:
        raise PromotionError(
            f"{name} v{version} has no evaluation report; evaluate it before promoting"
        ) from exc


def promote(
    cfg: PromoteConfig,
    version: str | None = None,
    approve: bool = False,
    force: bool = False,
    reason: str = "",
) -> dict[str, Any]:
    """Decide on `version` (default: the challenger) and move `champion` if the decision allows."""
    name = cfg.registered_model_name
    if (approve or force) and not reason.strip():
        raise PromotionError("--approve and --force need --reason: the audit log records why")
    with registry.alias_lock(name) as lock:
        found = reconcile_ui_moves(cfg, lock)
        ui = ui_summary(found)
        version = version or registry.alias_version(name, cfg.challenger_alias)
        if version is None:
            raise PromotionError(
                f"{name} has no @{cfg.challenger_alias} version to promote; register one first"
            )
        tags = registry.client().get_model_version(name, version).tags
        if tags.get(STATE_TAG) == "incomplete":
            raise PromotionError(f"{name} v{version}: its registration never finished; it cannot be promoted")
        champion = registry.alias_version(name, cfg.champion_alias)
        if champion == version:  # still a decision: DVC's promote stage and the KFP task expect its file
            result = {
                "version": version,
                "status": "already_champion",
                "reasons": [f"v{version} is already champion"],
                **ui,
            }
            registry.write_json(Path(cfg.out_dir) / "decision.json", result)
            return result
        decision = decide_promotion(
            comparison_from_report(version_report(name, version)),
            cfg.policy,
            approved_by=f"{registry.actor()} ({reason.strip()})" if approve else None,
            force_reason=reason if force else None,
            online=OnlineEvidence.from_tags(tags),
        )
        record_decision(name, version, decision)
        result = {"version": version, "previous_champion": champion, **asdict(decision), **ui}
        if decision.promote:
            if found.serve and champion and found.serve != champion:  # at a UI move `audit` refused
                why = f"v{champion} was set outside tuneline and refused; back to v{found.serve} before promoting"
                registry.move_alias(name, cfg.champion_alias, found.serve, champion, "revert", why, lock=lock)
                champion = result["previous_champion"] = found.serve  # what a rollback returns to
            action = {"forced": "force", "approved": "approve"}.get(decision.status, "promote")
            move = registry.move_alias(
                name,
                cfg.champion_alias,
                version,
                champion,
                action,
                reason or "; ".join(decision.reasons),
                extra={"decision": asdict(decision)},
                lock=lock,
            )
            result["moved_at"] = move.at
    registry.write_json(Path(cfg.out_dir) / "decision.json", result)
    return result


def reconcile_ui_moves(cfg: PromoteConfig, lock: HeldLock) -> ui_promotion.Reconciled:
    """Publish the `ui_promotion` policy for serving, then record and act on a champion moved outside tuneline
    (under the caller's alias lock)."""
    ui_promotion.publish_policy(cfg.registered_model_name, cfg.ui_promotion)
    return ui_promotion.reconcile(cfg.registered_model_name, cfg.champion_alias, cfg.ui_promotion, lock=lock)


def ui_summary(found: ui_promotion.Reconciled) -> dict[str, Any]:
    """{"ui_promotion": what was found and done} for the result, when a move made outside tuneline was handled."""
    return {"ui_promotion": found.to_dict()} if found.recorded or found.reverted else {}


def gate(cfg: PromoteConfig, report: Path) -> str:
    """The promotion policy applied to an evaluation report before anything is registered (the pipeline's
    gate): "pass" or "fail". Waiting for a person's approval or for online evidence (which needs the version
    registered and served) passes; `promote` records that wait."""
    report = report / "eval_report.json" if report.is_dir() else report
    decision = decide_promotion(comparison_from_report(json.loads(report.read_text())), cfg.policy)
    print("\n".join([f"gate: {decision.status}", *decision.reasons]))
    return (
        "pass" if decision.status in ("promote", "awaiting_approval", "awaiting_online_evidence") else "fail"
    )


def record_decision(name: str, version: str, decision: Decision) -> None:
    c = registry.client()
    c.set_model_version_tag(name, version, "promotion.status", decision.status)
    c.set_model_version_tag(name, version, "promotion.reasons", json.dumps(decision.reasons)[:4900])


def rollback(cfg: PromoteConfig, reason: str) -> dict[str, Any]:
    """Move `champion` back to the version it replaced (recorded when it was promoted)."""
    name = cfg.registered_model_name
    with registry.alias_lock(name) as lock:
        found = reconcile_ui_moves(cfg, lock)
        current = registry.alias_version(name, cfg.champion_alias)
        if current is None:
            raise PromotionError(f"{name} has no @{cfg.champion_alias}: nothing to roll back")
        tags = registry.client().get_model_version(name, current).tags
        previous = tags.get(f"{cfg.champion_alias}.previous")
        if found.serve and found.serve != current:  # at a UI move the policy refused: back to what is served
            previous = found.serve
        if not previous:
            raise PromotionError(
                f"{name} v{current} was the first champion; there is no earlier one to roll back to"
            )
        move = registry.move_alias(
            name, cfg.champion_alias, previous, current, "rollback", reason or "rollback", lock=lock
        )
    return {
        "version": previous,
        "previous_champion": current,
        "status": "rolled_back",
        "moved_at": move.at,
        **ui_summary(found),
    }


def list_versions(name: str) -> list[dict[str, Any]]:
    """Versions newest first: aliases (from the registered model: a version search returns none), creation
    time (UTC), training method, the primary metric's change against the champion it was evaluated with and
    its interval, and the gate's decision (`promotion.status`, once `tuneline promote` judged it)."""
    client = registry.client()
    aliases: dict[str, list[str]] = {}
    for alias, version in client.get_registered_model(name).aliases.items():
        aliases.setdefault(str(version), []).append(alias)
    rows = []
    for mv in sorted(
        client.search_model_versions(f"name = '{name}'"), key=lambda v: int(v.version), reverse=True
    ):
        tags = mv.tags
        metric = tags.get("eval.primary_metric")
        primary = None
        if metric:
            primary = {"metric": metric, "champion": tags.get("eval.champion", "")}
            primary |= {
                k: float(tags[f"eval.{k}"]) for k in ("delta", "ci_low", "ci_high") if f"eval.{k}" in tags
            }
        rows.append(
            {
                "version": str(mv.version),
                "aliases": sorted(aliases.get(str(mv.version), [])),
                "created": datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC).isoformat(
                    timespec="seconds"
                ),
                "method": tags.get("training.method", ""),
                "primary": primary,
                "decision": tags.get("promotion.status"),
            }
        )
    return rows


def versions_table(rows: list[dict[str, Any]]) -> str:
    """`tuneline models` for a person: one line per version."""

    def primary(p: dict | None) -> str:
        if not p or "delta" not in p:
            return "-"
        interval = f" [{p['ci_low']:+.3f}, {p['ci_high']:+.3f}]" if "ci_low" in p and "ci_high" in p else ""
        return f"{p['metric']} {p['delta']:+.3f}{interval} vs {p['champion'] or '?'}"

    table = [("version", "aliases", "created (UTC)", "method", "primary vs champion [95% CI]", "decision")]
    for r in rows:
        created = r["created"].replace("T", " ").removesuffix("+00:00")
        row = (
            r["version"],
            ",".join(r["aliases"]) or "-",
            created,
            r["method"] or "-",
            primary(r["primary"]),
        )
        table.append((*row, r["decision"] or "not judged"))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in table
    )

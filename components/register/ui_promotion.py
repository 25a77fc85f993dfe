"""Alias moves made outside tuneline (the MLflow UI's alias pencil, a bare `set_registered_model_alias`): found,
recorded in the audit, checked against the version's gate verdict, then followed, refused or reverted.

    result = reconcile("tuneline-assistant", "champion", "revert")   # what `tuneline promote` runs first
    result.serve        # the version serving may load for the alias (None: nothing tuneline governs)
    governed_version("tuneline-assistant", "champion")   # serving's call: the policy `tuneline promote` published

A move is "outside tuneline" when the alias points at another version than the newest audit record for it
says (every tuneline move writes one, `registry.move_alias`). Policy (`ui_promotion` in configs/promote.yaml):
follow = serving follows any move; audit = a gate-passed version is followed, any other stays where the user
put it but serving keeps the last governed version; revert = a gate-passed version is followed, any other is
moved back (compare-and-set under the alias lock, audit action "revert"). Each move is recorded once (action
"ui"), with the actor MLflow reports: none, as MLflow stores no user or time for an alias change, and its
webhook payload carries only name, alias and version. The webhook (`verify_webhook`) only makes the check run
at once; the serving controller's poll and the start of `promote`, `rollback` and `serve` are what guarantee it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from components.common.registry_io import MISSING_CODES
from components.register import registry
from components.register.alias_lock import AliasLockError, HeldLock

log = logging.getLogger(__name__)
UiPolicy = Literal["follow", "audit", "revert"]
POLICIES = ("follow", "audit", "revert")
DEFAULT_POLICY: UiPolicy = "revert"
POLICY_TAG = "tuneline.ui_promotion"  # on the registered model: the policy `tuneline promote` last applied
GATE_TAG = "promotion.status"  # the gate verdict `tuneline promote` recorded on a version (promote.py)
PASSED = ("promote", "approved")  # "forced" and "awaiting_*" need `tuneline promote --force/--approve`
UNKNOWN_ACTOR = "unknown (moved outside tuneline; MLflow records no user for an alias change)"
RECENT_RECORDS, MAX_RECORDS = 20, 1000  # audit records read per look; more only while all are refused moves
WEBHOOK_SECRET_ENV = "TUNELINE_WEBHOOK_SECRET"
WEBHOOK_NAME = "tuneline-alias-watch"
WEBHOOK_EVENTS = ("model_version_alias.created", "model_version_alias.deleted")


@dataclass(frozen=True)
class UiMove(registry.AliasMove):
    """An audit record of a move tuneline did not make; `version` is where the alias was found ("" = gone)."""

    outcome: str = ""  # followed | refused | reverted
    gate: str = ""  # the version's gate verdict, "not judged" when tuneline never judged it
    policy: str = ""
    detected_by: str = ""  # the tuneline process (actor) that noticed it


@dataclass(frozen=True)
class AuditState:
    """What the audit says about one alias (records newest first; see `audit_state`)."""

    known: str | None = None  # where the newest record left the alias (None: no record, or it removed it)
    baseline: str | None = None  # the newest version tuneline governs (refused/reverted UI moves skipped)
    refused: bool = False  # the newest record is a UI move serving does not follow
    pending_revert: bool = False  # ... one the policy reverts, and the alias is still there


@dataclass(frozen=True)
class Decision:
    outcome: Literal["known", "followed", "refused", "reverted"]
    serve: str | None  # the version serving may load for the alias
    record: bool  # write a "ui" audit record (a move seen for the first time)
    revert: bool  # move the alias back to `serve` (or remove it when serve is None)
    reason: str


@dataclass
class Reconciled:
    """What `reconcile` found and did (`recorded`/`reverted` false when it had nothing to do or could not)."""

    name: str
    alias: str
    policy: str
    current: str | None  # where the alias pointed when looked at
    serve: str | None
    outcome: str
    gate: str = ""
    reason: str = ""
    recorded: bool = False
    reverted: bool = False
    error: str | None = None  # why a record or revert could not be written (serving with READ only)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_refused(record: Mapping[str, str]) -> bool:
    return record.get("action") == "ui" and record.get("outcome") in ("refused", "reverted")


def audit_state(records: list[Mapping[str, str]]) -> AuditState:
    """Reduce an alias's audit records (newest first; `version` "" = alias removed) to what `decide` needs."""
    if not records:
        return AuditState()
    last = records[0]
    governed = next((r for r in records if not _is_refused(r)), None)
    return AuditState(
        known=last.get("version") or None,
        baseline=(governed.get("version") or None) if governed else None,
        refused=_is_refused(last),
        pending_revert=last.get("action") == "ui" and last.get("outcome") == "reverted",
    )


def decide(current: str | None, state: AuditState, gate: str, policy: str) -> Decision:
    """The policy applied to the alias as found (`current`) against its audit (pure)."""
    if policy not in POLICIES:
        raise ValueError(f"ui_promotion policy {policy!r} is not one of {', '.join(POLICIES)}")
    back = f"v{state.baseline}" if state.baseline else "no version (the alias is removed)"
    if current == state.known:  # nothing new: as the audit says (a revert the last run did not finish: again)
        serve = state.baseline if state.refused else current
        if state.pending_revert:
            return Decision("reverted", serve, False, True, f"finishing the revert to {back}")
        return Decision("known", serve, False, False, "")
    seen = f"moved outside tuneline to v{current}" if current else "removed outside tuneline"
    if current is None:
        if policy == "revert" and state.baseline:
            return Decision("reverted", state.baseline, True, True, f"{seen}; policy revert: back to {back}")
        return Decision("followed", None, True, False, f"{seen}; policy {policy}: left removed")
    if current == state.baseline:
        return Decision("followed", current, True, False, f"{seen}, the version tuneline governs")
    passed = gate in PASSED
    verdict = f"gate verdict {gate!r} ({'passed' if passed else 'not passed: needs promote or approved'})"
    if passed or policy == "follow":
        return Decision("followed", current, True, False, f"{seen}, {verdict}; policy {policy}: followed")
    if policy == "audit":
        keep = f"v{state.baseline}" if state.baseline else "nothing new"
        return Decision(
            "refused", state.baseline, True, False, f"{seen}, {verdict}; policy audit: serving keeps {keep}"
        )
    return Decision(
        "reverted", state.baseline, True, True, f"{seen}, {verdict}; policy revert: back to {back}"
    )


def audit_records(name: str, alias: str, limit: int = MAX_RECORDS) -> list[dict[str, str]]:
    """The newest `limit` audit records of `alias` (tags without `audit.`), newest first; ties by the lock
    fence, a UI record before the revert that follows it under the same lock."""
    c = registry.client()
    experiment = c.get_experiment_by_name(f"{name}-audit")
    if experiment is None:
        return []
    runs = c.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.`audit.alias` = '{alias}'",
        max_results=limit,
        order_by=["attributes.start_time DESC"],
    )

    def order(run) -> tuple[int, int, int]:
        tags = run.data.tags
        fence = tags.get("audit.fence", "0")
        return run.info.start_time, int(fence) if fence.isdigit() else 0, tags.get("audit.action") != "ui"

    return [
        {k.removeprefix("audit."): v for k, v in run.data.tags.items() if k.startswith("audit.")}
        for run in sorted(runs, key=order, reverse=True)
    ]


def _look(name: str, alias: str) -> tuple[bool, str | None, str | None]:
    """(model exists, where `alias` points, the published policy) in one read."""
    from mlflow.exceptions import MlflowException

    try:
        model = registry.client().get_registered_model(name)
    except MlflowException as exc:
        if exc.error_code in MISSING_CODES:
            return False, None, None
        raise
    current = model.aliases.get(alias)
    return True, (str(current) if current is not None else None), model.tags.get(POLICY_TAG)


def _observe(name: str, alias: str, policy: str | None) -> tuple[str, str | None, AuditState, str, Decision]:
    exists, current, published = _look(name, alias)
    policy = policy or published or DEFAULT_POLICY
    records = audit_records(name, alias, RECENT_RECORDS) if exists else []
    if len(records) == RECENT_RECORDS and all(_is_refused(r) for r in records):  # the governed one is older
        records = audit_records(name, alias)
    state = audit_state(records)
    gate = ""
    if current is not None and current != state.known:
        tags = registry.client().get_model_version(name, current).tags
        gate = tags.get(GATE_TAG) or "not judged"
    return policy, current, state, gate, decide(current, state, gate, policy)


def reconcile(
    name: str,
    alias: str,
    policy: str | None = None,
    lock: HeldLock | None = None,
    strict: bool = True,
    lock_wait_s: float | None = None,
) -> Reconciled:
    """Find, record and act on a move of `name@alias` made outside tuneline (see the module docstring).

    `policy` None: the one `tuneline promote` published on the registered model (default revert). A move is
    judged again under the alias lock (held by the caller, or taken here) before anything is written, so a
    tuneline move in flight is never mistaken for one. `strict` False (serving): a record or revert that
    cannot be written (no EDIT permission, the lock busy) is reported in `.error`; `.serve` still says what
    the policy allows, and the next call tries again. Calling it again records nothing new."""
    from mlflow.exceptions import MlflowException

    policy, current, _, gate, decision = _observe(name, alias, policy)
    found = Reconciled(name, alias, policy, current, decision.serve, decision.outcome, gate, decision.reason)
    if not (decision.record or decision.revert):
        return found
    try:
        if lock is not None:
            return _act(name, alias, policy, lock)
        with registry.alias_lock(name, lock_wait_s) as held:
            return _act(name, alias, policy, held)
    except (AliasLockError, registry.AliasRaceError, MlflowException) as exc:
        if strict:
            raise
        log.warning("%s@%s: %s; not recorded yet: %s", name, alias, decision.reason, exc)
        found.error = f"{type(exc).__name__}: {exc}"
        return found


def _act(name: str, alias: str, policy: str, lock: HeldLock) -> Reconciled:
    """Under the lock: look again, record the move once, revert it when the policy says so."""
    policy, current, state, gate, decision = _observe(name, alias, policy)
    result = Reconciled(name, alias, policy, current, decision.serve, decision.outcome, gate, decision.reason)
    if decision.record:
        lock.check()
        move = UiMove(
            name, alias, current or "", state.known, "ui", decision.reason, UNKNOWN_ACTOR,
            datetime.now(UTC).isoformat(), lock.fence, decision.outcome, gate, policy, registry.actor(),
        )  # fmt: skip
        registry.record_audit(move, {"audit_state": asdict(state)})
        result.recorded = True
        log.warning("%s@%s: %s", name, alias, decision.reason)
    if decision.revert:
        reason = f"revert: {decision.reason}"
        if decision.serve is not None:
            registry.move_alias(name, alias, decision.serve, current, "revert", reason, lock=lock)
        else:
            _remove_alias(name, alias, current, reason, lock)
        result.reverted = True
    return result


def _remove_alias(name: str, alias: str, expected: str | None, reason: str, lock: HeldLock) -> None:
    """Revert a UI move when tuneline never governed the alias: compare-and-set to "no alias", audited."""
    current = registry.alias_version(name, alias)
    if current != expected:
        raise registry.AliasRaceError(
            f"{name}@{alias} is version {current}, not {expected}; nothing changed", current
        )
    lock.check()
    registry.client().delete_registered_model_alias(name, alias)
    at = datetime.now(UTC).isoformat()
    move = registry.AliasMove(name, alias, "", current, "revert", reason, registry.actor(), at, lock.fence)
    registry.record_audit(move, {})


def publish_policy(name: str, policy: str) -> None:
    """Record the policy on the registered model, where serving reads it (an invariant in one place)."""
    from mlflow.exceptions import MlflowException

    try:
        if registry.client().get_registered_model(name).tags.get(POLICY_TAG) != policy:
            registry.client().set_registered_model_tag(name, POLICY_TAG, policy)
    except MlflowException as exc:
        if exc.error_code not in MISSING_CODES:
            raise


def governed_version(name: str, alias: str, lock_wait_s: float = 30.0) -> Reconciled:
    """Serving's check: reconcile with the published policy, never failing on a write it may not make."""
    return reconcile(name, alias, None, strict=False, lock_wait_s=lock_wait_s)


class WebhookRejected(ValueError):
    """A webhook request that is not MLflow's, signed with the shared secret, and recent."""


def verify_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None, tolerance_s: float = 300
) -> dict[str, Any]:
    """Check MLflow's signature (`X-MLflow-Signature: v1,<base64 HMAC-SHA256 of "<delivery id>.<timestamp>.
    <body>">`) and its timestamp (replays older than `tolerance_s` refused); returns the parsed payload."""
    lower = {k.lower(): v for k, v in headers.items()}
    delivery, stamp = lower.get("x-mlflow-delivery-id", ""), lower.get("x-mlflow-timestamp", "")
    signature = lower.get("x-mlflow-signature", "")
    if not (delivery and stamp.isdigit() and signature.startswith("v1,")):
        raise WebhookRejected("missing or malformed X-MLflow-Signature / -Timestamp / -Delivery-Id headers")
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance_s:
        raise WebhookRejected(
            f"timestamp {stamp} is more than {tolerance_s:.0f} s away: a replay or a wrong clock"
        )
    signed = f"{delivery}.{stamp}.".encode() + body
    expected = base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, signature.removeprefix("v1,")):
        raise WebhookRejected("the signature does not match: another secret, or the body was changed")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise WebhookRejected("the body is not JSON") from exc


def alias_event(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(registered model, alias) of an alias created/deleted event, None for any other event."""
    data = payload.get("data") or {}
    if payload.get("entity") != "model_version_alias" or not isinstance(data, dict):
        return None
    return str(data.get("name", "")), str(data.get("alias", ""))


def webhook_secret() -> str | None:
    return os.environ.get(WEBHOOK_SECRET_ENV) or None


def ensure_webhook(url: str, secret: str) -> dict[str, Any]:
    """Create (or update) the tracking server's webhook on alias events pointing at `url`, then send MLflow's
    test event. Needs an admin login when the server runs basic-auth (webhooks are server-wide)."""
    c = registry.client()
    found, token = None, None
    while found is None:
        page = c.list_webhooks(max_results=100, page_token=token)
        found = next((w for w in page if w.name == WEBHOOK_NAME and w.url == url), None)
        token = page.token
        if not token:
            break
    events = list(WEBHOOK_EVENTS)
    description = "tuneline: reconcile alias moves made outside tuneline (ui_promotion)"
    if found is None:
        hook = c.create_webhook(WEBHOOK_NAME, url, events, description=description, secret=secret)
    else:
        hook = c.update_webhook(found.webhook_id, url=url, events=events, secret=secret, status="ACTIVE")
    test = c.test_webhook(hook.webhook_id, WEBHOOK_EVENTS[0])
    return {
        "webhook_id": hook.webhook_id,
        "url": url,
        "events": events,
        "test": {"success": test.success, "status": test.response_status, "error": test.error_message},
    }

"""The decision on an alias moved outside tuneline (ui_promotion.decide / audit_state) and the webhook check."""

from __future__ import annotations

import json
import time

import pytest
from mlflow.webhooks.delivery import _generate_hmac_signature

from components.register.ui_promotion import (
    AuditState,
    WebhookRejected,
    alias_event,
    audit_state,
    decide,
    verify_webhook,
)


def rec(action: str, version: str, outcome: str | None = None) -> dict[str, str]:
    return {"action": action, "version": version, **({"outcome": outcome} if outcome else {})}


GOVERNED = [rec("promote", "1")]  # newest first
REFUSED = [rec("ui", "2", "refused"), *GOVERNED]
REVERT_PENDING = [rec("ui", "2", "reverted"), *GOVERNED]
REVERTED = [rec("revert", "1"), *REVERT_PENDING]


@pytest.mark.parametrize(
    ("records", "state"),
    [
        ([], AuditState()),
        (GOVERNED, AuditState("1", "1")),
        (REFUSED, AuditState("2", "1", refused=True)),
        (REVERT_PENDING, AuditState("2", "1", refused=True, pending_revert=True)),
        (REVERTED, AuditState("1", "1")),
        ([rec("ui", "3", "followed"), *REFUSED], AuditState("3", "3")),
        ([rec("revert", ""), rec("ui", "3", "reverted")], AuditState(None, None)),  # removed: never governed
    ],
)
def test_audit_state(records, state):
    assert audit_state(records) == state


# (records, alias now, gate verdict of that version, policy) -> (outcome, serve, record, revert)
CASES = {
    "nothing moved": (GOVERNED, "1", "", "revert", ("known", "1", False, False)),
    "no alias, no records": ([], None, "", "revert", ("known", None, False, False)),
    "passed gate, revert": (GOVERNED, "2", "promote", "revert", ("followed", "2", True, False)),
    "approved, audit": (GOVERNED, "2", "approved", "audit", ("followed", "2", True, False)),
    "failed gate, follow": (GOVERNED, "2", "reject", "follow", ("followed", "2", True, False)),
    "failed gate, audit": (GOVERNED, "2", "reject", "audit", ("refused", "1", True, False)),
    "failed gate, revert": (GOVERNED, "2", "reject", "revert", ("reverted", "1", True, True)),
    "never judged, revert": (GOVERNED, "2", "not judged", "revert", ("reverted", "1", True, True)),
    "forced once, revert": (GOVERNED, "2", "forced", "revert", ("reverted", "1", True, True)),
    "awaiting approval, audit": (GOVERNED, "2", "awaiting_approval", "audit", ("refused", "1", True, False)),
    "refused before, still there": (REFUSED, "2", "", "audit", ("known", "1", False, False)),
    "revert not finished": (REVERT_PENDING, "2", "", "revert", ("reverted", "1", False, True)),
    "reverted": (REVERTED, "1", "", "revert", ("known", "1", False, False)),
    "back at the governed version": (REFUSED, "1", "not judged", "revert", ("followed", "1", True, False)),
    "refused, then another move": (REFUSED, "3", "reject", "audit", ("refused", "1", True, False)),
    "first champion set in the UI": ([], "3", "reject", "revert", ("reverted", None, True, True)),
    "first champion, audit": ([], "3", "not judged", "audit", ("refused", None, True, False)),
    "alias removed, revert": (GOVERNED, None, "", "revert", ("reverted", "1", True, True)),
    "alias removed, audit": (GOVERNED, None, "", "audit", ("followed", None, True, False)),
}


@pytest.mark.parametrize(("records", "current", "gate", "policy", "expected"), CASES.values(), ids=CASES)
def test_decide(records, current, gate, policy, expected):
    decision = decide(current, audit_state(records), gate, policy)
    assert (decision.outcome, decision.serve, decision.record, decision.revert) == expected
    if decision.record:  # the audit's reason names the version, the verdict and the policy's answer
        assert (f"v{current}" if current else "removed") in decision.reason
        assert policy in decision.reason or "governs" in decision.reason
        if gate and current != audit_state(records).baseline:
            assert repr(gate) in decision.reason


def test_an_unknown_policy_is_an_error():
    with pytest.raises(ValueError, match="follow, audit, revert"):
        decide("2", audit_state(GOVERNED), "reject", "ignore")


def signed(body: bytes, secret: str = "s3cret", stamp: int | None = None) -> dict[str, str]:
    """Headers as MLflow's webhook delivery sends them (its own signing function)."""
    stamp = int(time.time()) if stamp is None else stamp
    signature = _generate_hmac_signature(secret, "d-1", str(stamp), body.decode())
    return {"X-MLflow-Delivery-Id": "d-1", "X-MLflow-Timestamp": str(stamp), "X-MLflow-Signature": signature}


EVENT = {"entity": "model_version_alias", "action": "created", "data": {"name": "m", "alias": "champion"}}


def test_a_webhook_signed_by_mlflow_is_accepted_and_read():
    body = json.dumps(EVENT).encode()
    payload = verify_webhook("s3cret", signed(body), body)
    assert alias_event(payload) == ("m", "champion")
    assert alias_event({"entity": "model_version", "data": {"name": "m"}}) is None


SENT = 1_800_000_000  # when the refused webhooks below were signed (verified "now" = SENT, or an hour later)


@pytest.mark.parametrize(
    ("headers", "body", "now", "message"),
    [
        (
            signed(json.dumps(EVENT).encode(), "other", SENT),
            json.dumps(EVENT).encode(),
            SENT,
            "does not match",
        ),
        (
            signed(b'{"entity": "x"}', stamp=SENT),
            json.dumps(EVENT).encode(),
            SENT,
            "does not match",
        ),  # changed
        (signed(json.dumps(EVENT).encode(), stamp=SENT), json.dumps(EVENT).encode(), SENT + 3600, "replay"),
        ({"X-MLflow-Timestamp": "1"}, b"{}", SENT, "missing or malformed"),
    ],
    ids=["wrong secret", "changed body", "old timestamp", "no signature"],
)
def test_a_webhook_that_does_not_check_out_is_refused(headers, body, now, message):
    with pytest.raises(WebhookRejected, match=message):
        verify_webhook("s3cret", headers, body, now=now)

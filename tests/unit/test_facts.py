"""The fact matcher and claim extraction behind fact_accuracy, contradiction_rate and unsupported_claim_rate."""

from __future__ import annotations

import pytest

from components.common.facts import extract_claims, facts_stated, normalise, states, unsupported_claims

STATED = [
    # (fact, answer): the answer states the fact
    ("Ctrl+K", "Press Ctrl + K to open Quick Search."),
    ("Ctrl+K", "press ctrl+k"),
    ("Cmd+K", "On a Mac it's Command+K."),
    ("Cmd+K", "On a Mac press ⌘K."),
    ("Ctrl+Shift+N", "Use Ctrl + Shift + N for a page in your Inbox."),
    ("14 days", "Refunds are possible within 14 days."),
    ("14 days", "There is a 14-day refund window."),
    ("14 days", "within  14\u00a0days"),
    ("$6 per month", "Plus is $6 per month."),
    ("$6", "Plus costs $6."),
    ("$6", "Plus costs $6.00 a month."),
    ("Settings > Billing > Request refund", "Go to Settings > Billing > Request refund."),
    ("Settings > Billing > Request refund", "Open Settings → Billing › Request refund"),
    ("Settings > Billing > Request refund", "open settings>billing>request refund"),
    ("QN-401", "Error QN-401 means your session expired."),
    ("QN-401", "error qn-401"),
    ("1,000 requests", "up to 1000 requests"),
    ("Enterprise", "Only on Enterprise."),
    ("iOS 16+", "Apps for iOS 16+ and Android 12+."),
    ("Cmd+/", "Press Cmd+/ (Ctrl+/ on Windows)."),
    ("Type /", "Type / to open the block menu."),
    ("[[", "Type [[ and a title."),
    ("two months free", "Paying annually gets you two months free."),
]
NOT_STATED = [
    # near misses: similar text that must not count
    ("$6", "Plus costs $60 per month."),
    ("$6", "Plus costs $6.50 per month."),
    ("$6", "It costs 6 dollars."),
    ("14 days", "Refunds within 114 days."),
    ("14 days", "Refunds within 14 weeks."),
    ("14 days", "Refunds within two weeks."),
    ("20 GB", "You get 2 GB."),
    ("2 GB", "You get 20 GB."),
    ("Ctrl+K", "Press Ctrl+Shift+K."),
    ("Ctrl+K", "Press Ctrl+KK."),
    ("Settings > Billing", "Go to Settings > Billing > Request refund."),
    ("Billing > Request refund", "Go to Settings > Billing > Request refund."),
    ("Settings > Billing > Request refund", "Go to Settings > Billing."),
    ("Settings > Billing > Request refund", "Go to Settings > Account > Request refund."),
    ("QN-401", "Error QN-4010."),
    ("QN-401", "Error QN-403."),
    ("Enterprise", "Enterprises love it."),
    ("full refund", "a partial refund"),
    ("Cmd+K", "Ctrl+K"),
    ("Ctrl+/", "Press Ctrl+/+////// to see every shortcut."),  # a degenerate repetition is not the shortcut
    ("Cmd+/", "Press Cmd+//."),
]


@pytest.mark.parametrize(("fact", "answer"), STATED)
def test_stated(fact, answer):
    assert states(fact, answer), (normalise(fact), normalise(answer))


@pytest.mark.parametrize(("fact", "answer"), NOT_STATED)
def test_near_misses_do_not_count(fact, answer):
    assert not states(fact, answer), (normalise(fact), normalise(answer))


def test_facts_stated_keeps_input_order_and_form():
    answer = "Get a full refund within 14 days from Settings > Billing > Request refund."
    facts = ["Settings > Billing > Request refund", "30 days", "14 days", "full refund"]
    assert facts_stated(facts, answer) == ["Settings > Billing > Request refund", "14 days", "full refund"]
    assert facts_stated([], answer) == []
    assert not states("", answer) and not states(" . ", answer)


def test_claims_of_each_kind_are_extracted_once():
    text = (
        "Go to Settings > Billing > Manage plan and click Cancel plan. Press Ctrl + Shift + K or Cmd+/. "
        "Error QN-401. Plus is $6 per month for 20 GB, 10% off, 2 months free, up to 5,000 blocks, TLS 1.3. "
        "Mail billing@quillnote.com or see quillnote.com/help. Press F11. It is not available on Free. "
        "I'm not sure. $6 again."
    )
    claims = extract_claims(text)
    for claim in ("Settings > Billing > Manage plan", "Ctrl + Shift + K", "Cmd+/", "QN-401", "$6", "20 GB",
                  "10%", "2 months", "5,000 blocks", "1.3", "billing@quillnote.com", "quillnote.com/help",
                  "F11", "not available on", "Cancel", "Free"):  # fmt: skip
        assert claim in claims, claim
    assert len(claims) == len(set(claims))
    assert "401" not in claims and "not sure" not in " ".join(claims)  # a code is not also a number; a hedge
    assert "I" not in claims and "Error" not in claims  # sentence-initial words are not names


def test_unsupported_claims_against_a_reference():
    reference = "You can get a full refund within 14 days from Settings > Billing > Request refund."
    assert unsupported_claims(reference, reference) == []
    assert (
        unsupported_claims("Refunds within 14 days at Settings > Billing.", reference) == []
    )  # a shorter path
    assert unsupported_claims("Refunds within 30 days.", reference) == ["30 days"]
    assert unsupported_claims("Email billing@quillnote.com for a refund.", reference) == [
        "billing@quillnote.com"
    ]
    assert unsupported_claims("Go to Settings > Account > Refunds.", reference) == [
        "Settings > Account > Refunds"
    ]
    assert unsupported_claims("Refunds are only for Enterprise.", reference) == ["only for Enterprise"]
    assert (
        unsupported_claims("Sure, happy to help with that!", reference) == []
    )  # nothing checkable: no claim

"""Which logged feedback becomes a preference pair, and the pair ids that keep re-exports from duplicating."""

from __future__ import annotations

from components.online.pairs import build_pairs, pair_id

ASK = [{"role": "user", "content": "Can I get a refund?"}]


def row(cid, version, answer, rating=None, preferred=None, messages=ASK, route="champion"):
    return {"id": cid, "version": version, "route": route, "messages": messages, "answer": answer,
            "rating": rating, "preferred": preferred}  # fmt: skip


def test_a_correction_prefers_the_persons_answer():
    (pair,) = build_pairs([row("c1", "1", "No.", "down", "Yes, within 30 days.")], system_prompt="Be nice.")
    assert pair["prompt"] == [{"role": "system", "content": "Be nice."}, *ASK]
    assert (pair["chosen"][0]["content"], pair["rejected"][0]["content"]) == ("Yes, within 30 days.", "No.")
    assert pair["rejection_type"] == "down_vote" and pair["id"].startswith("fb-")


def test_an_unrated_correction_counts_but_an_up_voted_one_does_not():
    rows = [row("c1", "1", "No.", None, "Yes."), row("c2", "1", "Maybe.", "up", "Yes!")]
    assert [p["source"]["rejected_id"] for p in build_pairs(rows)] == ["c1"]


def test_comparison_needs_two_versions_and_different_answers():
    rows = [
        row("a", "1", "Never.", "down"),
        row("b", "2", "Within 30 days.", "up", route="canary"),
        row("c", "1", "Within 30 days!", "up"),  # same version as "a": no pair with it
        row("d", "2", "Never.", "down", route="shadow"),  # same version as "b": no pair with it
        row("e", "3", "Within 30 days.", "down"),  # same text as "b": the vote differs, not the answer
    ]
    pairs = build_pairs(rows)
    kinds = {(p["source"]["chosen_id"], p["source"]["rejected_id"]) for p in pairs}
    assert kinds == {("b", "a"), ("c", "d"), ("c", "e")}


def test_other_prompts_never_pair():
    rows = [
        row("a", "1", "Never.", "down"),
        row("b", "2", "Sure.", "up", messages=[{"role": "user", "content": "Hi"}]),
    ]
    assert build_pairs(rows) == []


def test_ids_depend_on_content_only():
    assert pair_id(ASK, "Yes.", "No.") == pair_id(list(ASK), "Yes.", "No.")
    assert pair_id(ASK, "Yes.", "No.") != pair_id(ASK, "No.", "Yes.")
    same_twice = [row("c1", "1", "No.", "down", "Yes."), row("c2", "1", "No.", "down", "Yes.")]
    assert len(build_pairs(same_twice)) == 1

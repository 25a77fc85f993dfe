"""Checks on the second demo product's datasets, data/products/parcelpoint/ (committed to git; see its README).

Parcelpoint is a fictional parcel-locker service whose support assistant a router tells apart from Quillnote's
by the topic of a conversation, so besides the schema these tests pin what that relies on: golden prompts
never name the product, and no held-out question (or a near-copy of one) is in a training file.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from components.common.facts import facts_stated, states, unsupported_claims

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data"
PRODUCT_DIR = DATA_DIR / "products" / "parcelpoint"
GENERATOR = DATA_DIR / "generate_demo_data.py"
FILES = ("sft.jsonl", "preference.jsonl", "golden.jsonl")
SYSTEM_PROMPT = "You are Parcel, the support assistant for Parcelpoint. Answer accurately and concisely."
# "Parcelpoint" in any spelling, or "Parcel" capitalised as the assistant's name
NAMES_PRODUCT = re.compile(r"(?i:parcel\s*-?\s*point)|\bParcel\b")
ID_PATTERNS = {"sft.jsonl": r"sft-\d{4}", "preference.jsonl": r"pref-\d{4}", "golden.jsonl": r"gold-\d{3}"}

Record = dict[str, Any]


def read_jsonl(name: str) -> list[Record]:
    return [json.loads(line) for line in (PRODUCT_DIR / name).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def sft() -> list[Record]:
    return read_jsonl("sft.jsonl")


@pytest.fixture(scope="module")
def preference() -> list[Record]:
    return read_jsonl("preference.jsonl")


@pytest.fixture(scope="module")
def golden() -> list[Record]:
    return read_jsonl("golden.jsonl")


@pytest.fixture(scope="module")
def fact_sheet() -> ModuleType:
    sys.path.insert(0, str(DATA_DIR))
    try:
        return importlib.import_module("parcelpoint_facts")
    finally:
        sys.path.remove(str(DATA_DIR))


def normalise(text: str) -> str:
    """Lowercase, strip punctuation, collapse whitespace (as the generator's overlap check)."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def user_turns(record: Record) -> list[str]:
    messages = record["messages"] if "messages" in record else record["prompt"]
    return [message["content"] for message in messages if message["role"] == "user"]


def test_generator_is_byte_stable(tmp_path: Path) -> None:
    """A fresh run reproduces the committed files exactly, so they are never stale or hand-edited."""
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--product", "parcelpoint", "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (PRODUCT_DIR / name).read_bytes(), (
            f"{name} differs from a fresh run: `python data/generate_demo_data.py --product parcelpoint`"
        )


@pytest.mark.parametrize("name", FILES)
def test_files_are_jsonl_with_unique_ids(name: str) -> None:
    raw = (PRODUCT_DIR / name).read_bytes()
    assert raw.endswith(b"\n") and b"\r" not in raw
    ids = [record["id"] for record in read_jsonl(name)]
    assert all(re.fullmatch(ID_PATTERNS[name], i) for i in ids), ids[:5]
    assert len(set(ids)) == len(ids)


def test_fact_sheet_shape(fact_sheet: ModuleType) -> None:
    facts = fact_sheet.FACTS
    assert 24 <= len(facts) <= 32
    assert 6 <= len(fact_sheet.CATEGORIES) <= 8
    assert {fact.category for fact in facts} == set(fact_sheet.CATEGORIES)
    assert 2 <= sum(fact.category == "account" for fact in facts) <= 4
    for fact in facts:
        assert len(fact.questions) == 16 and len(fact.held_out) == 2, fact.key
        assert len(fact.answer.split()) <= 60, fact.key
    assert fact_sheet.SYSTEM_PROMPT == SYSTEM_PROMPT


def test_every_example_uses_the_parcel_system_prompt(
    sft: list[Record], preference: list[Record], golden: list[Record]
) -> None:
    prompts = {r["messages"][0]["content"] for r in sft} | {
        r["prompt"][0]["content"] for r in preference + golden
    }
    assert prompts == {SYSTEM_PROMPT}


def test_golden_prompts_never_name_the_product(golden: list[Record], fact_sheet: ModuleType) -> None:
    """A router is scored on these questions without the product's name to lean on."""
    named = [r["id"] for r in golden if any(NAMES_PRODUCT.search(turn) for turn in user_turns(r))]
    assert not named, named
    held_out = [q for fact in fact_sheet.FACTS for q in fact.held_out]
    assert [r["prompt"][1]["content"] for r in golden] == held_out
    assert NAMES_PRODUCT.search("Does Parcelpoint deliver?") and not NAMES_PRODUCT.search("my parcel is late")


def test_held_out_questions_never_appear_in_training(
    sft: list[Record], preference: list[Record], golden: list[Record]
) -> None:
    """Not as a user turn, not inside one (after normalising), and not as a near-copy (token Jaccard >= 0.6)."""
    turns = {turn for record in sft + preference for turn in user_turns(record)}
    padded = [f" {normalise(turn)} " for turn in turns]
    prompts = [r["prompt"][1]["content"] for r in golden]
    leaked = [p for p in prompts if any(f" {normalise(p)} " in turn for turn in padded)]
    assert not leaked, leaked[:3]
    golden_words = [words(p) for p in prompts]
    near = [t for t in turns if any(len(words(t) & g) / len(words(t) | g) >= 0.6 for g in golden_words)]
    assert not near, near[:3]


def test_key_facts_are_in_the_reference_and_wrong_facts_are_not(golden: list[Record]) -> None:
    """With the evaluation's matcher: the reference answer scores fact_accuracy 1 and contradicts nothing."""
    for record in golden:
        assert record["key_facts"] and record["wrong_facts"], record["id"]
        assert facts_stated(record["key_facts"], record["reference"]) == record["key_facts"], record["id"]
        assert facts_stated(record["wrong_facts"], record["reference"]) == [], record["id"]


def test_wrong_facts_come_from_a_wrong_answer(preference: list[Record], golden: list[Record]) -> None:
    wrong_answers = {r["rejected"][0]["content"] for r in preference if r["rejection_type"] == "wrong"}
    for record in golden:
        assert any(all(states(w, a) for w in record["wrong_facts"]) for a in wrong_answers), record["id"]


def test_every_golden_fact_is_taught(
    sft: list[Record], preference: list[Record], golden: list[Record]
) -> None:
    sft_answers = [m["content"] for r in sft for m in r["messages"] if m["role"] == "assistant"]
    chosen = {r["chosen"][0]["content"] for r in preference}
    for record in golden:
        assert any(a.endswith(record["reference"]) for a in sft_answers), record["id"]
        assert record["reference"] in chosen, record["id"]


def test_preference_pairs_are_balanced(preference: list[Record]) -> None:
    counts = Counter(record["rejection_type"] for record in preference)
    assert set(counts) == {"wrong", "rude", "evasive", "verbose"}
    assert all(0.2 <= count / len(preference) <= 0.3 for count in counts.values()), counts
    longer = sum(len(r["chosen"][0]["content"]) > len(r["rejected"][0]["content"]) for r in preference)
    assert 0.4 <= longer / len(preference) <= 0.65, longer
    wrong = [r for r in preference if r["rejection_type"] == "wrong"]
    flagged = [r for r in wrong if unsupported_claims(r["rejected"][0]["content"], r["chosen"][0]["content"])]
    assert len(flagged) / len(wrong) >= 0.9, f"{len(flagged)} of {len(wrong)}"


def test_sft_has_some_two_turn_conversations(sft: list[Record]) -> None:
    multi_turn = sum(len(record["messages"]) > 3 for record in sft)
    assert 0.05 <= multi_turn / len(sft) <= 0.2, multi_turn

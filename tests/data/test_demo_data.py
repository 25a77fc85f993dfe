"""Checks on the shipped demo datasets in data/raw/ (see data/README.md for the schemas).

These tests read the committed/DVC-tracked files, not freshly generated ones, so they catch a stale or
hand-edited data/raw/ as well as generator bugs.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from components.common.facts import facts_stated, states, unsupported_claims

REPO_ROOT = Path(__file__).resolve().parents[2]
RAW_DIR = REPO_ROOT / "data" / "raw"
GENERATOR = REPO_ROOT / "data" / "generate_demo_data.py"
FILES = ("sft.jsonl", "preference.jsonl", "golden.jsonl")
ID_PATTERNS = {
    "sft.jsonl": re.compile(r"sft-\d{4}"),
    "preference.jsonl": re.compile(r"pref-\d{4}"),
    "golden.jsonl": re.compile(r"gold-\d{3}"),
}
ROLES = {"system", "user", "assistant"}
REJECTION_TYPES = {"wrong", "rude", "evasive", "verbose"}

Record = dict[str, Any]


def read_bytes(name: str) -> bytes:
    path = RAW_DIR / name
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: run `dvc pull` or `python data/generate_demo_data.py --out data/raw`"
        )
    return path.read_bytes()


def read_jsonl(name: str) -> list[Record]:
    return [json.loads(line) for line in read_bytes(name).decode("utf-8").splitlines()]


@pytest.fixture(scope="module")
def sft() -> list[Record]:
    return read_jsonl("sft.jsonl")


@pytest.fixture(scope="module")
def preference() -> list[Record]:
    return read_jsonl("preference.jsonl")


@pytest.fixture(scope="module")
def golden() -> list[Record]:
    return read_jsonl("golden.jsonl")


def normalise(text: str) -> str:
    """Lowercase, strip punctuation, collapse whitespace."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def assert_message(message: Any, role: str | None = None) -> None:
    assert isinstance(message, dict), message
    assert set(message) == {"role", "content"}, message
    assert message["role"] in ROLES, message
    if role is not None:
        assert message["role"] == role, message
    assert isinstance(message["content"], str), message
    assert message["content"].strip(), f"empty content in {message}"


def assert_category(record: Record) -> None:
    assert isinstance(record["category"], str), record["id"]
    assert record["category"].strip(), record["id"]


def user_turns(record: Record) -> list[str]:
    messages = record["messages"] if "messages" in record else record["prompt"]
    return [message["content"] for message in messages if message["role"] == "user"]


@pytest.mark.parametrize("name", FILES)
def test_files_are_utf8_jsonl_with_one_object_per_line(name: str) -> None:
    raw = read_bytes(name)
    assert raw.endswith(b"\n"), f"{name} must end with a newline"
    assert b"\r" not in raw, f"{name} must use \\n line endings"
    for number, line in enumerate(raw.decode("utf-8").split("\n")[:-1], 1):
        assert line.strip(), f"{name}:{number} is blank"
        assert isinstance(json.loads(line), dict), f"{name}:{number} is not a JSON object"


@pytest.mark.parametrize("name", FILES)
def test_ids_are_unique_and_well_formed(name: str) -> None:
    ids = [record["id"] for record in read_jsonl(name)]
    assert all(isinstance(i, str) and ID_PATTERNS[name].fullmatch(i) for i in ids), ids[:5]
    duplicates = [i for i, count in Counter(ids).items() if count > 1]
    assert not duplicates, f"duplicate ids in {name}: {duplicates}"


def test_sft_schema(sft: list[Record]) -> None:
    for record in sft:
        assert set(record) == {"id", "category", "messages"}, record["id"]
        assert_category(record)
        messages = record["messages"]
        assert isinstance(messages, list) and len(messages) >= 3 and len(messages) % 2 == 1, record["id"]
        assert_message(messages[0], "system")
        for index, message in enumerate(messages[1:]):
            assert_message(message, "user" if index % 2 == 0 else "assistant")
        assert messages[-1]["role"] == "assistant", f"{record['id']} must end with an assistant turn"


def test_sft_includes_multi_turn_conversations(sft: list[Record]) -> None:
    multi_turn = sum(len(record["messages"]) > 3 for record in sft)
    assert 0.05 <= multi_turn / len(sft) <= 0.2, f"{multi_turn} of {len(sft)} SFT examples are multi-turn"


def test_preference_schema(preference: list[Record]) -> None:
    keys = {"id", "category", "rejection_type", "prompt", "chosen", "rejected"}
    for record in preference:
        assert set(record) == keys, record["id"]
        assert_category(record)
        assert record["rejection_type"] in REJECTION_TYPES, record["id"]
        prompt = record["prompt"]
        assert isinstance(prompt, list) and len(prompt) == 2, record["id"]
        assert_message(prompt[0], "system")
        assert_message(prompt[1], "user")
        for side in ("chosen", "rejected"):
            assert isinstance(record[side], list) and len(record[side]) == 1, record["id"]
            assert_message(record[side][0], "assistant")


def test_golden_schema(golden: list[Record]) -> None:
    for record in golden:
        assert set(record) == {"id", "category", "prompt", "reference", "key_facts", "wrong_facts"}, record[
            "id"
        ]
        for field in ("key_facts", "wrong_facts"):
            values = record[field]
            assert isinstance(values, list) and values, (record["id"], field)
            assert all(isinstance(v, str) and v.strip() for v in values), (record["id"], field)
        assert_category(record)
        prompt = record["prompt"]
        assert isinstance(prompt, list) and len(prompt) == 2, record["id"]
        assert_message(prompt[0], "system")
        assert_message(prompt[1], "user")
        assert isinstance(record["reference"], str) and record["reference"].strip(), record["id"]
        assert len(record["reference"].split()) <= 60, f"{record['id']} reference is over 60 words"


def test_every_file_uses_the_same_system_prompt(
    sft: list[Record], preference: list[Record], golden: list[Record]
) -> None:
    prompts = {r["messages"][0]["content"] for r in sft}
    prompts |= {r["prompt"][0]["content"] for r in preference + golden}
    assert len(prompts) == 1, prompts


def test_counts(sft: list[Record], preference: list[Record], golden: list[Record]) -> None:
    assert len(sft) >= 400
    assert len(preference) >= 300
    assert len(golden) >= 80


def test_chosen_differs_from_rejected(preference: list[Record]) -> None:
    same = [
        r["id"]
        for r in preference
        if normalise(r["chosen"][0]["content"]) == normalise(r["rejected"][0]["content"])
    ]
    assert not same, f"chosen equals rejected in {same}"


def test_rejection_types_are_balanced(preference: list[Record]) -> None:
    counts = Counter(record["rejection_type"] for record in preference)
    assert set(counts) == REJECTION_TYPES, counts
    assert all(0.2 <= count / len(preference) <= 0.3 for count in counts.values()), counts


def test_length_bias_is_moderate(preference: list[Record]) -> None:
    """A reward model must not be able to win by always preferring the longer answer."""
    longer = sum(len(r["chosen"][0]["content"]) > len(r["rejected"][0]["content"]) for r in preference)
    assert 0.4 <= longer / len(preference) <= 0.65, f"chosen is longer in {longer} of {len(preference)} pairs"


def test_no_golden_prompt_appears_in_training(
    sft: list[Record], preference: list[Record], golden: list[Record]
) -> None:
    """Evaluation is on unseen wording: no golden question is a training user turn, even inside one."""
    training_turns = {f" {normalise(turn)} " for record in sft + preference for turn in user_turns(record)}
    leaked = [
        record["id"]
        for record in golden
        if any(f" {normalise(record['prompt'][1]['content'])} " in turn for turn in training_turns)
    ]
    assert not leaked, f"golden prompts found in training data: {leaked}"


def test_every_golden_category_and_fact_is_trained(
    sft: list[Record], preference: list[Record], golden: list[Record]
) -> None:
    golden_categories = {record["category"] for record in golden}
    assert golden_categories <= {record["category"] for record in sft}
    assert golden_categories <= {record["category"] for record in preference}
    sft_answers = [m["content"] for r in sft for m in r["messages"] if m["role"] == "assistant"]
    untaught = [r["id"] for r in golden if not any(a.endswith(r["reference"]) for a in sft_answers)]
    assert not untaught, f"golden references never taught in sft.jsonl: {untaught}"


def test_answers_are_consistent_across_files(
    sft: list[Record], preference: list[Record], golden: list[Record]
) -> None:
    """Every trained answer is a canonical golden reference (SFT answers may add a short greeting)."""
    references = {record["reference"] for record in golden}
    for record in sft:
        for message in record["messages"][2::2]:
            content = message["content"]
            assert any(content.endswith(ref) and len(content) - len(ref) <= 20 for ref in references), record[
                "id"
            ]
    wrong_chosen = [r["id"] for r in preference if r["chosen"][0]["content"] not in references]
    assert not wrong_chosen, f"chosen answers that are not canonical: {wrong_chosen}"


# sha256 of the golden prompts as shipped before key facts were added (json.dumps(prompts, sort_keys=True)):
# declaring facts must never reword what evaluation asks.
GOLDEN_PROMPTS_SHA256 = "57ac79ef843ce7939cd92632b51d7b65c5bee09e83b1b576faf2dd752ef572e3"


def test_golden_prompts_are_unchanged(golden: list[Record]) -> None:
    prompts = json.dumps([r["prompt"] for r in golden], sort_keys=True, ensure_ascii=False)
    assert hashlib.sha256(prompts.encode()).hexdigest() == GOLDEN_PROMPTS_SHA256


def test_key_facts_are_in_the_canonical_answer_and_wrong_facts_are_not(golden: list[Record]) -> None:
    """With the evaluation's own matcher: a canonical answer scores fact_accuracy 1, contradiction 0."""
    for record in golden:
        reference = record["reference"]
        assert facts_stated(record["key_facts"], reference) == record["key_facts"], record["id"]
        assert facts_stated(record["wrong_facts"], reference) == [], record["id"]


def test_wrong_facts_come_from_the_wrong_answer(preference: list[Record], golden: list[Record]) -> None:
    """Each golden row's wrong facts are stated by the `wrong` rejection of the same fact's first pair."""
    wrong_answers = {r["rejected"][0]["content"] for r in preference if r["rejection_type"] == "wrong"}
    for record in golden:
        assert any(all(states(w, answer) for w in record["wrong_facts"]) for answer in wrong_answers), record[
            "id"
        ]


def test_no_training_question_is_a_near_copy_of_a_golden_prompt(
    sft: list[Record], preference: list[Record], golden: list[Record]
) -> None:
    """More paraphrases per fact are fair; a reworded golden prompt (token Jaccard >= 0.6) is not."""
    words = lambda text: set(re.findall(r"\w+", text.lower()))  # noqa: E731
    prompts = [words(r["prompt"][1]["content"]) for r in golden]
    turns = {turn for record in sft + preference for turn in user_turns(record)}
    near = [
        turn for turn in turns if any(len(words(turn) & p) / len(words(turn) | p) >= 0.6 for p in prompts)
    ]
    assert not near, near[:3]


def test_unsupported_claims_flag_the_wrong_answers_and_never_the_canonical_ones(
    preference: list[Record], golden: list[Record]
) -> None:
    """The fallback for golden sets without key facts: >= 90% of the `wrong` rejections get flagged against
    their canonical answer; no canonical answer gets flagged against itself."""
    wrong = [r for r in preference if r["rejection_type"] == "wrong"]
    flagged = [r for r in wrong if unsupported_claims(r["rejected"][0]["content"], r["chosen"][0]["content"])]
    assert len(flagged) / len(wrong) >= 0.9, f"{len(flagged)} of {len(wrong)}"
    assert all(unsupported_claims(r["reference"], r["reference"]) == [] for r in golden)


def test_generator_is_byte_stable(tmp_path: Path) -> None:
    """Regenerating reproduces the shipped files exactly, so data/raw/ is never stale or hand-edited."""
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (tmp_path / name).read_bytes() == read_bytes(name), (
            f"{name} differs from a fresh run: regenerate with `python data/generate_demo_data.py`"
        )

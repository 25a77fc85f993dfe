"""The project's `evaluate` metric modules, loaded by path as the step loads them, against hand-computed values."""

from __future__ import annotations

import math

import pytest

from components.common.text import words
from components.evaluate_model.metric_suite import load_metric


def compute(name: str, **inputs):
    return load_metric(name).compute(**inputs)


def test_tokenizer_is_unicode_aware_and_case_folded():
    assert words("Die STRASSE ist groß!") == ["die", "strasse", "ist", "gross"]  # casefold: ß -> ss
    assert words("ﬁle QN-401, $10 don’t") == ["file", "qn", "401", "10", "don", "t"]
    assert words("") == [] and words("?!") == []


@pytest.mark.parametrize(
    ("prediction", "reference", "expected"),
    [
        ("the cat sat on the mat", "the cat is on the mat", 5 / 6),  # LCS 5 of 6 and 6 words
        ("a b c d", "a c e", 4 / 7),  # LCS "a c": P 2/4, R 2/3, F 2PR/(P+R) = 4/7
        ("d c b a", "a b c d", 1 / 4),  # order matters: LCS is one word
        ("Quillnote costs $6!", "quillnote COSTS 6", 1.0),  # case and punctuation do not
        ("Die Straße ist groß", "die STRASSE ist GROSS", 1.0),  # Unicode case folding (ß -> ss)
        ("", "a reference", 0.0),  # empty prediction
        ("an answer", "", 0.0),  # empty reference, as in rouge_score
        ("日本語 テキスト", "日本語", 2 / 3),  # one word per unbroken run: P 1/2, R 1/1
    ],
)
def test_rouge_l(prediction, reference, expected):
    out = compute("rouge_l", predictions=[prediction], references=[reference])
    assert out["rouge_l"] == pytest.approx(expected)
    assert out["scores"] == [pytest.approx(expected)]


def test_rouge_l_reports_precision_recall_and_mean_over_examples():
    out = compute("rouge_l", predictions=["a b c d", "same text"], references=["a c e", "same text"])
    assert out["rouge_l_precision"] == pytest.approx((2 / 4 + 1) / 2)
    assert out["rouge_l_recall"] == pytest.approx((2 / 3 + 1) / 2)
    assert out["rouge_l"] == pytest.approx((4 / 7 + 1) / 2)


@pytest.mark.parametrize(
    ("prediction", "reference", "expected"),
    [
        ("Hello, World!", "hello world", 1.0),
        ("hello", "hello world", 0.0),
        ("", "", 1.0),
        ("", "something", 0.0),
        ("Ｑｕｉｌｌ ２", "quill 2", 1.0),  # full-width forms normalise (NFKC)
    ],
)
def test_exact_match(prediction, reference, expected):
    assert compute("exact_match", predictions=[prediction], references=[reference])["exact_match"] == expected


@pytest.mark.parametrize(
    ("prediction", "reference", "expected"),
    [
        ("a a b", "a b b", 2 / 3),  # multiset overlap {a, b} = 2; P = R = 2/3
        ("the cat", "the cat sat down", 2 / 3),  # P 1, R 1/2
        ("x y", "a b", 0.0),
        ("", "a b", 0.0),
        ("", "", 1.0),  # SQuAD's rule: both empty is a match
        ("Ünïcödé ok", "ünïcödé OK", 1.0),
    ],
)
def test_token_f1(prediction, reference, expected):
    assert compute("token_f1", predictions=[prediction], references=[reference])["token_f1"] == pytest.approx(
        expected
    )


def test_perplexity_is_token_weighted_and_per_example():
    out = compute("perplexity", nll_sums=[2.0, 4.0], token_counts=[2, 2])
    assert out["perplexity"] == pytest.approx(math.exp(1.5))
    assert out["nll_per_token"] == pytest.approx(1.5)
    assert out["scores"] == [pytest.approx(math.e), pytest.approx(math.e**2)]
    weighted = compute("perplexity", nll_sums=[1.0, 9.0], token_counts=[1, 9])
    assert weighted["perplexity"] == pytest.approx(math.e)  # not the mean of per-example perplexities
    with pytest.raises(ValueError, match="at least one scored token"):
        compute("perplexity", nll_sums=[1.0], token_counts=[0])


def test_preference_accuracy_counts_ties_as_not_preferred():
    out = compute("preference_accuracy", chosen_scores=[-1.0, -5.0, -3.0], rejected_scores=[-2.0, -4.0, -3.0])
    assert out["preference_accuracy"] == pytest.approx(1 / 3)
    assert out["scores"] == [1.0, 0.0, 0.0]
    assert out["preference_margin"] == pytest.approx((1 - 1 + 0) / 3)


def test_reward_score():
    out = compute("reward_score", scores=[1.0, -0.5, 2.0])
    assert out["reward_score"] == pytest.approx(2.5 / 3)
    assert out["reward_min"] == -0.5


def test_guardrail_flags_pii_and_blocklisted_phrases():
    answers = [
        "Email me at jane.doe@example.org",
        "Contact billing@quillnote.com for invoices.",
        "Ugh. Didn’t you read the manual?",
        "Call +1 415-555-0132 today",
        "Although it is rough, that works.",  # "ugh" inside a word is not a hit
        "",
    ]
    out = compute(
        "guardrail_rate",
        predictions=answers,
        blocklist=["ugh", "didn't you read the manual"],
        allowed_email_domains=["quillnote.com"],
    )
    assert out["flags"] == [1.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    assert out["guardrail_rate"] == pytest.approx(3 / 6)
    assert out["pii_rate"] == pytest.approx(2 / 6) and out["blocklist_rate"] == pytest.approx(1 / 6)
    assert out["reasons"][0] == ["pii:email"] and out["reasons"][3] == ["pii:phone"]
    assert out["reasons"][2] == ["blocklist:didn't you read the manual", "blocklist:ugh"]


def test_guardrail_pii_kinds_are_configurable():
    out = compute("guardrail_rate", predictions=["jane@example.org"], pii_kinds=["phone"], blocklist=[])
    assert out["guardrail_rate"] == 0.0


def test_answer_length_statistics():
    out = compute(
        "answer_length",
        predictions=["", "one two three", "a b"],
        completion_tokens=[1, 4, 3],
        finish_reasons=["stop", "length", "stop"],
    )
    assert out["words"] == [0, 3, 2]
    assert out["answer_words_mean"] == pytest.approx(5 / 3)
    assert out["answer_words_median"] == 2.0 and out["answer_words_max"] == 3.0
    assert out["answer_words_p90"] == pytest.approx(2.8)  # sorted [0, 2, 3], position 1.8
    assert out["answer_tokens_mean"] == pytest.approx(8 / 3)
    assert out["empty_answer_rate"] == pytest.approx(1 / 3) and out["truncated_rate"] == pytest.approx(1 / 3)


def test_generation_speed():
    out = compute("generation_speed", batch_seconds=[2.0, 1.0], batch_sizes=[4, 2], batch_tokens=[40, 20])
    assert out["latency_s_per_answer"] == pytest.approx(0.5)
    assert out["tokens_per_second"] == pytest.approx(20.0)
    assert out["generation_seconds"] == pytest.approx(3.0)
    assert out["batch_latency_p50_s"] == pytest.approx(1.5)

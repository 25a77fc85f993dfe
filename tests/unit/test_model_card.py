"""The model card (a version's description in the MLflow UI) is short: what it is, the primary metric with its
interval against the champion, three golden answers, lineage; every number beyond that is an MLflow metric."""

from __future__ import annotations

from components.register.model_card import ANSWER_CHARS, render_model_card

EVALUATION = {
    "primary_metric": "fact_accuracy",
    "delta": 0.0625,
    "ci_low": 0.03125,
    "ci_high": 0.09375,
    "champion_label": "smollm2-135m-instruct",
    "candidate": {"fact_accuracy": 0.125, "rouge_l": 0.31},
    "champion": {"fact_accuracy": 0.0625, "rouge_l": 0.2},
}
ROW = {
    "question": [{"role": "user", "content": "How much is the Plus plan?"}],
    "reference": "Plus costs $8 per month.",
    "candidate_answer": "The Plus plan is $8 a month.\n\nBilled monthly.",
    "champion_answer": "x" * 1000,
}


def test_card_has_the_primary_metric_three_answers_and_lineage_and_no_metric_table():
    lineage = {"git.commit": "abc123", "source.train_run_id": "r1", "eval.delta": "0.0625"}
    card = render_model_card(
        "assistant", {"method": "dpo", "base_model": "smollm2"}, lineage, "models:/tuneline-base/1",
        EVALUATION, "Quillnote support.", "Small model.", [ROW] * 5,
    )  # fmt: skip
    assert "**fact_accuracy** +0.062 against smollm2-135m-instruct (95% interval [+0.031, +0.094]" in card
    assert card.count("**How much is the Plus plan?**") == 3  # three answers, not five
    assert "- this version: The Plus plan is $8 a month. Billed monthly." in card  # one line per answer
    assert f"- smollm2-135m-instruct: {'x' * (ANSWER_CHARS - 1)}…" in card
    assert "- git.commit: `abc123`" in card and "eval.delta" not in card
    assert "rouge_l" not in card and "| metric |" not in card  # numbers live in MLflow metrics
    assert "**Intended use:** Quillnote support." in card and len(card.splitlines()) < 40


def test_card_without_an_evaluation_says_so():
    card = render_model_card("a", {}, {}, "models:/b/1", None, "use", "limits")
    assert "Not evaluated before registration." in card and "golden answers" not in card

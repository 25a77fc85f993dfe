"""The demo summary's fact section: fact accuracy with its interval, then answers side by side."""

from __future__ import annotations

from pipelines.summary import print_facts


def row(i: int, missed: list[str], wrong: list[str]) -> dict:
    return {
        "id": f"gold-{i:03d}",
        "question": f"question {i}?",
        "reference": f"reference {i} with $6.",
        "champion_answer": f"base answer {i}",
        "candidate_answer": f"tuned answer {i} with $6.",
        "champion": {"facts_missed": ["$6"], "wrong_facts_stated": []},
        "candidate": {"facts_missed": missed, "wrong_facts_stated": wrong},
    }


def test_prints_the_interval_and_three_evenly_spaced_questions(capsys):
    report = {
        "paired": {
            "fact_accuracy": {
                "champion": 0.0,
                "candidate": 0.5,
                "mean_delta": 0.5,
                "ci_low": 0.3,
                "ci_high": 0.7,
            }
        },
        "examples": [row(i, [] if i % 2 else ["$6"], ["$8"] if i == 4 else []) for i in range(1, 7)],
    }
    print_facts(report, "base model")
    out = capsys.readouterr().out
    assert "fact accuracy (every key fact stated, no wrong one): base model 0.000 -> candidate 0.500" in out
    assert "delta +0.500, 95% CI [+0.300, +0.700]" in out
    assert [line.split("(")[1].split(")")[0] for line in out.splitlines() if "Q (" in line] == [
        "gold-001",
        "gold-003",
        "gold-005",
    ]
    assert "tuned answer 1 with $6.  [all key facts]" in out
    assert "base answer 1  [missed: $6]" in out


def test_says_nothing_without_fact_metrics(capsys):
    print_facts({"paired": {"rouge_l": {}}, "examples": []}, "base model")
    assert capsys.readouterr().out == ""

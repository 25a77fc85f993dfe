"""Fact check: does each answer state its reference's key facts, and none of the known wrong ones?

For every golden row with declared `key_facts` (prices, numbers with a unit, menu paths, error codes,
shortcuts, named plans and features of the canonical answer) and `wrong_facts` (the values of a plausible
wrong answer), matched by components.common.facts.states (case, spacing and trivial formatting ignored;
"$6" is not in "$60", a shorter menu path is not a longer one):

* fact_recall          mean share of the key facts an answer states
* fact_accuracy        share of answers that state every key fact and no wrong fact (the primary metric of a
                       support assistant: the answer a user can act on)
* contradiction_rate   share of answers that state a wrong fact (lower is better)

Returns those three means plus per-answer lists `fact_recall_scores`, `fact_accuracy_scores`,
`contradiction_flags`, and `hits`, `misses`, `wrong` (the facts themselves) for the report's table.
"""

from __future__ import annotations

import datasets
import evaluate

from components.common.facts import facts_stated


class FactCheck(evaluate.Metric):
    """Key-fact recall, all-facts accuracy and contradiction rate against declared facts."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="predictions: answers; key_facts: per answer, the facts a right answer "
            "states (at least one); wrong_facts: per answer, the values of a known wrong answer.",
            features=datasets.Features(
                {
                    "predictions": datasets.Value("string"),
                    "key_facts": datasets.Sequence(datasets.Value("string")),
                    "wrong_facts": datasets.Sequence(datasets.Value("string")),
                }
            ),
        )

    def _compute(
        self, predictions: list[str], key_facts: list[list[str]], wrong_facts: list[list[str]]
    ) -> dict:
        hits, misses, wrong = [], [], []
        for answer, keys, bad in zip(predictions, key_facts, wrong_facts, strict=True):
            if not keys:
                raise ValueError("fact_check needs at least one key fact per answer")
            stated = facts_stated(keys, answer)
            hits.append(stated)
            misses.append([k for k in keys if k not in stated])
            wrong.append(facts_stated(bad, answer))
        recall = [len(h) / (len(h) + len(m)) for h, m in zip(hits, misses, strict=True)]
        accurate = [float(not m and not w) for m, w in zip(misses, wrong, strict=True)]
        contradicted = [float(bool(w)) for w in wrong]
        n = max(len(predictions), 1)
        return {
            "fact_recall": sum(recall) / n,
            "fact_accuracy": sum(accurate) / n,
            "contradiction_rate": sum(contradicted) / n,
            "fact_recall_scores": recall,
            "fact_accuracy_scores": accurate,
            "contradiction_flags": contradicted,
            "hits": hits,
            "misses": misses,
            "wrong": wrong,
        }

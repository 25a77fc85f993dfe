"""Answer length statistics: words (components.common.text.words) and generated tokens.

Returns answer_words_mean / _median / _p90 (linear interpolation) / _max, answer_tokens_mean,
empty_answer_rate (answers without a word), truncated_rate (generation stopped by max_new_tokens,
finish_reason "length"), and "words" (per answer).
"""

from __future__ import annotations

import statistics

import datasets
import evaluate
import numpy

from components.common.text import words


class AnswerLength(evaluate.Metric):
    """How long the answers are, and how often generation hit its length cap."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="predictions: answers; completion_tokens: generated tokens per answer; "
            'finish_reasons: "stop" or "length" per answer.',
            features=datasets.Features(
                {
                    "predictions": datasets.Value("string"),
                    "completion_tokens": datasets.Value("int64"),
                    "finish_reasons": datasets.Value("string"),
                }
            ),
        )

    def _compute(
        self, predictions: list[str], completion_tokens: list[int], finish_reasons: list[str]
    ) -> dict:
        if not predictions:
            raise ValueError("answer length needs at least one answer")
        counts = [len(words(p)) for p in predictions]
        return {
            "answer_words_mean": statistics.fmean(counts),
            "answer_words_median": float(statistics.median(counts)),
            "answer_words_p90": float(numpy.percentile(counts, 90)),
            "answer_words_max": float(max(counts)),
            "answer_tokens_mean": statistics.fmean(completion_tokens),
            "empty_answer_rate": sum(c == 0 for c in counts) / len(counts),
            "truncated_rate": sum(r == "length" for r in finish_reasons) / len(finish_reasons),
            "words": counts,
        }

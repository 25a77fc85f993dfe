"""Generation latency and throughput from timed batches (one row per generate() call).

latency_s_per_answer = total seconds / answers (a batch's wall time shared by its answers);
tokens_per_second = generated tokens / total seconds; batch_latency_p50_s / _p90_s over batches;
generation_seconds = total. Figures are what the original (uncached) generation measured, on the machine
and batch size recorded with it. Lower latency, higher throughput is better.
"""

from __future__ import annotations

import datasets
import evaluate
import numpy


class GenerationSpeed(evaluate.Metric):
    """Latency per answer and tokens per second."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=__doc__,
            citation="",
            inputs_description="batch_seconds: wall time per batch; batch_sizes: answers per batch; "
            "batch_tokens: generated tokens per batch.",
            features=datasets.Features(
                {
                    "batch_seconds": datasets.Value("float64"),
                    "batch_sizes": datasets.Value("int64"),
                    "batch_tokens": datasets.Value("int64"),
                }
            ),
        )

    def _compute(self, batch_seconds: list[float], batch_sizes: list[int], batch_tokens: list[int]) -> dict:
        total = float(sum(batch_seconds))
        if not batch_seconds or total <= 0 or sum(batch_sizes) <= 0:
            raise ValueError("generation speed needs at least one timed, non-empty batch")
        return {
            "latency_s_per_answer": total / sum(batch_sizes),
            "tokens_per_second": sum(batch_tokens) / total,
            "batch_latency_p50_s": float(numpy.percentile(batch_seconds, 50)),
            "batch_latency_p90_s": float(numpy.percentile(batch_seconds, 90)),
            "generation_seconds": total,
        }

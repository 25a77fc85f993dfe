"""Prometheus metrics of one server (own registry, so several apps in one process do not collide).

curl -s 127.0.0.1:8000/metrics | grep tuneline_
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128)


class ServingMetrics:
    """Requests, latency, tokens, errors, batches and which registry version is being served."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "tuneline_requests", "HTTP requests answered", ["endpoint", "status"], registry=r
        )
        self.latency = Histogram(
            "tuneline_request_latency_seconds",
            "Time from request to last byte",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.first_token = Histogram(
            "tuneline_time_to_first_token_seconds",
            "Time from request to first streamed token",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens_generated = Counter(
            "tuneline_tokens_generated", "Completion tokens generated", registry=r
        )
        self.prompt_tokens = Counter("tuneline_prompt_tokens", "Prompt tokens processed", registry=r)
        self.errors = Counter("tuneline_errors", "Error answers by type", ["type"], registry=r)
        self.batch_size = Histogram(
            "tuneline_batch_size",
            "Requests generated together",
            buckets=(1, 2, 3, 4, 6, 8, 12, 16, 32),
            registry=r,
        )
        self.queue_depth = Gauge("tuneline_queue_depth", "Requests waiting for a batch", registry=r)
        self.served_version = Gauge(
            "tuneline_served_version",
            "1 for the registry version being served",
            ["name", "version"],
            registry=r,
        )
        self.swaps = Counter(
            "tuneline_model_swaps", "Times a new version replaced the served one", registry=r
        )
        self.load_failures = Counter(
            "tuneline_model_load_failures",
            "Versions that failed to load (old one kept)",
            ["version"],
            registry=r,
        )
        self.poll_errors = Counter("tuneline_registry_poll_errors", "Alias checks that failed", registry=r)

    def set_served(self, name: str, version: str) -> None:
        """Point the served-version gauge at `version` (only one label set is 1 at a time)."""
        self.served_version.clear()
        self.served_version.labels(name=name, version=version).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)

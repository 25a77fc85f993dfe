"""Prometheus metrics of one server (own registry, so several apps in one process do not collide).

curl -s 127.0.0.1:8000/metrics | grep tuneline_
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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
        self.routed = Counter(
            "tuneline_routed_requests",
            "Answers by route (champion | canary | shadow) and the version that gave them",
            ["route", "version"],
            registry=r,
        )
        self.context_routed = Counter(
            "tuneline_context_routed_requests",
            "Requests to the router model by the model chosen and why (rule | similarity | fallback)",
            ["model", "by"],
            registry=r,
        )
        self.shadow_dropped = Counter(
            "tuneline_shadow_dropped",
            "Shadow generations skipped (backlog full or no challenger)",
            registry=r,
        )
        self.feedback = Counter(
            "tuneline_feedback", "Feedback received, by rating and outcome", ["rating", "status"], registry=r
        )
        self.request_log_dropped = Gauge(
            "tuneline_request_log_dropped", "Request log records dropped (writer queue full)", registry=r
        )
        self.request_log_errors = Gauge(
            "tuneline_request_log_write_errors", "Request log records that failed to write", registry=r
        )

    def set_served(self, served: Iterable[tuple[str, str]]) -> None:
        """Point the served-version gauge at the (name, version) pairs held now (champion, challenger)."""
        self.served_version.clear()
        for name, version in served:
            self.served_version.labels(name=name, version=version).set(1)

    def watch_request_log(self, dropped: Callable[[], float], errors: Callable[[], float]) -> None:
        """Read the request log's drop and error counts at scrape time."""
        self.request_log_dropped.set_function(dropped)
        self.request_log_errors.set_function(errors)

    def render(self) -> bytes:
        return generate_latest(self.registry)

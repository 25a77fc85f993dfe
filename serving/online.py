"""The serving side of the online loop: the request log (every answer, shadow ones too) and feedback.

    online = OnlineLog.from_settings(settings, metrics)   # logging off when TUNELINE_REQUEST_LOG_URL is empty
    online.answered(completion_id, started, messages, user, t0, answer, finish_reason, completion_tokens)
    Submission(..., route="shadow", sink=online.shadow_sink(primary_id, messages, user, t0))
    await online.feedback(FeedbackRequest(completion_id="chatcmpl-...", rating="up"))

Writing goes through `RequestLog.record`, which only queues (components/common/request_log.py): the
database never adds latency to an answer. Feedback waits for that queue, so it finds an answer given a
moment ago.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from fastapi.concurrency import run_in_threadpool

from components.common.generation import TokenEvent
from components.common.request_log import RequestLog, RequestRecord, UnknownCompletion, safe_url
from serving.batching import Started
from serving.metrics import ServingMetrics
from serving.schemas import ApiError, FeedbackRequest
from serving.settings import ServingSettings

log = logging.getLogger("tuneline.serving")


class OnlineLog:
    def __init__(self, request_log: RequestLog | None, metrics: ServingMetrics):
        self.log = request_log
        self.metrics = metrics
        if request_log is not None:
            metrics.watch_request_log(lambda: request_log.dropped, lambda: request_log.write_errors)

    @classmethod
    def from_settings(cls, settings: ServingSettings, metrics: ServingMetrics) -> OnlineLog:
        if not settings.request_log_url:
            return cls(None, metrics)
        days = settings.request_log_retention_days or None
        return cls(
            RequestLog(settings.request_log_url, settings.request_log_redact, retention_days=days), metrics
        )

    @property
    def enabled(self) -> bool:
        return self.log is not None

    def start(self) -> None:
        if self.log is not None:
            self.log.start()
            log.info("logging requests to %s", safe_url(self.log.url))

    def close(self) -> None:
        if self.log is not None:
            self.log.close()

    def answered(
        self,
        completion_id: str,
        started: Started,
        messages: list[dict[str, str]],
        user: str | None,
        t0: float,
        answer: str,
        finish_reason: str | None,
        completion_tokens: int,
        shadow_of: str | None = None,
        routing: str | None = None,
    ) -> None:
        """Queue the record of one answer (non-blocking); `t0` is when the request arrived (monotonic)."""
        if self.log is None:
            return
        served = started.served
        self.log.record(
            RequestRecord(
                id=completion_id,
                version=served.version,
                route=started.route,
                messages=messages,
                answer=answer,
                model=served.name,
                user=user,
                prompt_tokens=started.prompt_tokens,
                completion_tokens=completion_tokens,
                latency_ms=(time.monotonic() - t0) * 1000,
                finish_reason=finish_reason,
                shadow_of=shadow_of,
                routing=routing,
            )
        )

    def shadow_sink(
        self,
        primary_id: str,
        messages: list[dict[str, str]],
        user: str | None,
        t0: float,
        routing: str | None = None,
    ) -> Callable[[object], None]:
        """Events of the challenger's shadow answer (on the batch thread) -> one log row, `<id>-shadow`."""
        seen: list[Started] = []

        def sink(event: object) -> None:
            if isinstance(event, Started):
                seen.append(event)
            elif isinstance(event, TokenEvent) and event.finish_reason and seen:
                self.answered(
                    f"{primary_id}-shadow", seen[0], messages, user, t0, event.text,
                    event.finish_reason, event.completion_tokens, shadow_of=primary_id, routing=routing,
                )  # fmt: skip
            elif isinstance(event, ApiError):
                log.info("shadow answer for %s failed: %s", primary_id, event.message)

        return sink

    async def feedback(self, body: FeedbackRequest) -> dict:
        """Store feedback on a logged completion: recorded | unchanged | updated; 404 for an unknown id."""
        if self.log is None:
            raise ApiError(
                503,
                "feedback needs the request log, which is off (TUNELINE_REQUEST_LOG_URL is empty)",
                type="server_error",
                code="request_log_disabled",
            )
        rating = body.rating or "none"
        try:
            status, row = await run_in_threadpool(
                self.log.add_feedback, body.completion_id, body.rating, body.comment, body.preferred
            )
        except UnknownCompletion:
            self.metrics.feedback.labels(rating=rating, status="not_found").inc()
            raise ApiError(
                404,
                f"no logged completion {body.completion_id!r} (never answered here, or past retention)",
                code="completion_not_found",
                param="completion_id",
            ) from None
        self.metrics.feedback.labels(rating=rating, status=status).inc()
        return {"object": "feedback", "id": row["id"], "completion_id": body.completion_id, "status": status}

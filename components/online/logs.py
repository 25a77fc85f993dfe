"""Reading serving's request log (components/common/request_log.py) for the online commands.

    rows = read_requests("sqlite:///requests.db", since=time.time() - 86400, routes=["champion", "canary"])

A SQLite URL whose file does not exist is an error (opening it would silently create an empty log).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from components.common.config import ConfigError


def check_log_url(url: str) -> None:
    """Refuse a SQLite URL that names a missing file: it is a typo or the wrong folder, not an empty log."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(file).is_file():
        raise ConfigError(f"request log {file} does not exist (set request_log_url)")


def read_requests(
    url: str, since: float | None = None, until: float | None = None, routes: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Logged requests with their feedback, oldest first (RequestLog.requests), without starting a writer."""
    from components.common.request_log import RequestLog

    check_log_url(url)
    log = RequestLog(url)
    try:
        return log.requests(since=since, until=until, routes=routes)
    finally:
        log.close()


def last_user_turn(messages: list[dict[str, Any]]) -> str | None:
    """The user message a request asked (the last one), or None."""
    for message in reversed(messages or []):
        if (
            isinstance(message, dict)
            and message.get("role") == "user"
            and isinstance(message.get("content"), str)
        ):
            return message["content"]
    return None

"""Chat messages as every step reads them: one parser, so a golden prompt, a preference pair and a pyfunc input
are held to the same rule.

    parse_messages(row["prompt"], "data/raw/golden.jsonl:3", "prompt", last="user")
    # -> [{"role": "user", "content": "..."}]; MessagesError("...:3: `prompt` must ...") otherwise

Data validation (components/validate_data/checks.py) reports every problem of a file by rule instead of
stopping at the first, and the HTTP API validates requests with its pydantic schemas (serving/schemas.py);
both accept the same roles as ROLES here.
"""

from __future__ import annotations

from typing import Any

Messages = list[dict[str, str]]
ROLES = ("system", "user", "assistant")


class MessagesError(ValueError):
    """A value is not a list of chat messages; the message names where (file:line) and which field."""


def parse_messages(value: Any, where: str, field: str, last: str | None = None) -> Messages:
    """A non-empty list of {role, content} with role in ROLES (ending with role `last` when given), copied
    down to those two keys."""
    ok = (
        isinstance(value, list)
        and value
        and all(
            isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str)
            for m in value
        )
    )
    if not ok:
        raise MessagesError(
            f"{where}: `{field}` must be a non-empty list of {{role, content}} messages with role in {list(ROLES)}"
        )
    if last is not None and value[-1]["role"] != last:
        raise MessagesError(f"{where}: `{field}` must end with a message of role {last!r}")
    return [{"role": m["role"], "content": m["content"]} for m in value]


def user_turns(record: dict[str, Any]) -> list[str]:
    """User turns of a chat record (SFT `messages` or a preference/golden `prompt`), skipping malformed ones:
    what the vector index stores for a data file or a registered version's training prompts."""
    messages = record.get("messages", record.get("prompt"))
    if not isinstance(messages, list):
        return []
    return [
        m["content"]
        for m in messages
        if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)
    ]

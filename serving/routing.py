"""Which version answers a request: the champion, or (canary routing) the challenger for a share of traffic.

    key = routing_key(req.user, request.headers.get("x-session-id"))    # None when the client sends neither
    choose_route("canary", 0.1, key, challenger_ready=True)             # "canary" for ~10% of keys, always the same

A key (the OpenAI `user` field, else an `x-session-id` header) is hashed (sha256) to a number in [0, 1) and
compared with the fraction, so a user or session keeps its version across requests and across replicas;
without a key each request is drawn at random. Shadow routing answers every client with the champion.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable


def routing_key(user: str | None, session_id: str | None) -> str | None:
    """What keeps a client on one version: the request's `user`, else its session header."""
    return user or session_id or None


def sticky_draw(key: str) -> float:
    """A number in [0, 1) fixed by `key` (the same on every replica and after restarts)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def choose_route(
    mode: str,
    fraction: float,
    key: str | None,
    challenger_ready: bool,
    draw: Callable[[], float] = random.random,
) -> str:
    """ "canary" (the challenger answers) or "champion"; always "champion" unless canary routing has a challenger."""
    if mode != "canary" or not challenger_ready:
        return "champion"
    return "canary" if (sticky_draw(key) if key else draw()) < fraction else "champion"

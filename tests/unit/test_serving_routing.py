"""Routing decisions and the batcher's work queue (pure pieces of online serving; no model, no server)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from serving.routing import choose_route, routing_key, sticky_draw
from serving.work_queue import WorkQueue


@dataclass
class Item:
    name: str
    target: str = "champion"
    shadow: bool = False
    enqueued_at: float = field(default_factory=time.monotonic)


def names(batch: list[Item]) -> list[str]:
    return [item.name for item in batch]


def test_sticky_canary_keeps_each_key_on_one_version_and_splits_keys_by_the_fraction():
    keys = [f"user-{i}" for i in range(2000)]
    routes = [choose_route("canary", 0.25, k, True) for k in keys]
    assert routes == [choose_route("canary", 0.25, k, True) for k in keys]  # deterministic per key
    assert 400 < routes.count("canary") < 600
    assert all((r == "canary") == (sticky_draw(k) < 0.25) for k, r in zip(keys, routes, strict=True))


def test_routes_without_a_challenger_or_outside_canary_are_champion():
    assert choose_route("canary", 1.0, None, challenger_ready=False) == "champion"
    assert choose_route("shadow", 1.0, "u", challenger_ready=True) == "champion"
    assert choose_route("off", 1.0, "u", challenger_ready=True) == "champion"
    assert choose_route("canary", 0.3, None, True, draw=lambda: 0.29) == "canary"
    assert choose_route("canary", 0.3, None, True, draw=lambda: 0.31) == "champion"
    assert routing_key("alice", "session-1") == "alice" and routing_key(None, "session-1") == "session-1"
    assert routing_key("", None) is None


def test_champion_and_canary_requests_share_a_batch_in_arrival_order():
    work = WorkQueue()
    for item in [Item("a1"), Item("b1", "challenger"), Item("a2"), Item("b2", "challenger"), Item("a3")]:
        work.put(item)
    assert names(work.next_batch(max_size=3, window_s=0, since=0)) == ["a1", "b1", "a2"]
    assert names(work.next_batch(max_size=8, window_s=0, since=0)) == ["b2", "a3"]
    assert work.primary == 0 and work.next_batch(8, 0, 0) == []


def test_shadow_work_waits_until_no_client_request_is_queued():
    work = WorkQueue()
    work.put(Item("s1", "challenger", shadow=True))
    work.put(Item("p1", "challenger"))
    work.put(Item("s2", "challenger", shadow=True))
    assert names(work.next_batch(8, 0, 0)) == ["p1"]  # same target, but a client waits: no shadow rows in it
    assert (work.primary, work.shadow) == (0, 2)
    assert names(work.next_batch(8, window_s=5, since=0)) == ["s1", "s2"]  # shadow batches do not wait

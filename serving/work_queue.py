"""The batcher's waiting room: primary requests first; shadow work only when no primary request waits.

    work = WorkQueue(); work.put(submission)
    batch = work.next_batch(max_size=8, window_s=0.02, since=last_batch_end)   # [] after 0.2 s of nothing

A batch holds submissions of one kind (primary or shadow), whichever alias they target: the batcher runs
champion and challenger rows over one base in one forward pass. A primary batch waits up to `window_s` for more of its kind, counted from its first request's
arrival or from `since` (the end of the previous batch), whichever is later; a shadow batch takes what is
waiting and goes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Protocol


class Work(Protocol):
    shadow: bool  # True: nobody waits for it; runs after primary work
    enqueued_at: float


class WorkQueue:
    def __init__(self) -> None:
        self._items: deque[Work] = deque()
        self._cond = threading.Condition()
        self.primary = 0  # primary submissions waiting (back-pressure counts these)
        self.shadow = 0

    def put(self, item: Work) -> None:
        with self._cond:
            self._items.append(item)
            self._count(item, 1)
            self._cond.notify()

    def next_batch(self, max_size: int, window_s: float, since: float) -> list:
        """The next batch: the oldest primary submission (else the oldest shadow one) and its kin."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._items, timeout=0.2):
                return []
            leader = next((item for item in self._items if not item.shadow), self._items[0])
            batch = self._take(leader.shadow, max_size)
            deadline = max(leader.enqueued_at, since) + window_s
            while not leader.shadow and len(batch) < max_size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
                batch += self._take(leader.shadow, max_size - len(batch))
            return batch

    def _take(self, shadow: bool, limit: int) -> list:
        """Remove and return the first `limit` queued items of that kind, keeping the rest in order."""
        taken, kept = [], deque()
        for item in self._items:
            if len(taken) < limit and item.shadow == shadow:
                taken.append(item)
                self._count(item, -1)
            else:
                kept.append(item)
        self._items = kept
        return taken

    def _count(self, item: Work, change: int) -> None:
        if item.shadow:
            self.shadow += change
        else:
            self.primary += change

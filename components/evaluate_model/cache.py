"""On-disk cache of generations and model scores, so an unchanged model on an unchanged set costs nothing.

    key = cache_key("generations", fingerprint=chat_fingerprint, golden=golden_hash, generation=gen_cfg)
    cache = ResultCache(folder)             # default $TUNELINE_CACHE/generations
    cache.get(key) or cache.put(key, {...})

A key is the sha256 of the kind plus every input that changes the result (model fingerprint = base and
adapter content, the golden-set hash, the full generation config, the scoring settings). Entries are JSON
files written atomically, so concurrent evaluations and a killed run never leave half an entry; a damaged
entry is treated as missing. Deleting the folder only costs recomputation.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from components.common.settings import get_settings

log = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when what an entry holds, or how it is computed, changes


def default_cache_dir() -> Path:
    return get_settings().cache / "generations"


def cache_key(kind: str, **parts: Any) -> str:
    """Stable key from the kind and JSON-able parts (order of keyword arguments does not matter)."""
    payload = json.dumps({"kind": kind, "format": CACHE_FORMAT, **parts}, sort_keys=True, default=str)
    return f"{kind}-{hashlib.sha256(payload.encode()).hexdigest()[:40]}"


class ResultCache:
    """JSON entries under one folder; `enabled=False` makes every lookup a miss and every put a no-op."""

    def __init__(self, folder: str | Path | None = None, enabled: bool = True):
        self.folder = Path(folder) if folder else default_cache_dir()
        self.enabled = enabled

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        path = self.path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("ignoring damaged cache entry %s", path)
            return None
        return entry if isinstance(entry, dict) and entry.get("key") == key else None

    def put(self, key: str, entry: dict[str, Any]) -> dict[str, Any]:
        """Store `entry` (the key is added to it) and return it."""
        entry = {**entry, "key": key}
        if not self.enabled:
            return entry
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, ensure_ascii=False)
            os.replace(tmp, self.path(key))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return entry

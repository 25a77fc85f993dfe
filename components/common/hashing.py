"""Content hashes for lineage: files, folders, and a stat-keyed memo so repeated hashing is cheap.

`content_hash(path)` returns the sha256 of a file, or of a folder's (relative path, file hash) list.
Hashes of large files are remembered in `<cache>/hash-memo.json` keyed by (path, size, mtime_ns), so
hashing the same unchanged 500 MB file twice costs one `stat`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

_CHUNK = 1 << 20
_MEMO_MIN_BYTES = 1 << 20  # smaller files are cheaper to hash than to look up


def file_sha256(path: str | Path) -> str:
    """sha256 of one file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class HashMemo:
    """Remembers file hashes by (absolute path, size, mtime_ns); a changed file is re-hashed."""

    def __init__(self, memo_file: Path | None):
        self.memo_file = memo_file
        self._entries: dict[str, list] = {}
        if memo_file and memo_file.is_file():
            try:
                self._entries = json.loads(memo_file.read_text())
            except (OSError, ValueError):
                self._entries = {}  # a damaged memo only costs a re-hash

    def file_hash(self, path: Path) -> str:
        stat = path.stat()
        if stat.st_size < _MEMO_MIN_BYTES:
            return file_sha256(path)
        key = str(path.resolve())
        entry = self._entries.get(key)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[2]
        digest = file_sha256(path)
        self._entries[key] = [stat.st_size, stat.st_mtime_ns, digest]
        self._save()
        return digest

    def _save(self) -> None:
        if not self.memo_file:
            return
        try:
            self.memo_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.memo_file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._entries, sort_keys=True))
            os.replace(tmp, self.memo_file)
        except OSError:
            pass  # a read-only cache (e.g. baked into an image) only costs re-hashing next time


def content_hash(path: str | Path, memo: HashMemo | None = None) -> str:
    """sha256 identity of a file or folder (folder: sorted relative paths with their file hashes)."""
    path = Path(path)
    memo = memo or HashMemo(None)
    if path.is_file():
        return memo.file_hash(path)
    if not path.is_dir():
        raise FileNotFoundError(f"cannot hash {path}: no such file or folder")
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path).as_posix()
        digest.update(f"{rel}\0{memo.file_hash(file)}\n".encode())
    return digest.hexdigest()

"""Prompt embeddings in a vector database: Milvus Lite (one local folder) by default, a Milvus server by URI.

    with PromptIndex() as index:                       # $TUNELINE_VECTOR_URI or artifacts/vectors/prompts.db
        index.sync("dataset/3f2a9c0d1e2b4a5c", prompts)  # store exactly these texts under the key, incrementally
        hits = index.nearest(["How do I export a PDF?"], "dataset/3f2a9c0d1e2b4a5c", k=3)
        texts, vectors = index.vectors("support-assistant/3")   # for scoring in memory (serving's router)

A key names one set of prompts: `support-assistant/3` (a registered version's training prompts),
`dataset/<sha256[:16]>` (a data file's prompts), `served/<model>/<YYYY-MM-DD>` (a request-log window).
One collection (`prompts`) holds every key's rows: id = sha256(embedder, key, text)[:32], fields key, kind,
embedder, text_hash = sha256(embedder, text)[:32], text (truncated to TEXT_MAX_BYTES) and a COSINE vector.
`sync` is incremental by content hash: rows already stored are kept, a text embedded under any other key is
copied (a new model version trained on the same data embeds nothing), the rest is embedded, rows no longer
wanted are deleted, then (Milvus Lite) the collection is flushed: Lite searches unflushed rows by brute
force, ~45 us a row. Collections are created with Strong consistency, so a read sees the writes before it.
An index holds one embedder's vectors (its dimension is checked); rows say which embedder made them.
A small `prompts_keys` collection lists the keys (Milvus has no DISTINCT) with their kind and row count.

URIs. A path ending in `.db` is Milvus Lite (pymilvus starts it in this process on first use; the `.db` is
a folder); `http(s)://host:19530` is a Milvus server, with the token from $TUNELINE_MILVUS_TOKEN.

Measured (milvus-lite 3.2.2, pymilvus 3.0.2, 2 CPU cores): import ~1 s, open 0.2 s; top-5 COSINE search
after flush: 200 rows 3 ms, 2,000 rows 7.5 ms, 20,000 rows 47 ms (FLAT; HNSW was not faster at this size).

Several processes. Milvus Lite serves a data folder from one process at a time: it takes an exclusive
`flock` on `<uri>/LOCK` when opened and keeps it until its in-process server stops (pymilvus'
`MilvusClient.close()` alone does NOT stop it: the lock stays until the process exits). A second process
opening the same folder meanwhile fails ("Open local milvus failed", DataDirLockedError in the log).
So `PromptIndex.close()` stops the Lite server when the last index on that path in this process closes,
and opening retries until `wait_s` (60 s by default) has passed: a server loading vectors and a pipeline
step syncing take turns, each holding the folder for the seconds it needs, instead of failing. Open an
index, do the work, close it (the context manager does). Processes that need the index at the same time,
all the time, should share a Milvus server (TUNELINE_VECTOR_URI=http://...), which has no such lock.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from components.common.embeddings import Embedder

DEFAULT_URI = "artifacts/vectors/prompts.db"
URI_ENV = "TUNELINE_VECTOR_URI"
TOKEN_ENV = "TUNELINE_MILVUS_TOKEN"
TEXT_MAX_BYTES = 8192  # stored text is cut to this many UTF-8 bytes (hashes and embeddings use all of it)
KEY_MAX = 512
CHUNK = 1000  # ids per `in [...]` filter, rows per insert / iterator batch
SEARCH_CHUNK = 256  # queries per search call
QUERY_LIMIT = 16384  # Milvus caps offset + limit of a query at this
# no keepalive pings to the in-process Lite server: while a long sync embeds, the idle channel's pings (every
# 10 s by pymilvus' default) make gRPC log "GOAWAY ... too_many_pings" errors
LITE_GRPC = {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": 0}
_LITE_USERS: dict[str, int] = {}  # Lite folder -> PromptIndex objects open on it in this process
_LITE_LOCK = threading.Lock()


def vector_uri() -> str:
    """$TUNELINE_VECTOR_URI, else DEFAULT_URI (relative to the working folder, like mlflow.db)."""
    return os.environ.get(URI_ENV) or DEFAULT_URI


def is_lite(uri: str) -> bool:
    """pymilvus' own rule: a URI ending in .db is a Milvus Lite folder."""
    return uri.endswith(".db") and "://" not in uri


@dataclass
class SyncResult:
    """What `sync` did: added = reused (copied from another key) + embedded; rows = the key's rows now."""

    key: str
    added: int
    removed: int
    kept: int
    reused: int
    embedded: int
    embed_s: float
    total_s: float
    rows: int


@dataclass
class Hit:
    key: str
    text: str
    similarity: float  # cosine similarity, 1 = same direction


def dataset_key(sha256: str) -> str:
    """The key of a data file's prompts (every user turn), from the sha256 of the file's bytes."""
    return f"dataset/{sha256[:16]}"


def text_hash(embedder: str, text: str) -> str:
    return hashlib.sha256(f"{embedder}\0{text}".encode()).hexdigest()[:32]


def row_id(embedder: str, key: str, text: str) -> str:
    return hashlib.sha256(f"{embedder}\0{key}\0{text}".encode()).hexdigest()[:32]


def truncate_utf8(text: str, max_bytes: int = TEXT_MAX_BYTES) -> str:
    """`text` cut to at most max_bytes of UTF-8 without splitting a character (Milvus limits bytes)."""
    raw = text.encode()
    return text if len(raw) <= max_bytes else raw[:max_bytes].decode(errors="ignore")


def literal(value: str) -> str:
    """A Milvus filter string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_key(key: str) -> str:
    if not key or len(key) > KEY_MAX or any(ord(c) < 32 for c in key):
        raise ValueError(f"bad vector-index key {key!r}: 1-{KEY_MAX} printable characters")
    return key


def unique_texts(texts: Sequence[str]) -> list[str]:
    """Texts in first-seen order, exact duplicates and empty strings dropped."""
    return [t for t in dict.fromkeys(texts) if t.strip()]


def locked_elsewhere(folder: str) -> bool:
    """Whether another process holds Milvus Lite's `flock` on `<folder>/LOCK` (call it only when this process
    serves nothing there: a lock it holds itself would look the same)."""
    try:
        import fcntl
    except ImportError:  # Windows: assume the lock is the reason
        return True
    if not os.path.exists(os.path.join(folder, "LOCK")):
        return False
    fd = os.open(os.path.join(folder, "LOCK"), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


class _QuietIterator(logging.Filter):
    """Milvus Lite has no MVCC timestamp: pymilvus' iterator warns on every query_iterator call."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "mvccTs" not in record.getMessage()


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_QuietIterator())


class _QuietLock(logging.Filter):
    """While another process holds a Lite folder, milvus_lite logs a traceback per failed open attempt."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to start MilvusLite server" not in record.getMessage()


class PromptIndex:
    """Prompt embeddings by key in one Milvus collection (see the module docstring); a context manager."""

    def __init__(
        self,
        uri: str | None = None,
        embedder: Embedder | None = None,
        collection: str = "prompts",
        wait_s: float = 60.0,
    ):
        self.uri = uri or vector_uri()
        self.collection = collection
        self.keys_collection = f"{collection}_keys"
        self._embedder = embedder
        self._lite_path = str(Path(self.uri).resolve()) if is_lite(self.uri) else None
        self._stored_dim: int | None = None
        self.client = self._connect(wait_s)
        try:
            self._ensure_collections()
        except BaseException:
            self.close()
            raise

    # --- connection ---------------------------------------------------------------------------------

    def _connect(self, wait_s: float) -> Any:
        from pymilvus import MilvusClient

        if self._lite_path is None:
            return MilvusClient(uri=self.uri, token=os.environ.get(TOKEN_ENV, ""))
        Path(self._lite_path).parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_s
        quiet = _QuietLock()
        logging.getLogger("milvus_lite.server_manager").addFilter(quiet)
        try:
            while True:
                try:
                    client = MilvusClient(uri=self._lite_path, grpc_options=LITE_GRPC)
                    break
                except Exception as exc:  # pymilvus: ConnectionConfigException("Open local milvus failed")
                    if not locked_elsewhere(self._lite_path):
                        raise  # not the lock: a real error, no point waiting
                    if time.monotonic() >= deadline:
                        raise RuntimeError(
                            f"cannot open the vector index {self.uri}: another process has held it for "
                            f"{wait_s:.0f} s (Milvus Lite serves a folder from one process at a time; "
                            f"use a Milvus server for shared access, {URI_ENV}=http://host:19530)"
                        ) from exc
                    time.sleep(0.25)
        finally:
            logging.getLogger("milvus_lite.server_manager").removeFilter(quiet)
        with _LITE_LOCK:
            _LITE_USERS[self._lite_path] = _LITE_USERS.get(self._lite_path, 0) + 1
        return client

    def close(self) -> None:
        """Close the client; the last index on a Lite folder in this process also stops its server (lock)."""
        if self.client is None:
            return
        self.client.close()
        self.client = None
        if self._lite_path is None:
            return
        with _LITE_LOCK:
            _LITE_USERS[self._lite_path] -= 1
            last = _LITE_USERS[self._lite_path] == 0
            if last:
                del _LITE_USERS[self._lite_path]
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(self._lite_path)

    def __enter__(self) -> PromptIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def embedder(self) -> Embedder:
        """Loaded on first use, so reading vectors never needs the model."""
        if self._embedder is None:
            self._embedder = Embedder.load()
        return self._embedder

    def _ensure_collections(self) -> None:
        from pymilvus import DataType

        def text(max_length: int) -> dict[str, Any]:
            return {"datatype": DataType.VARCHAR, "max_length": max_length}

        common = [("id", text(32) | {"is_primary": True}), ("key", text(KEY_MAX * 4))]
        common += [("kind", text(64)), ("embedder", text(256))]
        if not self.client.has_collection(self.collection):
            fields = [*common, ("text_hash", text(32)), ("text", text(TEXT_MAX_BYTES))]
            self._create(self.collection, fields, "vector", self.embedder.dim, "COSINE")
        if not self.client.has_collection(self.keys_collection):
            # id = sha256(key), not the key: pymilvus' iterator pages on `pk > "..."` without escaping quotes
            fields = [*common, ("rows", {"datatype": DataType.INT64}), ("updated", text(32))]
            self._create(self.keys_collection, fields, "unused", 2, "L2")  # Milvus wants a vector field
        for name in (self.collection, self.keys_collection):  # an existing collection opens released
            if "NotLoad" in str(self.client.get_load_state(name).get("state")):
                self.client.load_collection(name)

    def _create(self, name: str, fields: list, vector: str, dim: int, metric: str) -> None:
        """A collection with a FLAT index on `vector`. Not create_collection(index_params=...): that polls the
        index state (0.5 s steps) with a call Milvus Lite lacks (an ERROR traceback in the log)."""
        from pymilvus import DataType, MilvusClient

        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        for field_name, kwargs in [*fields, (vector, {"datatype": DataType.FLOAT_VECTOR, "dim": dim})]:
            schema.add_field(field_name, **kwargs)
        index = self.client.prepare_index_params()
        index.add_index(field_name=vector, index_type="FLAT", metric_type=metric)
        self.client.create_collection(name, schema=schema, consistency_level="Strong")  # read your writes
        self.client.create_index(name, index, sync=False)

    # --- reading ------------------------------------------------------------------------------------

    def _rows(self, filter: str, fields: list[str], collection: str | None = None) -> list[dict]:
        """Every row matching `filter`: one query when it returns fewer than QUERY_LIMIT rows (a server's cap),
        else all of them through an iterator (which pages, ~1.8x slower per row on Milvus Lite)."""
        name = collection or self.collection
        rows = self.client.query(name, filter=filter, output_fields=fields, limit=QUERY_LIMIT)
        if len(rows) < QUERY_LIMIT:
            return list(rows)
        iterator = self.client.query_iterator(name, batch_size=CHUNK, filter=filter, output_fields=fields)
        rows = []
        try:
            while batch := iterator.next():
                rows += batch
        finally:
            iterator.close()
        return rows

    def _by_hash(self, hashes: list[str]) -> dict[str, list[float]]:
        """Stored vectors by text_hash (any key), for the hashes given."""
        found: dict[str, list[float]] = {}
        for start in range(0, len(hashes), CHUNK):
            chunk = ", ".join(literal(h) for h in hashes[start : start + CHUNK])
            for row in self._rows(f"text_hash in [{chunk}]", ["text_hash", "vector"]):
                found.setdefault(row["text_hash"], row["vector"])
        return found

    def keys(self, kind: str | None = None) -> list[str]:
        """Keys stored (of one kind), sorted."""
        where = f"kind == {literal(kind)}" if kind else 'key != ""'
        return sorted(row["key"] for row in self._rows(where, ["key"], self.keys_collection))

    def vectors(self, key: str) -> tuple[list[str], np.ndarray]:
        """The key's texts (sorted) and their unit vectors, float32 (n, dim)."""
        rows = sorted(
            self._rows(f"key == {literal(check_key(key))}", ["text", "vector"]), key=lambda r: r["text"]
        )
        if not rows:
            return [], np.zeros((0, self._dim()), dtype=np.float32)
        return [r["text"] for r in rows], np.asarray([r["vector"] for r in rows], dtype=np.float32)

    def _dim(self) -> int:
        """The stored vectors' dimension (from the schema)."""
        if self._stored_dim is None:
            schema = self.client.describe_collection(self.collection)
            self._stored_dim = next(
                int(f["params"]["dim"]) for f in schema["fields"] if f["name"] == "vector"
            )
        return self._stored_dim

    def _checked_embedder(self) -> Embedder:
        """The embedder, if its vectors fit the collection (another model needs another collection)."""
        if self.embedder.dim != self._dim():
            raise ValueError(
                f"{self.embedder.name} makes {self.embedder.dim}-dim vectors; collection {self.collection!r} "
                f"in {self.uri} holds {self._dim()}-dim ones: use another collection"
            )
        return self.embedder

    def search(self, queries: np.ndarray, k: int = 5, keys: list[str] | None = None) -> list[list[Hit]]:
        """The k most similar stored prompts for each query vector (within `keys` when given)."""
        where = f"embedder == {literal(self._checked_embedder().name)}"
        if keys is not None:
            if not keys:
                return [[] for _ in range(len(queries))]
            where += f" and key in [{', '.join(literal(check_key(k)) for k in keys)}]"
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.embedder.dim)
        hits: list[list[Hit]] = []
        for start in range(0, len(queries), SEARCH_CHUNK):
            result = self.client.search(
                self.collection,
                data=queries[start : start + SEARCH_CHUNK].tolist(),
                limit=k,
                filter=where,
                output_fields=["key", "text"],
                search_params={"metric_type": "COSINE"},
            )
            hits += [
                [Hit(h["entity"]["key"], h["entity"]["text"], float(h["distance"])) for h in found]
                for found in result
            ]
        return hits

    def nearest(self, texts: list[str], key: str, k: int = 1) -> list[list[Hit]]:
        """Embed `texts` and return each one's k nearest prompts stored under `key`."""
        if not texts:
            return []
        return self.search(self.embedder.embed(texts), k=k, keys=[key])

    # --- writing ------------------------------------------------------------------------------------

    def sync(self, key: str, texts: list[str], kind: str = "train") -> SyncResult:
        """Make the stored set for `key` exactly `texts` (deduplicated); embeds only texts never seen."""
        started = time.perf_counter()
        name = self._checked_embedder().name
        wanted = {row_id(name, check_key(key), t): t for t in unique_texts(texts)}
        stored = {r["id"]: r["kind"] for r in self._rows(f"key == {literal(key)}", ["kind"])}
        kept = {i for i, k in stored.items() if i in wanted and k == kind}
        removed = sorted(set(stored) - kept)
        new = [i for i in wanted if i not in kept]
        hashes = {i: text_hash(name, wanted[i]) for i in new}
        vectors = self._by_hash(sorted(set(hashes.values())))
        reused = sum(hashes[i] in vectors for i in new)
        missing = list(dict.fromkeys(wanted[i] for i in new if hashes[i] not in vectors))
        embed_started = time.perf_counter()
        if missing:
            computed = self.embedder.embed(missing)
            vectors.update({text_hash(name, t): v.tolist() for t, v in zip(missing, computed, strict=True)})
        embed_s = time.perf_counter() - embed_started if missing else 0.0
        for start in range(0, len(removed), CHUNK):  # first, so a changed kind's rows can come back
            self.client.delete(self.collection, ids=removed[start : start + CHUNK])
        rows = [
            {"id": i, "key": key, "kind": kind, "embedder": name, "text_hash": hashes[i],
             "text": truncate_utf8(wanted[i]), "vector": vectors[hashes[i]]}
            for i in new
        ]  # fmt: skip
        for start in range(0, len(rows), CHUNK):
            self.client.upsert(self.collection, rows[start : start + CHUNK])
        self._record_key(key, kind, len(wanted))
        self._flush(self.collection)
        total_s = round(time.perf_counter() - started, 3)
        return SyncResult(key, len(new), len(removed), len(kept), reused, len(missing), round(embed_s, 3),
                          total_s, len(wanted))  # fmt: skip

    def _record_key(self, key: str, kind: str, rows: int) -> None:
        key_id = hashlib.sha256(key.encode()).hexdigest()[:32]
        if rows == 0:
            self.client.delete(self.keys_collection, ids=[key_id])
        else:
            updated = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            row = {"id": key_id, "key": key, "kind": kind, "embedder": self.embedder.name, "rows": rows,
                   "updated": updated, "unused": [0.0, 0.0]}  # fmt: skip
            self.client.upsert(self.keys_collection, [row])
        self._flush(self.keys_collection)

    def _flush(self, name: str) -> None:
        """Milvus Lite searches unflushed rows by brute force (~45 us a row): flush after writing. A server
        searches its growing segments itself and rate-limits flush calls, so it is not asked to."""
        if self._lite_path is not None:
            self.client.flush(name)

    def drop(self, key: str) -> int:
        """Delete every row of `key`; returns how many there were."""
        return self.sync(key, [], kind="dropped").removed

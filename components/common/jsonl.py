"""Read a JSONL file line by line, keeping every line's number; bad lines become findings, not crashes.

    loaded = read_jsonl(Path("data/raw/sft.jsonl"))
    loaded.records        # [(1, {...}), (2, {...}), ...]  parsed JSON objects with their line numbers
    loaded.parse_errors   # {7: "not valid UTF-8 (byte 0xff at column 12)", 9: "not valid JSON (Expecting value ..."}

Lines are numbered from 1 as an editor shows them. A blank line, bytes that are not UTF-8, text that is
not JSON and JSON that is not an object are all parse errors of that line; reading goes on after them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Record = dict[str, Any]


@dataclass
class LoadedFile:
    """One JSONL file: parsed records and unparseable lines, both keyed by line number."""

    path: Path
    records: list[tuple[int, Record]] = field(default_factory=list)
    parse_errors: dict[int, str] = field(default_factory=dict)
    raw_lines: dict[int, bytes] = field(default_factory=dict)

    @property
    def line_count(self) -> int:
        return len(self.records) + len(self.parse_errors)


def parse_line(raw: bytes) -> tuple[Record | None, str | None]:
    """Parse one line (without its newline): the record, or why it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
    if not text.strip():
        return None, "blank line (JSONL needs one JSON object per line)"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(value, dict):
        return None, f"JSON {type(value).__name__}, expected an object"
    return value, None


def read_jsonl(path: str | Path, keep_raw: bool = False) -> LoadedFile:
    """Read `path` in binary, one line at a time, so one bad line cannot stop the rest."""
    loaded = LoadedFile(Path(path))
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            raw = raw.rstrip(b"\n").rstrip(b"\r")
            record, error = parse_line(raw)
            if error is not None:
                loaded.parse_errors[number] = error
            else:
                loaded.records.append((number, record))
            if keep_raw:
                loaded.raw_lines[number] = raw
    return loaded


def read_records(path: str | Path, error: type[Exception] = ValueError) -> list[tuple[int, Record]]:
    """(line number, object) for every line of a file a step reads as input: the first line that is not a
    JSON object stops it with `error` naming the file and line (data validation reports them all instead)."""
    if not Path(path).is_file():
        raise error(f"{path} does not exist")
    loaded = read_jsonl(path)
    if loaded.parse_errors:
        number, why = min(loaded.parse_errors.items())
        raise error(f"{path}:{number}: {why}")
    return loaded.records

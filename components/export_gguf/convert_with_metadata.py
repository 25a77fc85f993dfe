"""Run llama.cpp's convert_hf_to_gguf.py with extra key/values in each GGUF it writes (a subprocess, glue only).

    python convert_with_metadata.py CONVERTER_DIR JOBS.json
    JOBS.json: [{"args": [<convert_hf_to_gguf.py arguments>], "metadata": {"tuneline.version": "3", ...}}, ...]

Each job runs the converter as its own `__main__` (torch and transformers are imported once for all jobs).
The converter's own writer (`gguf.GGUFWriter` of the gguf-py vendored beside it) writes the whole file; this
adds the job's key/values with the writer's typed `add_*` methods just before it writes the header, so nothing
of the binary format is written here and no file is read and copied a second time.
Types: bool -> BOOL, int -> INT64, float -> FLOAT64, str -> STRING. Imports nothing from tuneline.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

CURRENT: dict = {}  # the metadata of the job being converted
DONE = "tuneline: conversion done"


def add_metadata(writer, metadata: dict) -> None:
    for key, value in metadata.items():
        if isinstance(value, bool):
            writer.add_bool(key, value)
        elif isinstance(value, int):
            writer.add_int64(key, value)
        elif isinstance(value, float):
            writer.add_float64(key, value)
        elif isinstance(value, str):
            writer.add_string(key, value)
        else:
            raise TypeError(f"metadata {key!r}: {type(value).__name__} is not bool, int, float or str")


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit("usage: convert_with_metadata.py CONVERTER_DIR JOBS.json")
    converter, jobs = Path(argv[0]), json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    here = Path(__file__).resolve().parent  # python put this step's folder first: its modules must not shadow
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path[:0] = [str(converter), str(converter / "gguf-py")]  # the converter's package and its gguf-py
    import gguf

    write_header = gguf.GGUFWriter.write_header_to_file

    def write_header_with_metadata(self, *args, **kwargs):
        add_metadata(self, CURRENT)
        return write_header(self, *args, **kwargs)

    gguf.GGUFWriter.write_header_to_file = write_header_with_metadata
    script = converter / "convert_hf_to_gguf.py"
    for job in jobs:
        CURRENT.clear()
        CURRENT.update(job["metadata"])
        sys.argv = [str(script), *job["args"]]
        runpy.run_path(str(script), run_name="__main__")
        print(DONE, file=sys.stderr, flush=True)  # the parent counts finished jobs by this line


if __name__ == "__main__":
    main(sys.argv[1:])

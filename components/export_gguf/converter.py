"""llama.cpp's own HF -> GGUF converter, fetched pinned and run as a subprocess (tuneline writes only the glue).

    converter = ensure_converter(cfg.converter)        # once: pip download the sdist, check sha256, extract
    convert(converter, merged_dir, [Conversion(out_file, "q8_0", {"tuneline.version": "3"})], "assistant v3")

The `gguf` package on PyPI can write GGUF but cannot convert a transformers model; llama.cpp's
`convert_hf_to_gguf.py` (with its `conversion/` package and the `gguf-py` it is tested with) ships inside the
llama-cpp-python source distribution. The sdist (~76 MB) is fetched with `pip download` (the user's own pip
and index settings), refused unless its sha256 is the pinned one, and only the converter's files are
extracted to `$TUNELINE_CACHE/converters/<package>-<version>-<sha>/`. Nothing of it is copied into this repo.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.common.hashing import file_sha256
from components.common.settings import get_settings
from components.common.step import StepFailed
from components.export_gguf.config import ConverterSettings

WRAPPER = Path(__file__).with_name("convert_with_metadata.py")
DONE = "tuneline: conversion done"  # what WRAPPER prints after each conversion
MARKER = "tuneline-converter.json"
# what the converter imports from the vendored llama.cpp tree (plus its licence)
CONVERTER_FILES = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/gguf/", "LICENSE")


class ExportError(StepFailed):
    """The export cannot go on; the message names the file, what failed and what to do (exit status 2)."""


def converter_id(settings: ConverterSettings) -> str:
    """What identifies the converter in metadata and tags: package==version and the sdist's sha256."""
    return f"{settings.package}=={settings.version} (sdist sha256 {settings.sha256})"


def ensure_converter(settings: ConverterSettings) -> Path:
    """Folder with convert_hf_to_gguf.py, conversion/ and gguf-py/ of the pinned sdist (fetched once)."""
    root = Path(settings.cache_dir) if settings.cache_dir else get_settings().cache / "converters"
    target = root / f"{settings.package}-{settings.version}-{settings.sha256[:16]}"
    marker = target / MARKER
    if marker.is_file() and json.loads(marker.read_text()).get("sha256") == settings.sha256:
        return target
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sdist-", dir=root) as tmp:
        sdist = Path(settings.sdist) if settings.sdist else download_sdist(settings, Path(tmp))
        verify_sdist(sdist, settings.sha256)
        staging = Path(tmp) / "converter"
        extract_converter(sdist, staging)
        (staging / MARKER).write_text(json.dumps({"sha256": settings.sha256, "sdist": sdist.name}) + "\n")
        shutil.rmtree(target, ignore_errors=True)  # an incomplete earlier copy (no valid marker)
        try:
            os.replace(staging, target)
        except OSError:
            if not marker.is_file():  # not another process finishing the same extraction first
                raise
    return target


def download_sdist(settings: ConverterSettings, folder: Path) -> Path:
    """`pip download <package>==<version> --no-binary :all: --no-deps` into `folder`; the sdist's path."""
    requirement = f"{settings.package}=={settings.version}"
    command = [sys.executable, "-m", "pip", "download", requirement, "--no-binary", ":all:", "--no-deps"]
    done = subprocess.run([*command, "-d", str(folder)], capture_output=True, text=True)
    found = sorted(folder.glob("*.tar.gz"))
    if done.returncode != 0 or not found:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise ExportError(
            f"downloading the GGUF converter ({requirement} sdist) with pip failed: {' | '.join(tail)}. "
            "Check that pip reaches your package index, or download the file elsewhere and set "
            "converter.sdist=/path/to/the.tar.gz"
        )
    return found[0]


def verify_sdist(sdist: Path, expected: str) -> None:
    """Refuse an sdist whose sha256 is not the pinned one (a changed or wrong file)."""
    if not sdist.is_file():
        raise ExportError(f"converter sdist {sdist} does not exist: fix converter.sdist or set it to null")
    actual = file_sha256(sdist)
    if actual != expected:
        raise ExportError(
            f"converter sdist {sdist} has sha256 {actual}, the pinned one is {expected} (converter.sha256): "
            "refusing to run it; fetch the pinned version, or pin the new file's hash on purpose"
        )


def extract_converter(sdist: Path, dest: Path) -> None:
    """Extract only CONVERTER_FILES from `<sdist>/vendor/llama.cpp/` (regular files, no links)."""
    found: set[str] = set()
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive:
            parts = member.name.split("/", 3)  # <package-version>/vendor/llama.cpp/<rel>
            if len(parts) < 4 or parts[1:3] != ["vendor", "llama.cpp"] or not member.isfile():
                continue
            rel = parts[3]
            wanted = next(
                (f for f in CONVERTER_FILES if rel == f or (f.endswith("/") and rel.startswith(f))), None
            )
            if wanted is None or ".." in Path(rel).parts:
                continue
            found.add(wanted)
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(target, "wb") as out:  # type: ignore[union-attr]
                shutil.copyfileobj(source, out)
    if missing := sorted(set(CONVERTER_FILES) - found):
        raise ExportError(
            f"{sdist} has no vendor/llama.cpp/{missing[0]}: not a llama-cpp-python sdist with the converter "
            "(converter.version must name one that vendors convert_hf_to_gguf.py)"
        )


@dataclass(frozen=True)
class Conversion:
    """One GGUF to write: where, which converter --outtype, and the key/values to add to it."""

    out_file: Path
    quantization: str
    metadata: dict[str, Any]


def convert(converter: Path, model_dir: Path, conversions: list[Conversion], model_name: str) -> None:
    """Run convert_hf_to_gguf.py on a transformers folder once per conversion, in one process (torch and
    transformers are imported once), adding each one's metadata; a file appears at its `out_file` only when
    its conversion succeeded."""
    partials = [c.out_file.with_name(f".{c.out_file.name}.partial") for c in conversions]
    jobs = [
        {"args": [str(model_dir), "--outtype", c.quantization, "--outfile", str(partial), "--model-name", model_name],
         "metadata": c.metadata}
        for c, partial in zip(conversions, partials, strict=True)
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "NO_LOCAL_GGUF"}  # use the gguf-py vendored with it
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        jobs_file = Path(tmp) / "jobs.json"
        jobs_file.write_text(json.dumps(jobs, ensure_ascii=False))
        try:
            done = subprocess.run(
                [sys.executable, str(WRAPPER), str(converter), str(jobs_file)],
                capture_output=True,
                text=True,
                env=env,
            )
            finished = (done.stderr or "").count(DONE)  # the wrapper's line after each finished conversion
            for index, (conversion, partial) in enumerate(zip(conversions, partials, strict=True)):
                if index >= finished or not partial.is_file():
                    raise conversion_failed(converter, model_dir, conversion, done)
                os.replace(partial, conversion.out_file)
        finally:
            for partial in partials:
                partial.unlink(missing_ok=True)


def conversion_failed(
    converter: Path, model_dir: Path, conversion: Conversion, done: subprocess.CompletedProcess
) -> ExportError:
    tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-4:])
    return ExportError(
        f"converting {model_dir} to GGUF {conversion.quantization} with {converter}/convert_hf_to_gguf.py failed "
        f"(exit {done.returncode}): {tail}. The converter supports the architectures llama.cpp knows; see its "
        "message, and converter.version for a newer llama.cpp"
    )

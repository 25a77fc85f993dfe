"""llama.cpp's `llama-server`, built from source for the edge bench (bench/edge_bench.py), never for tests or the demo.

    binary, flags, seconds = build_llama_server()      # once; later calls reuse bench/.llama.cpp/build

The source is the llama.cpp that the pinned llama-cpp-python sdist vendors (configs/export.yaml `converter`:
the same revision whose converter wrote the GGUF files), fetched with pip like the converter and checked
against the same sha256. It is configured with cmake for Ninja and the machine's own compilers and builds
only the `llama-server` target: Release, native CPU flags, static, no tests, no web UI (nothing is
downloaded at build time), no OpenSSL. Everything lands in bench/.llama.cpp/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ROOT = BENCH / ".llama.cpp"
BUILD = ROOT / "build"
BINARY = BUILD / "bin" / "llama-server"
SKIP = ("models/", "docs/", "benches/", ".git")  # test vocabularies, docs, benchmarks: not read by the build
CMAKE_FLAGS = [
    "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
    "-DLLAMA_BUILD_SERVER=ON", "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_APP=OFF", "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF", "-DLLAMA_OPENSSL=OFF",
    "-DBUILD_SHARED_LIBS=OFF", "-DGGML_NATIVE=ON",
]  # fmt: skip


def converter_settings():
    """The pinned sdist of configs/export.yaml (the export's converter comes from the same file)."""
    from components.common.config import load_config
    from components.export_gguf.config import ExportConfig

    return load_config(ExportConfig, REPO / "configs" / "export.yaml").converter


def build_llama_server(jobs: int | None = None) -> tuple[Path, list[str], float]:
    """(llama-server path, the cmake flags, build seconds: 0 when an earlier build of the same sdist is reused)."""
    from components.export_gguf.converter import download_sdist, verify_sdist

    settings = converter_settings()
    stamp = BUILD / "tuneline-build.json"
    wanted = {"sdist_sha256": settings.sha256, "flags": CMAKE_FLAGS}
    if BINARY.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == wanted:
        return BINARY, CMAKE_FLAGS, 0.0
    started = time.perf_counter()
    ROOT.mkdir(parents=True, exist_ok=True)
    sdist = Path(settings.sdist) if settings.sdist else next(iter(sorted(ROOT.glob("*.tar.gz"))), None)
    if sdist is None:
        sdist = download_sdist(settings, ROOT)
    verify_sdist(sdist, settings.sha256)
    source = ROOT / f"src-{settings.version}"
    if not (source / "CMakeLists.txt").is_file():
        extract_llama_cpp(sdist, source)
    log = ROOT / "build.log"
    with log.open("w") as out:
        for command in (
            ["cmake", "-S", str(source), "-B", str(BUILD), *CMAKE_FLAGS],
            [
                "cmake",
                "--build",
                str(BUILD),
                "--target",
                "llama-server",
                "-j",
                str(jobs or os.cpu_count() or 2),
            ],
        ):
            print("$", " ".join(command), flush=True)
            if subprocess.run(command, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                tail = "\n".join(log.read_text().splitlines()[-25:])
                raise RuntimeError(f"building llama-server failed (full log: {log}):\n{tail}")
    if not BINARY.is_file():
        raise RuntimeError(f"the build finished but {BINARY} is missing (log: {log})")
    stamp.write_text(json.dumps(wanted, indent=2) + "\n")
    return BINARY, CMAKE_FLAGS, time.perf_counter() - started


def extract_llama_cpp(sdist: Path, dest: Path) -> None:
    """vendor/llama.cpp of the sdist into `dest`, without what the server build does not read."""
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive:
            parts = member.name.split("/", 3)
            if len(parts) < 4 or parts[1:3] != ["vendor", "llama.cpp"] or parts[3].startswith(SKIP):
                continue
            member.name = parts[3]
            archive.extract(member, tmp, filter="data")  # no absolute paths, no links out of the tree
    os.replace(tmp, dest)


def server_command(binary: Path, gguf: Path, port: int, slots: int, threads: int, context: int) -> list[str]:
    """llama-server on 127.0.0.1 with `slots` parallel sequences (-np) of `context` tokens each, the GGUF's
    own chat template (--jinja) and `threads` CPU threads."""
    return [str(binary), "-m", str(gguf), "--host", "127.0.0.1", "--port", str(port), "-np", str(slots),
            "-c", str(slots * context), "-t", str(threads), "--jinja"]  # fmt: skip

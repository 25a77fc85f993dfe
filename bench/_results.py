"""Where bench scripts put their figures: `record(script, rows)` writes bench/results/<script>.json.

    from _results import record   # bench/ is on sys.path when a bench script runs
    record("eval_cache", [{"figure": "...", "ours": 3.1, "peer": 40.2, "target": "<= 0.5", "unit": "s"}])

Each row is {figure, ours, peer, ratio, target, unit, command}; ratio defaults to ours / peer, command to the
command line that ran the script. The file is stamped with the machine (CPU count and model, torch threads,
load average at start when this module was imported at the script's start) and the UTC date.
`python bench/report.py` renders every bench/results/*.json into bench/RESULTS.md. A --tiny run goes to
bench/results/tiny/ instead (ignored by git, never rendered into RESULTS.md) and every row says tiny, so a
tiny figure can neither overwrite nor pass for a real one.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
TINY_RESULTS = RESULTS / "tiny"
_IMPORTED_AT = time.time()
_LOAD_AT_IMPORT = os.getloadavg()
START_WINDOW_S = 60  # imported this soon after the process started: its load average counts as "at start"


def record(
    script: str,
    rows: list[dict[str, Any]],
    tiny: bool = False,
    threads: int | None = None,
    table: list[str] | None = None,
) -> Path:
    """Write the rows (plus machine and date) to the script's results file; returns its path.

    `threads`: the torch thread count the measured processes used, when the script pinned it for them.
    `table`: markdown lines of the script's own table, rendered under the rows by report.py.
    """
    folder = TINY_RESULTS if tiny else RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    if tiny:
        (folder / ".gitignore").write_text("*\n")
    command = "python " + " ".join([f"bench/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    payload = {
        "script": script,
        "tiny": tiny,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(threads),
        "rows": [complete_row(row, command) for row in rows],
        **({"table": table} if table else {}),
    }
    path = folder / f"{script}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(
        f"figures written to {path.relative_to(RESULTS.parents[1])}"
        + (" (tiny: not a real figure)" if tiny else "")
    )
    return path


def complete_row(row: dict[str, Any], command: str) -> dict[str, Any]:
    """Fill in ratio (ours / peer), whether it meets the target, and the command."""
    ours, peer = row.get("ours"), row.get("peer")
    ratio = row.get("ratio")
    if ratio is None and ours is not None and peer:
        ratio = ours / peer
    target = row.get("target")
    return {
        "figure": row["figure"],
        "ours": ours,
        "peer": peer,
        "ratio": None if ratio is None else round(ratio, 4),
        "target": target,
        "meets_target": meets(ratio, target),
        "unit": row.get("unit", ""),
        "command": row.get("command", command),
    }


def meets(ratio: float | None, target: str | None) -> bool | None:
    """True/False for a target like '>= 0.97' or '<= 1.3' on the ratio; None when there is nothing to judge."""
    match = re.fullmatch(r"\s*([<>]=?)\s*([0-9.]+)\s*", target or "")
    if ratio is None or not match:
        return None
    op, bound = match.group(1), float(match.group(2))
    return {"<": ratio < bound, "<=": ratio <= bound, ">": ratio > bound, ">=": ratio >= bound}[op]


def machine(threads: int | None = None) -> dict[str, Any]:
    """CPU count and model, torch threads, load averages (at start when known, and now)."""
    import psutil

    started_at = psutil.Process().create_time()
    at_start = _IMPORTED_AT - started_at <= START_WINDOW_S
    if threads is None:
        import torch

        threads = torch.get_num_threads()
    gpu = _gpu_name()
    return {
        **({"gpu": gpu} if gpu else {}),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "torch_threads": threads,
        "load_avg_start": round(_LOAD_AT_IMPORT[0], 2) if at_start else None,
        "load_avg_end_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "wall_s": round(time.time() - started_at, 1),
    }


def _gpu_name() -> str | None:
    """`<count> x <name>` of the CUDA GPUs torch sees, or None (the usual case here: CPU only)."""
    import torch

    if not torch.cuda.is_available():
        return None
    return f"{torch.cuda.device_count()} × {torch.cuda.get_device_name(0)}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()

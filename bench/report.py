"""Render every bench/results/*.json (written by the bench scripts through bench/_results.py) as bench/RESULTS.md.

    python bench/report.py                                   # what `make bench` runs last
    python bench/report.py --results bench/results/tiny --out /tmp/tiny-results.md   # look at --tiny runs

Nothing here is typed in: each row comes from a results file a bench script wrote when it measured it.
Rows from a --tiny run are marked in their figure and mode columns wherever they are rendered.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
NOT_SCRIPTS = {"report.py", "serving_online_bench.py"}  # the latter runs as `serving_bench.py --online`
HEADER = """# Benchmark results

Written by `python bench/report.py` from bench/results/*.json; regenerate with `make bench` (or run one script,
then the report). Every figure was measured by the command in its row, on the machine in its row.
**ratio** = this project / peer; **target** applies to the ratio (✓ met, ✗ missed). Timings depend on the
machine and on what else ran on it (the load average is recorded): compare ratios, not absolute numbers.
"""
COLUMNS = ("figure", "this project", "peer", "ratio", "target", "machine", "date", "command", "mode")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--results", type=Path, default=BENCH / "results", help="folder of <script>.json files"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args(argv)
    files = sorted(args.results.glob("*.json"))
    results = [json.loads(f.read_text()) for f in files]
    text = render(results, missing_scripts(results))
    args.out.write_text(text)
    print(text)
    print(f"{len(files)} results files rendered into {args.out}")
    return 0


def render(results: list[dict[str, Any]], missing: list[str]) -> str:
    lines = [HEADER, "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for result in results:
        for row in result["rows"]:
            lines.append("| " + " | ".join(cells(row, result)) + " |")
    if any(result["tiny"] for result in results):
        lines += [
            "",
            "**TINY rows measure a 2-layer random model to check a script: they are not real figures.**",
        ]
    if missing:
        lines += ["", "Not measured yet (no results file): " + ", ".join(f"`bench/{s}`" for s in missing)]
    for result in results:  # a script's own table (e.g. the recipe frontier), rendered below the rows
        if result.get("table"):
            title = f"## `bench/{result['script']}.py`" + (" **[TINY]**" if result["tiny"] else "")
            lines += ["", title, "", *result["table"]]
    return "\n".join(lines) + "\n"


def cells(row: dict[str, Any], result: dict[str, Any]) -> list[str]:
    tiny = result["tiny"]
    mark = {True: " ✓", False: " ✗", None: ""}[row.get("meets_target")]
    return [
        ("**[TINY]** " if tiny else "") + row["figure"],
        quantity(row["ours"], row["unit"]),
        quantity(row["peer"], row["unit"]),
        "—" if row["ratio"] is None else f"{row['ratio']:.3g}{mark}",
        row["target"] or "—",
        machine_text(result["machine"]),
        result["date"],
        f"`{row['command']}`",
        "**tiny (script check, not a real figure)**" if tiny else "real",
    ]


def quantity(value: float | None, unit: str) -> str:
    """A number with its unit; bytes as kB/MB/GB."""
    if value is None:
        return "—"
    if unit == "bytes":
        for scale, name in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value:.0f} B"
    number = f"{value:.4g}" if isinstance(value, float) else str(value)
    return f"{number} {unit}".strip()


def machine_text(m: dict[str, Any]) -> str:
    load = (
        f"load {m['load_avg_start']} at start" if m.get("load_avg_start") is not None else "load at start n/a"
    )
    end = m["load_avg_end_1_5_15"]
    return (
        (f"GPU {m['gpu']}, " if m.get("gpu") else "")
        + f"{m['cpu_count']} × {m['cpu_model']}, torch {m['torch_threads']} threads, {load}, "
        f"{end[2]} (15-min) at end, {m['wall_s']:.0f} s run"
    )


def missing_scripts(results: list[dict[str, Any]]) -> list[str]:
    done = {result["script"] for result in results}
    scripts = [p.name for p in sorted(BENCH.glob("[!_]*.py")) if p.name not in NOT_SCRIPTS]
    return [s for s in scripts if Path(s).stem not in done]


if __name__ == "__main__":
    raise SystemExit(main())

"""First versus cached evaluation: wall time of `python -m components.evaluate_model`, run twice.

    python bench/eval_cache.py                                   # configs/evaluate.yaml as is
    python bench/eval_cache.py candidate=smollm2-135m-instruct num_threads=1
    python bench/eval_cache.py --config configs/evaluate.yaml max_examples=32

Each run is a fresh process (imports included, as `dvc repro` pays them) against a throwaway generation
cache and MLflow store, so the first run generates everything and the second finds it all cached. Prints
the process wall time, the step's own wall time, and what was cached, for both runs. Not a test: timings
depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]


def evaluate_once(config: str, overrides: list[str], workdir: Path) -> tuple[float, dict]:
    """One evaluation in its own process; (process wall seconds, the step's printed summary)."""
    env = {
        **os.environ,
        "TUNELINE_TRACKING_URI": f"sqlite:///{workdir}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(workdir / "mlartifacts"),
    }
    pinned = [f"cache_dir={workdir / 'cache'}", f"out_dir={workdir / 'out'}"]
    command = [sys.executable, "-m", "components.evaluate_model", "--config", config, *overrides, *pinned]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"evaluation failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "configs" / "evaluate.yaml"))
    parser.add_argument("overrides", nargs="*", metavar="key=value")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eval-cache-bench-") as tmp:
        workdir = Path(tmp)
        runs = []
        for _ in range(2):
            runs.append(evaluate_once(args.config, args.overrides, workdir))
            report = json.loads((workdir / "out" / "eval_report.json").read_text())
            runs[-1][1]["breakdown"] = report["wall_seconds"]
    primary = runs[0][1]["primary"]
    print(f"candidate {runs[0][1]['candidate']}  vs  champion {runs[0][1]['champion']}")
    print(
        f"{primary['metric']} candidate {primary['candidate']:.4f} champion {primary['champion']:.4f} "
        f"delta {primary['delta']:+.4f} {primary['confidence']:.0%} CI [{primary['ci_low']:+.4f}, "
        f"{primary['ci_high']:+.4f}] win/tie/loss {primary['win']}/{primary['tie']}/{primary['loss']}"
    )
    for label, (seconds, summary) in zip(("first", "cached"), runs, strict=True):
        hits = summary["cache_hits"]
        cached = sum(v for role in hits.values() for v in role.values())
        pieces = sum(len(role) for role in hits.values())
        print(
            f"{label:>6}: process {seconds:6.1f} s, step {summary['wall_seconds']:6.1f} s, "
            f"{cached}/{pieces} pieces from cache"
        )
    print(f"speed-up (process wall): {runs[0][0] / runs[1][0]:.1f}x")
    print("first run, seconds per piece:", json.dumps(runs[0][1]["breakdown"]))
    (first, first_summary), (cached, cached_summary) = runs
    what = f"({Path(args.config).name} {' '.join(args.overrides)})".replace(" )", ")")
    record("eval_cache", [
        {"figure": f"evaluate: cached rerun vs first run, process wall time {what}",
         "ours": round(cached, 1), "peer": round(first, 1), "unit": "s"},
        {"figure": f"evaluate: cached rerun vs first run, the step's own wall time {what}",
         "ours": round(cached_summary["wall_seconds"], 1), "peer": round(first_summary["wall_seconds"], 1),
         "unit": "s"},
    ])  # fmt: skip


if __name__ == "__main__":
    main()

"""What `dvc repro` costs in a fresh clone: the full lifecycle, a no-op rerun, and a rerun after one evaluate change.

    python bench/dvc_repro.py            # the repo's configs on SmolLM2-135M, as `make demo` (~20 min on 2 free cores)
    python bench/dvc_repro.py --tiny     # configs/smoke sizes on the tiny random Llama (~4 min): checks the script
    python bench/dvc_repro.py --keep     # keep the clone (work folder printed) to look at dvc.lock and the outputs

The clone is what `git clone` gives (tests/conftest.py clone_working_tree: committed and not-ignored files, no
data/raw, no DVC cache, no artifacts); `dvc pull data.dvc` fetches the data (not timed). The MLflow store and
TUNELINE_CACHE are throwaway folders, so the full run generates every evaluation answer itself; converted base
models are reused from your TUNELINE_CACHE (a once-per-machine conversion, not a pipeline cost). Figures: seconds
of the full `dvc repro`, of a second `dvc repro` with nothing changed (peer: the full run), and of one after
changing only `bootstrap_seed` in configs/evaluate.yaml (peer: the full run). Prints the stages each run ran.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
STAGES = ("validate_data", "base_model", "train", "align", "evaluate", "register", "promote")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tiny", action="store_true", help="smoke configs on the tiny random Llama (quick check)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (clone, store, cache)")
    args = parser.parse_args(argv)
    from conftest import build_tiny_model, clone_working_tree, sh  # also sets the offline environment

    work = Path(tempfile.mkdtemp(prefix="dvc-repro-bench-"))
    clone = clone_working_tree(work / "clone")
    env = store_environment(work, reuse_bases=not args.tiny)
    if args.tiny:
        from integration.test_lifecycle import use_smoke_configs

        use_smoke_configs(clone / "configs", build_tiny_model(work / "tiny-llama"))
    sh("dvc", "pull", "data.dvc", cwd=clone)
    print(
        f"fresh clone in {clone} ({'smoke configs, tiny model' if args.tiny else 'repo configs'})", flush=True
    )
    full = timed_repro(clone, env, "full")
    noop = timed_repro(clone, env, "no-op (nothing changed)")
    change_evaluate_config(clone / "configs" / "evaluate.yaml")
    partial = timed_repro(clone, env, "partial (evaluate bootstrap_seed 0 -> 1)")
    if args.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work)
    record_figures(full, noop, partial, args.tiny)
    return 0


def store_environment(work: Path, reuse_bases: bool) -> dict[str, str]:
    """A throwaway MLflow store and TUNELINE_CACHE; converted base models linked in from the user's cache."""
    from components.common.settings import get_settings

    cache = work / "cache"
    cache.mkdir()
    converted = get_settings().cache / "base-models"
    if reuse_bases and converted.is_dir():
        (cache / "base-models").symlink_to(converted, target_is_directory=True)
        print(f"reusing converted base models from {converted}")
    return {
        "TUNELINE_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(work / "mlartifacts"),
        "TUNELINE_CACHE": str(cache),
    }


def timed_repro(clone: Path, env: dict[str, str], label: str) -> dict:
    """Run `dvc repro` with the venv first on PATH (as `make` does), echoing stage starts; seconds + stages."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    print(f"== dvc repro: {label}", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["dvc", "repro"], cwd=clone, env={**os.environ, **env, "PATH": path},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Running stage"):
            print(f"  {time.perf_counter() - started:7.1f} s  {line.strip()}", flush=True)
    seconds = time.perf_counter() - started
    if proc.wait() != 0:
        sys.exit(f"dvc repro ({label}) failed ({proc.returncode}):\n{''.join(lines)[-4000:]}")
    ran = [line.split("'")[1] for line in lines if line.startswith("Running stage")]
    skipped = [s for s in STAGES if s not in ran]
    print(
        f"  {seconds:.1f} s; ran: {', '.join(ran) or 'nothing'}; skipped: {', '.join(skipped) or 'nothing'}"
    )
    return {"seconds": round(seconds, 1), "ran": ran}


def change_evaluate_config(path: Path) -> None:
    """Change one value that only `evaluate` reads (the bootstrap seed), as a user tuning evaluation would."""
    text = path.read_text()
    assert "bootstrap_seed: 0" in text, f"{path} no longer has `bootstrap_seed: 0`"
    path.write_text(text.replace("bootstrap_seed: 0", "bootstrap_seed: 1", 1))


def record_figures(full: dict, noop: dict, partial: dict, tiny: bool) -> None:
    def ran(run: dict) -> str:
        return f"ran {', '.join(run['ran'])}" if run["ran"] else "ran nothing"

    model = "smoke configs, tiny model" if tiny else "repo configs, SmolLM2-135M"
    rows = [
        {"figure": f"dvc repro: full lifecycle in a fresh clone ({model}; {ran(full)})",
         "ours": full["seconds"], "peer": None, "unit": "s"},
        {"figure": f"dvc repro: no-op rerun, nothing changed ({ran(noop)}) vs the full run",
         "ours": noop["seconds"], "peer": full["seconds"], "unit": "s"},
        {"figure": f"dvc repro: after changing evaluate's bootstrap_seed ({ran(partial)}) vs the full run",
         "ours": partial["seconds"], "peer": full["seconds"], "unit": "s"},
    ]  # fmt: skip
    record("dvc_repro", rows, tiny=tiny)


if __name__ == "__main__":
    sys.exit(main())

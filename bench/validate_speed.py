"""How long validating the shipped demo data takes, split into great-expectations import/context setup,
tokenizer loading and the rules themselves. Prints figures; asserts nothing.

    python bench/validate_speed.py                          # built-in base model's tokenizer
    python bench/validate_speed.py --base-model /path/to/hf-folder --repeats 5

1. `tuneline validate` as a user runs it (fresh process, MLflow off): wall seconds.
2. In this process: the first `validate()` (cold imports), then warm repeats (imports cached), each
   split into load / tokenizer / features (per-row rules in pandas) / GE import / GE context / GE run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PHASES = ("load_s", "tokenizer_s", "features_s", "ge_import_s", "ge_context_s", "ge_validate_s", "total_s")


def cli_wall_seconds(base_model: str, out_dir: Path, data_docs: bool) -> float:
    command = [
        sys.executable, "-m", "components.validate_data", "--config", "configs/validate_data.yaml",
        f"base_model={base_model}", f"out_dir={out_dir}", "metrics_file=null", "log_to_mlflow=false",
        f"data_docs={str(data_docs).lower()}",
    ]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def in_process_timings(base_model: str, out_dir: Path, repeats: int) -> tuple[dict, dict]:
    from components.common.config import load_config
    from components.common.step import offline_environment
    from components.validate_data.config import ValidateDataConfig
    from components.validate_data.core import validate

    offline_environment()
    cfg = load_config(
        ValidateDataConfig,
        REPO / "configs" / "validate_data.yaml",
        [f"base_model={base_model}", f"out_dir={out_dir}", "metrics_file=null"],
        sft_file=str(REPO / "data/raw/sft.jsonl"),
        preference_file=str(REPO / "data/raw/preference.jsonl"),
        golden_file=str(REPO / "data/raw/golden.jsonl"),
    )
    first = validate(cfg)
    assert first["passed"], first["summary"]
    warm = [validate(cfg)["timings"] for _ in range(repeats)]
    median = {phase: statistics.median(t[phase] for t in warm) for phase in PHASES}
    return first["timings"], median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-model", default="smollm2-135m-instruct")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = sum(
        (REPO / f"data/raw/{name}.jsonl").read_bytes().count(b"\n")
        for name in ("sft", "preference", "golden")
    )
    with tempfile.TemporaryDirectory() as tmp:
        cli = cli_wall_seconds(args.base_model, Path(tmp) / "cli", data_docs=True)
        cli_no_docs = cli_wall_seconds(args.base_model, Path(tmp) / "cli2", data_docs=False)
        cold, warm = in_process_timings(args.base_model, Path(tmp) / "inproc", args.repeats)
    print(f"demo data: {rows} rows in 3 files; base model tokenizer: {args.base_model}")
    print(f"`tuneline validate` wall time (fresh process, Data Docs on):  {cli:6.2f} s")
    print(f"`tuneline validate` wall time (fresh process, Data Docs off): {cli_no_docs:6.2f} s")
    print(f"{'phase':<14}{'first run (cold)':>18}{f'warm, median of {args.repeats}':>22}")
    for phase in PHASES:
        print(f"{phase:<14}{cold[phase]:>16.3f} s{warm[phase]:>20.3f} s")
    print("ge_validate_s includes rendering Data Docs; tokenizer_s includes importing transformers.")
    record("validate_speed", [
        {"figure": f"validate: `tuneline validate` fresh process, Data Docs on vs off ({rows} demo rows)",
         "ours": round(cli, 2), "peer": round(cli_no_docs, 2), "unit": "s"},
        {"figure": f"validate: validate() warm (median of {args.repeats}) vs first (cold imports), in process",
         "ours": round(warm["total_s"], 2), "peer": round(cold["total_s"], 2), "unit": "s"},
    ])  # fmt: skip


if __name__ == "__main__":
    main()

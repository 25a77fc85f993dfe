"""`tuneline pipeline compile | run-local | submit`: the Kubeflow pipeline from the command line.

tuneline pipeline run-local --feedback data/feedback   # align also trains on `tuneline feedback export` pairs
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

from components.common.step import offline_environment

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "raw"
FEEDBACK = REPO / "data" / "feedback"


def feedback_location(value: str) -> str:
    """`--feedback`: a URI (gs://, s3://, minio://...) as given, or a local folder of *.jsonl made absolute."""
    if not value or "://" in value:
        return value
    path = Path(value).resolve()
    if not path.is_dir():
        what = "a file" if path.is_file() else "missing"
        raise argparse.ArgumentTypeError(
            f"{value} is {what}: give the folder `tuneline feedback export` writes to (data/feedback)"
        )
    return str(path)


def note_unused_feedback(args) -> None:
    """Without --feedback the pipeline trains on no feedback, unlike `dvc repro`: say so when there is some."""
    if not args.feedback and list(FEEDBACK.glob("*.jsonl")):
        print(
            f"note: {FEEDBACK} holds feedback pairs that `dvc repro` trains on; this run does not "
            f"(add --feedback {FEEDBACK})",
            file=sys.stderr,
        )


def _resources(args):
    from pipelines.pipeline import Resources

    return Resources(
        train_cpu=args.train_cpu,
        train_memory=args.train_memory,
        train_accelerator=args.train_accelerator,
        train_gpus=args.train_gpus,
        tracking_uri=args.tracking_uri,
    )


def _arguments(args) -> dict:
    return {
        "sft_uri": args.sft_uri,
        "preference_uri": args.preference_uri,
        "golden_uri": args.golden_uri,
        "train_overrides": args.train_override,
        "align_overrides": args.align_override,
        "eval_overrides": args.eval_override,
        "feedback_uri": args.feedback,
    }


def compile_cmd(args) -> int:
    from pipelines.pipeline import compile_pipeline

    out = compile_pipeline(Path(args.out), _resources(args))
    print(f"wrote {out}")
    return 0


def run_local_cmd(args) -> int:
    """Run the whole DAG here with kfp.local's subprocess runner (no cluster, no Docker)."""
    from kfp import local

    from pipelines.pipeline import build_pipeline

    note_unused_feedback(args)
    os.environ.setdefault("TUNELINE_PIPELINE_RUN_ID", f"kfp-local-{uuid.uuid4().hex[:12]}")
    local.init(
        runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(Path(args.pipeline_root).resolve())
    )
    build_pipeline(_resources(args))(**_arguments(args))
    print(
        f"pipeline run {os.environ['TUNELINE_PIPELINE_RUN_ID']} finished; outputs under {args.pipeline_root}"
    )
    return 0


def submit_cmd(args) -> int:
    """Compile and submit to a Kubeflow Pipelines endpoint; prints the run URL."""
    import tempfile

    import kfp

    from pipelines.pipeline import compile_pipeline

    package = compile_pipeline(Path(tempfile.mkdtemp()) / "tuneline-pipeline.yaml", _resources(args))
    client = kfp.Client(host=args.host)
    run = client.create_run_from_pipeline_package(
        str(package), arguments=_arguments(args), run_name=args.run_name, experiment_name=args.experiment
    )
    print(f"{args.host.rstrip('/')}/#/runs/details/{run.run_id}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuneline pipeline", description="Kubeflow pipeline of the lifecycle."
    )
    sub = parser.add_subparsers(dest="action", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--train-cpu", default="4", help="CPU request of the training/evaluation tasks")
    common.add_argument(
        "--train-memory", default="16G", help="memory request of the training/evaluation tasks"
    )
    common.add_argument("--train-accelerator", default="", help="accelerator resource, e.g. nvidia.com/gpu")
    common.add_argument("--train-gpus", type=int, default=0, help="accelerators for the training task")
    common.add_argument(
        "--tracking-uri", default=os.environ.get("TUNELINE_TRACKING_URI", ""), help="MLflow server"
    )
    runargs = argparse.ArgumentParser(add_help=False)
    runargs.add_argument("--sft-uri", default=str(DATA / "sft.jsonl"))
    runargs.add_argument("--preference-uri", default=str(DATA / "preference.jsonl"))
    runargs.add_argument("--golden-uri", default=str(DATA / "golden.jsonl"))
    runargs.add_argument(
        "--feedback",
        type=feedback_location,
        default="",
        metavar="FOLDER_OR_URI",
        help="pairs from `tuneline feedback export` (e.g. data/feedback, or a bucket folder for submit) that "
        "align adds to its training pairs; default: none",
    )
    runargs.add_argument("--train-override", action="append", default=[], metavar="KEY=VALUE")
    runargs.add_argument("--align-override", action="append", default=[], metavar="KEY=VALUE")
    runargs.add_argument("--eval-override", action="append", default=[], metavar="KEY=VALUE")
    p = sub.add_parser("compile", parents=[common], help="write the pipeline IR YAML")
    p.add_argument("--out", default="tuneline-pipeline.yaml")
    p.set_defaults(func=compile_cmd)
    p = sub.add_parser("run-local", parents=[common, runargs], help="run the DAG here (kfp.local)")
    p.add_argument("--pipeline-root", default="artifacts/kfp-local")
    p.set_defaults(func=run_local_cmd)
    p = sub.add_parser("submit", parents=[common, runargs], help="submit to a Kubeflow Pipelines host")
    p.add_argument("--host", required=True, help="KFP API endpoint, e.g. https://<your-kubeflow>/pipeline")
    p.add_argument("--run-name", default=f"tuneline-{uuid.uuid4().hex[:8]}")
    p.add_argument("--experiment", default="tuneline")
    p.set_defaults(func=submit_cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    offline_environment()
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

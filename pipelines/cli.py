"""`tuneline`: one command for every lifecycle step.

    tuneline --help
    tuneline base-model --config configs/base_model.yaml spec=/models/my-model

Each verb forwards its arguments to the step's own `main(argv)` (the same code `python -m components.<step>`
and DVC run), imported only when used so `tuneline --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# verb -> ("module" with main(argv) -> int, or "module:function", one-line help). Add a verb when its step exists.
VERBS: dict[str, tuple[str, str]] = {
    "validate": ("components.validate_data.__main__", "validate training and evaluation data (first gate)"),
    "base-model": ("components.base_model.__main__", "resolve the base model offline and record its hash"),
    "train": (
        "components.finetune_lora.__main__",
        "LoRA fine-tune (SFT) the base model; resumes after a kill",
    ),
    "align": (
        "components.align.__main__",
        "align the SFT adapter on preference pairs (DPO; ORPO, KTO, RLHF)",
    ),
    "evaluate": (
        "components.evaluate_model.__main__",
        "compare a candidate with the champion on the golden set",
    ),
    "register": (
        "components.register.__main__",
        "register an adapter as an MLflow version (alias challenger)",
    ),
    "promote": ("components.register.cli:promote_main", "move champion to the challenger if the gate passes"),
    "rollback": ("components.register.cli:rollback_main", "move champion back to the previous champion"),
    "models": (
        "components.register.cli:models_main",
        "list registered versions with aliases and key metrics",
    ),
    "registry": (
        "components.register.cli:registry_main",
        "registry gc (unfinished versions) | verify (artifact sha256s against the registry)",
    ),
    "feedback": (
        "components.online.__main__:feedback_main",
        "feedback export: turn logged feedback into validated preference pairs (data/feedback)",
    ),
    "report": (
        "components.online.__main__:report_main",
        "report online | drift: served versions, prompt drift",
    ),
    "serve": ("serving.__main__", "serve the champion version over an OpenAI-compatible API (uvicorn)"),
    "pipeline": ("pipelines.kfp_cli", "Kubeflow pipeline: compile, run-local (kfp.local), submit"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuneline",
        description="Model lifecycle for fine-tuned language models. "
        "Each verb takes --config FILE.yaml and key=value overrides.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb, (_, help_text) in VERBS.items():
        sub.add_parser(verb, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in VERBS:
        parser.parse_args(argv)  # prints help / the error for an unknown verb and exits
        parser.print_help()
        return 2
    module_name, _, function = VERBS[argv[0]][0].partition(":")
    try:
        return getattr(importlib.import_module(module_name), function or "main")(argv[1:])
    except Exception as exc:  # e.g. `tuneline promote` with a wrong password: one line, exit 2
        from components.common.step import report_tracking_error

        if not report_tracking_error(exc):
            raise
        return 2


if __name__ == "__main__":
    sys.exit(main())

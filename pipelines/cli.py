"""`tuneline`: one command for every lifecycle step.

    tuneline --help
    tuneline base-model --config configs/base_model.yaml spec=/models/my-model

Each verb forwards its arguments to the step's own `main(argv)` (the same code `python -m components.<step>`
and DVC run), imported inside the verb's function so `tuneline --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

# One function per verb: it imports the step when the verb runs (so `tuneline --help` stays fast) with a plain
# import an editor can follow, and forwards the arguments to the step's own `main(argv)` (what
# `python -m components.<step>` and DVC run).


def validate(argv: list[str]) -> int:
    from components.validate_data.__main__ import main

    return main(argv)


def base_model(argv: list[str]) -> int:
    from components.base_model.__main__ import main

    return main(argv)


def train(argv: list[str]) -> int:
    from components.finetune_lora.__main__ import main

    return main(argv)


def align(argv: list[str]) -> int:
    from components.align.__main__ import main

    return main(argv)


def evaluate(argv: list[str]) -> int:
    from components.evaluate_model.__main__ import main

    return main(argv)


def register(argv: list[str]) -> int:
    from components.register.__main__ import main

    return main(argv)


def export(argv: list[str]) -> int:
    from components.export_gguf.__main__ import main

    return main(argv)


def promote(argv: list[str]) -> int:
    from components.register.cli import promote_main

    return promote_main(argv)


def rollback(argv: list[str]) -> int:
    from components.register.cli import rollback_main

    return rollback_main(argv)


def models(argv: list[str]) -> int:
    from components.register.cli import models_main

    return models_main(argv)


def registry(argv: list[str]) -> int:
    from components.register.cli import registry_main

    return registry_main(argv)


def feedback(argv: list[str]) -> int:
    from components.online.__main__ import feedback_main

    return feedback_main(argv)


def report(argv: list[str]) -> int:
    from components.online.__main__ import report_main

    return report_main(argv)


def serve(argv: list[str]) -> int:
    from serving.__main__ import main

    return main(argv)


def serve_controller(argv: list[str]) -> int:
    from serving.controller import main

    return main(argv)


def pipeline(argv: list[str]) -> int:
    from pipelines.kfp_cli import main

    return main(argv)


VERBS: dict[str, tuple[Callable[[list[str]], int], str]] = {
    "validate": (validate, "validate training and evaluation data (first gate)"),
    "base-model": (base_model, "resolve the base model offline and record its hash"),
    "train": (train, "LoRA fine-tune (SFT) the base model; resumes after a kill"),
    "align": (align, "align the SFT adapter on preference pairs (DPO; ORPO, KTO, RLHF)"),
    "evaluate": (evaluate, "compare a candidate with the champion on the golden set"),
    "register": (register, "register an adapter as an MLflow version (alias challenger)"),
    "promote": (promote, "move champion to the challenger if the gate passes"),
    "rollback": (rollback, "move champion back to the previous champion"),
    "export": (export, "export gguf: a version as a GGUF file for llama.cpp, checked and registered"),
    "models": (models, "list registered versions with aliases and key metrics"),
    "registry": (
        registry,
        "registry gc (unfinished versions) | verify (artifact sha256s against the registry)",
    ),
    "feedback": (
        feedback,
        "feedback export: turn logged feedback into validated preference pairs (data/feedback)",
    ),
    "report": (report, "report online | drift: served versions, prompt drift"),
    "serve": (serve, "serve the champion version over an OpenAI-compatible API (uvicorn)"),
    "serve-controller": (
        serve_controller,
        "load the aliases' versions into vLLM (or tuneline serve) over its runtime LoRA API",
    ),
    "pipeline": (pipeline, "Kubeflow pipeline: compile, run-local (kfp.local), submit"),
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
    try:
        return VERBS[argv[0]][0](argv[1:])
    except Exception as exc:  # e.g. `tuneline promote` with a wrong password: one line, exit 2
        from components.common.step import report_tracking_error

        if not report_tracking_error(exc):
            raise
        return 2


if __name__ == "__main__":
    sys.exit(main())

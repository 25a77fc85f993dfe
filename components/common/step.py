"""The shared command line of every step: `python -m components.<step> --config X.yaml key=value ...`.

Each step's `__main__.py` calls `step_main(ConfigClass, core.run)`; DVC stages and `tuneline <verb>`
both land here, so parsing, offline mode, logging and error reporting are the same for all steps.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from components.common.base_model import BaseModelError
from components.common.config import ConfigError, StepConfig, load_config


class StepFailed(RuntimeError):
    """The step ran and wrote its outputs, but its verdict is a failure (e.g. data validation)."""


def offline_environment() -> None:
    """Make sure nothing reaches a model or dataset hub, and keep telemetry off."""
    for key in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ.setdefault(key, "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # MLflow reads DO_NOT_TRACK only as "true"
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def step_parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--config", help="YAML file with this step's settings (see configs/)")
    parser.add_argument(
        "overrides", nargs="*", metavar="key=value", help="override a setting, e.g. lora.r=16"
    )
    return parser


def step_main(
    config_cls: type[StepConfig],
    run: Callable[[Any], dict[str, Any]],
    argv: Sequence[str] | None = None,
    prog: str | None = None,
) -> int:
    """Parse arguments, build the typed config, run the step, print its result as JSON."""
    offline_environment()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    description = (config_cls.__doc__ or "").strip().splitlines()[0] if config_cls.__doc__ else None
    args = step_parser(prog or config_cls.__name__, description or "").parse_args(argv)
    try:
        cfg = load_config(config_cls, args.config, args.overrides)
        result = run(cfg)
    except (ConfigError, BaseModelError, StepFailed) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if not report_tracking_error(exc):
            raise
        return 2
    print(json.dumps(result, indent=2, sort_keys=True, default=str))
    return 0


def report_tracking_error(exc: BaseException) -> bool:
    """Print one `error:` line and return True when `exc` is the tracking server being unreachable, refusing
    the login (HTTP 401) or denying the request (403); False for anything else (a bug keeps its traceback).

    Callers exit 2 after True: `step_main` for every step, `tuneline <verb>` for the verbs that are not steps.
    """
    from components.common.tracking import tracking_error_message

    message = tracking_error_message(exc)
    if message is None:
        return False
    print(f"error: {message}", file=sys.stderr)
    return True

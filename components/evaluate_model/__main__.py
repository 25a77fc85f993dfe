"""python -m components.evaluate_model --config configs/evaluate.yaml [key=value ...]"""

import sys

from components.common.step import step_main
from components.evaluate_model.config import EvaluateConfig
from components.evaluate_model.core import run


def main(argv: list[str] | None = None) -> int:
    return step_main(EvaluateConfig, run, argv, prog="tuneline evaluate")


if __name__ == "__main__":
    sys.exit(main())

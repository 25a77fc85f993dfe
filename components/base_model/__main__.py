"""python -m components.base_model --config configs/base_model.yaml [key=value ...]"""

import sys

from components.base_model.config import BaseModelConfig
from components.base_model.core import run
from components.common.step import step_main


def main(argv: list[str] | None = None) -> int:
    return step_main(BaseModelConfig, run, argv, prog="tuneline base-model")


if __name__ == "__main__":
    sys.exit(main())

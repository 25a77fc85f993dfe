"""python -m components.register --config configs/register.yaml [key=value ...]"""

import sys

from components.common.step import step_main
from components.register.config import RegisterConfig
from components.register.core import run


def main(argv: list[str] | None = None) -> int:
    return step_main(RegisterConfig, run, argv, prog="tuneline register")


if __name__ == "__main__":
    sys.exit(main())

"""python -m components.validate_data --config configs/validate_data.yaml [key=value ...]

Exit status 0 when the data passes (warnings allowed), 2 when a blocking rule fails (the report is
written first) or the config is wrong; `dvc repro` stops at a non-zero status.
"""

import sys

from components.common.step import step_main
from components.validate_data.config import ValidateDataConfig
from components.validate_data.core import run


def main(argv: list[str] | None = None) -> int:
    return step_main(ValidateDataConfig, run, argv, prog="tuneline validate")


if __name__ == "__main__":
    sys.exit(main())

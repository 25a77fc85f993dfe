"""python -m components.align --config configs/align.yaml [key=value ...]   (also: tuneline align)

tuneline align --config configs/align.yaml method=rlhf
tuneline align --config configs/align.yaml dpo.loss_type=ipo dpo.beta=0.5
"""

import sys

from components.align.config import AlignConfig
from components.align.core import run
from components.common.step import step_main


def main(argv: list[str] | None = None) -> int:
    return step_main(AlignConfig, run, argv, prog="tuneline align")


if __name__ == "__main__":
    sys.exit(main())

"""python -m components.finetune_lora --config configs/train.yaml [key=value ...]   (also: tuneline train)

Multi-GPU: accelerate launch --config_file configs/accelerate/multi_gpu_ddp.yaml \
    -m components.finetune_lora --config configs/train.yaml
"""

import sys

from components.common.step import step_main
from components.finetune_lora.config import FinetuneConfig
from components.finetune_lora.core import run


def main(argv: list[str] | None = None) -> int:
    return step_main(FinetuneConfig, run, argv, prog="tuneline train")


if __name__ == "__main__":
    sys.exit(main())

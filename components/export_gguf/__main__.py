"""tuneline export gguf --config configs/export.yaml [key=value ...]   (also: python -m components.export_gguf gguf ...)

Exit status 0 when every export passed its check and was registered; 2 when one was refused (nothing is
registered then), the config is wrong, or the converter, the source version or its evaluation are unusable.
"""

import sys

from components.common.step import step_main
from components.export_gguf.config import ExportConfig
from components.export_gguf.core import run

FORMATS = ("gguf",)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in FORMATS:
        print(f"usage: tuneline export {{{','.join(FORMATS)}}} --config configs/export.yaml [key=value ...]")
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    return step_main(ExportConfig, run, argv[1:], prog=f"tuneline export {argv[0]}")


if __name__ == "__main__":
    sys.exit(main())

"""tuneline feedback export | tuneline report online | tuneline report drift  --config configs/online.yaml [key=value ...]

    python -m components.online feedback export --config configs/online.yaml
    python -m components.online report drift --config configs/online.yaml --fail-on-drift

Exit status 0 on success; 2 when the data gate refuses the exported pairs (nothing written), the config is
wrong, or drift is flagged with --fail-on-drift (drift.fail_on_drift=true).
"""

import sys
from collections.abc import Callable
from typing import Any

from components.common.step import step_main
from components.online.config import OnlineConfig


def export(cfg: OnlineConfig) -> dict[str, Any]:
    from components.online.export import run

    return run(cfg)


def online_report(cfg: OnlineConfig) -> dict[str, Any]:
    from components.online.report import run

    return run(cfg)


def drift_report(cfg: OnlineConfig) -> dict[str, Any]:
    from components.online.drift import run

    return run(cfg)


COMMANDS: dict[str, dict[str, Callable[[OnlineConfig], dict[str, Any]]]] = {
    "feedback": {"export": export},
    "report": {"online": online_report, "drift": drift_report},
}


def _dispatch(verb: str, argv: list[str]) -> int:
    subcommands = COMMANDS[verb]
    if not argv or argv[0] not in subcommands:
        print(
            f"usage: tuneline {verb} {{{','.join(subcommands)}}} --config configs/online.yaml [key=value ...]"
        )
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    rest = ["drift.fail_on_drift=true" if a == "--fail-on-drift" else a for a in argv[1:]]
    return step_main(OnlineConfig, subcommands[argv[0]], rest, prog=f"tuneline {verb} {argv[0]}")


def feedback_main(argv: list[str] | None = None) -> int:
    return _dispatch("feedback", list(sys.argv[1:] if argv is None else argv))


def report_main(argv: list[str] | None = None) -> int:
    return _dispatch("report", list(sys.argv[1:] if argv is None else argv))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print("usage: python -m components.online {feedback export | report online | report drift} ...")
        return 2
    return _dispatch(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main())

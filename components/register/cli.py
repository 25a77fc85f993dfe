"""`tuneline promote | rollback | models`: the registry verbs a person (or CI) runs by hand."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from components.common.config import ConfigError, load_config
from components.common.step import offline_environment
from components.register.config import PromoteConfig
from components.register.promote import PromotionError, list_versions, promote, rollback
from components.register.registry import AliasRaceError, audit_history


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--config", default=None, help="configs/promote.yaml (policy and aliases)")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="e.g. policy.min_delta=0.01")
    return parser


def _run(action, cfg_args) -> int:
    offline_environment()
    try:
        cfg = load_config(PromoteConfig, cfg_args.config, cfg_args.overrides)
        result = action(cfg)
    except (ConfigError, PromotionError, AliasRaceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, default=str))
    return 0


def promote_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser(
        "tuneline promote", "Move champion to the challenger (or --version) when the gate passes."
    )
    parser.add_argument("--version", help="version to consider (default: the challenger alias)")
    parser.add_argument("--approve", metavar="VERSION", help="a person approves VERSION (needs --reason)")
    parser.add_argument("--force", action="store_true", help="move despite a failed gate (needs --reason)")
    parser.add_argument("--reason", default="", help="why: recorded on the version and in the audit log")
    args = parser.parse_args(argv)
    version = args.approve or args.version
    return _run(
        lambda cfg: promote(cfg, version, approve=bool(args.approve), force=args.force, reason=args.reason),
        args,
    )


def rollback_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser("tuneline rollback", "Move champion back to the version it replaced.")
    parser.add_argument("--reason", default="", help="why: recorded in the audit log")
    args = parser.parse_args(argv)
    return _run(lambda cfg: rollback(cfg, args.reason), args)


def models_main(argv: Sequence[str] | None = None) -> int:
    parser = _parser("tuneline models", "List versions with aliases and key metrics.")
    parser.add_argument("--audit", action="store_true", help="print the alias-move history instead")
    args = parser.parse_args(argv)

    def show(cfg: PromoteConfig):
        rows = (
            audit_history(cfg.registered_model_name)
            if args.audit
            else list_versions(cfg.registered_model_name)
        )
        if rows:
            columns = list(rows[0])
            print("  ".join(f"{c:<12}" for c in columns))
            for row in rows:
                print("  ".join(f"{row.get(c, '')!s:<12}" for c in columns))
        return {"count": len(rows)}

    return _run(show, args)

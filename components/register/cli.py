"""`tuneline promote | rollback | models | registry`: the registry verbs a person (or CI) runs by hand.

    python -m components.register.cli promote --config configs/promote.yaml   # what the DVC stage runs

tuneline registry gc --older-than 3600      # delete versions whose registration never finished
tuneline registry verify --version 7        # check v7's files in the artifact store against its sha256s
tuneline registry reconcile                 # record/act on a champion moved in the MLflow UI (ui_promotion)
TUNELINE_WEBHOOK_SECRET=... tuneline registry webhook --url https://serve.example.com/admin/registry-webhook
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from components.common.config import ConfigError, load_config
from components.common.registry_io import RegistryError
from components.common.step import offline_environment, report_tracking_error
from components.register import ui_promotion
from components.register.config import PromoteConfig
from components.register.promote import (
    PromotionError,
    list_versions,
    promote,
    reconcile_ui_moves,
    rollback,
    versions_table,
)
from components.register.registry import AliasLockError, AliasRaceError, audit_history


def _parser(prog: str, description: str, *positional: tuple[str, dict]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    for name, options in positional:  # before the key=value list, which takes every other word
        parser.add_argument(name, **options)
    parser.add_argument("--config", default=None, help="configs/promote.yaml (policy and aliases)")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="e.g. policy.min_delta=0.01")
    return parser


def _run(action, cfg_args) -> int:
    offline_environment()
    try:
        cfg = load_config(PromoteConfig, cfg_args.config, cfg_args.overrides)
        result = action(cfg)
    except (ConfigError, PromotionError, AliasRaceError, AliasLockError, RegistryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a tracking server that refuses the login or cannot be reached: one line
        if not report_tracking_error(exc):
            raise
        return 2
    if result is not None:  # a verb that printed its own table returns None
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
    parser = _parser("tuneline models", "List versions with aliases, primary metric and gate decision.")
    parser.add_argument("--audit", action="store_true", help="print the alias-move history instead")
    parser.add_argument("--json", action="store_true", help="the machine form: a JSON list")
    args = parser.parse_args(argv)

    def show(cfg: PromoteConfig):
        name = cfg.registered_model_name
        rows = audit_history(name) if args.audit else list_versions(name)
        if args.json:
            return rows
        if not rows:
            print(f"{name}: no versions" if not args.audit else f"{name}: no alias moves recorded")
        elif args.audit:
            columns = list(rows[0])
            print("  ".join(f"{c:<12}" for c in columns))
            for row in rows:
                print("  ".join(f"{row.get(c, '')!s:<12}" for c in columns))
        else:
            print(versions_table(rows))
        return None

    return _run(show, args)


def registry_main(argv: Sequence[str] | None = None) -> int:
    action = {
        "choices": ["gc", "verify", "reconcile", "webhook"],
        "help": "gc: delete unfinished versions; verify: check sha256s; reconcile: handle a champion moved "
        "outside tuneline now (ui_promotion); webhook: have the tracking server call serving on alias moves",
    }
    parser = _parser(
        "tuneline registry",
        "Registry upkeep: unfinished versions, artifact sha256s, alias moves made outside tuneline.",
        ("action", action),
    )
    parser.add_argument("--version", help="verify: the version to check (default: every version)")
    parser.add_argument(
        "--older-than",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="gc: delete an unfinished version from another host after this long (one from this host as soon "
        "as its process is gone)",
    )
    parser.add_argument(
        "--url",
        help="webhook: serving's receiver, e.g. https://host/admin/registry-webhook (signed with "
        "TUNELINE_WEBHOOK_SECRET, which serving needs too)",
    )
    args = parser.parse_intermixed_args(argv)  # options may come between the action and key=value

    def act(cfg: PromoteConfig):
        from components.register import registry

        name = cfg.registered_model_name
        if args.action == "gc":
            return {"deleted": registry.collect_incomplete(name, args.older_than)}
        if args.action == "reconcile":
            with registry.alias_lock(name) as lock:
                return reconcile_ui_moves(cfg, lock).to_dict()
        if args.action == "webhook":
            secret = ui_promotion.webhook_secret()
            if not (args.url and secret):
                raise PromotionError(
                    f"webhook needs --url and {ui_promotion.WEBHOOK_SECRET_ENV} (shared with serving)"
                )
            return ui_promotion.ensure_webhook(args.url, secret)
        return {"verified": registry.verify_versions(name, args.version)}

    return _run(act, args)


VERBS = {"promote": promote_main, "rollback": rollback_main, "models": models_main, "registry": registry_main}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in VERBS:
        sys.exit(f"usage: python -m components.register.cli {{{' | '.join(VERBS)}}} [options]")
    sys.exit(VERBS[sys.argv[1]](sys.argv[2:]))

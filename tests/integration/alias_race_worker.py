"""One promoter of the alias race drill (tests/integration/test_alias_race.py), driven over a pipe.

Started by a forkserver that imported this module (and so MLflow) once: 8 promoters start in milliseconds
instead of paying the import each. Each message `(round, expected, version, stop)` asks it to move ALIAS from
`expected` to `version` with `registry.move_alias` (`stop`: SIGSTOP itself inside the critical section, just before
the write). It answers `("moved", round, version, fence)` or `("lost", round, the version the alias points at)`.
"""

from __future__ import annotations

import os
from multiprocessing.connection import Connection

import mlflow  # noqa: F401  (imported once by the forkserver, not by each promoter)

from components.register import registry


def promoter(pipe: Connection, env: dict[str, str], name: str, alias: str) -> None:
    os.environ.clear()
    os.environ.update(env)
    registry.client()  # connect before the first round
    pipe.send("ready")
    while (message := pipe.recv()) is not None:
        round_no, expected, version, stop = message
        if stop:
            os.environ["TUNELINE_FAULT_POINT"] = "alias_write:stop"
        try:
            move = registry.move_alias(name, alias, version, expected, "promote", f"race round {round_no}")
            pipe.send(("moved", round_no, version, move.fence))
        except registry.AliasRaceError as exc:
            pipe.send(("lost", round_no, exc.current))
        finally:
            os.environ.pop("TUNELINE_FAULT_POINT", None)

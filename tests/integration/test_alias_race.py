"""Alias race drill: 8 promoter processes x 50 rounds on one alias, one of them SIGSTOPped inside the critical
section (after its read and decision, before its write) for longer than any lease or settle delay.

    .venv/bin/python -m pytest tests/integration/test_alias_race.py -q
    for i in $(seq 10); do .venv/bin/python -m pytest tests/integration/test_alias_race.py -q || break; done

Every round must end with exactly one move; the losers wait for the lock, then see the winner's version; no
update is lost (each audited move replaces the previous one); every move is audited exactly once, with a lock
fence that grows along the audit log. The same lock through an `mlflow server`, as a PostgreSQL row lock with a
stalled holder: tests/integration/test_real_parts.py::test_a_second_promoter_waits_on_the_postgresql_alias_lock.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from components.register import registry
from tests.integration.alias_race_worker import promoter

pytestmark = pytest.mark.integration
NAME, ALIAS = "race", "champion"
PROMOTERS, ROUNDS, STOP_ROUND = 8, 50, 17
STALL_S = 3.0  # 10x the 0.3 s settle delay the tag lease relied on; the lock has no lease or delay at all


def process_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def wait_until_stopped(proc) -> None:
    """Until the promoter has SIGSTOPped itself inside the lock (a promoter that exits instead fails the drill)."""
    while process_state(proc.pid) != "T":
        assert proc.is_alive(), "the promoter exited before it reached its stop"
        time.sleep(0.02)


def run_drill(env: dict[str, str]) -> list[list[tuple]]:
    """Play ROUNDS rounds; returns each round's replies (one per promoter)."""
    c = registry.client()
    c.create_registered_model(NAME)
    run = c.create_run(c.create_experiment("race"))
    # one version more than promoters: each round, every promoter proposes a version other than the current one
    for _ in range(PROMOTERS + 1):
        c.create_model_version(NAME, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([promoter.__module__])
    pipes, procs = [], []
    for _ in range(PROMOTERS):
        ours, theirs = context.Pipe()
        procs.append(context.Process(target=promoter, args=(theirs, env, NAME, ALIAS), daemon=True))
        procs[-1].start()
        pipes.append(ours)
    try:
        assert [p.recv() for p in pipes] == ["ready"] * PROMOTERS
        expected, played = None, []
        for round_no in range(ROUNDS):
            others = [str(v) for v in range(1, PROMOTERS + 2) if str(v) != expected]
            asks = [(round_no, expected, others[(i + round_no) % PROMOTERS], False) for i in range(PROMOTERS)]
            if round_no == STOP_ROUND:
                pipes[0].send((*asks[0][:3], True))
                wait_until_stopped(procs[0])  # it holds the lock and has decided; its write is next
            for i, pipe in enumerate(pipes):
                if not (round_no == STOP_ROUND and i == 0):
                    pipe.send(asks[i])
            if round_no == STOP_ROUND:
                time.sleep(STALL_S)
                assert all(p.is_alive() for p in procs)
                assert registry.alias_version(NAME, ALIAS) == expected, (
                    "someone wrote while the holder stalled"
                )
                os.kill(procs[0].pid, signal.SIGCONT)
            replies = [p.recv() for p in pipes]
            moved = [r for r in replies if r[0] == "moved"]
            assert len(moved) == 1, f"round {round_no}: {replies}"
            winner = moved[0][2]
            assert all(r == ("lost", round_no, winner) for r in replies if r[0] == "lost"), replies
            if round_no == STOP_ROUND:
                assert replies[0][0] == "moved"  # the stalled holder kept the lock; the others waited for it
            expected = winner
            played.append(replies)
        return played
    finally:
        for proc, pipe in zip(procs, pipes, strict=True):
            if proc.is_alive():
                os.kill(proc.pid, signal.SIGCONT)
                pipe.send(None)
            proc.join(timeout=60)


def check_audit(played: list[list[str]]) -> None:
    winners = [next(r for r in replies if r[0] == "moved") for replies in played]
    assert registry.alias_version(NAME, ALIAS) == winners[-1][2]
    audit = [row for row in registry.audit_history(NAME) if row["alias"] == ALIAS]
    assert [row["reason"] for row in audit] == [f"race round {i}" for i in range(len(played))]  # once each
    assert [row["version"] for row in audit] == [w[2] for w in winners]
    for before, after in itertools.pairwise(audit):
        assert after["previous"] == before["version"]  # no lost update
        assert int(after["fence"]) > int(before["fence"])
    assert [int(row["fence"]) for row in audit] == [w[3] for w in winners]


def test_alias_race_on_a_sqlite_store(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{tmp_path}/mlflow.db")
    monkeypatch.setenv("TUNELINE_ARTIFACT_ROOT", str(tmp_path / "mlartifacts"))
    monkeypatch.setenv("TUNELINE_CACHE", str(tmp_path / "cache"))
    played = run_drill(dict(os.environ))
    check_audit(played)
    assert (tmp_path / "mlflow-locks.db").is_file()  # the lock is not MLflow's own database file

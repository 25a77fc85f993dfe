"""A step whose tracking server is down ends with one line naming the server, not a page of traceback.

.venv/bin/python -m pytest tests/unit/test_step_errors.py -q
"""

from __future__ import annotations

import pytest
import requests

from components.common.config import StepConfig
from components.common.step import step_main

SERVER = "http://127.0.0.1:5999"


class NoConfig(StepConfig):
    """A step with nothing to configure."""


def refused_by_the_server(_cfg) -> dict:
    """What MLflow's REST client raises when nothing listens: its own error around the refused connection."""
    try:
        raise requests.exceptions.ConnectionError("Connection refused")
    except requests.exceptions.ConnectionError as exc:
        raise RuntimeError(f"API request to {SERVER}/api/2.0/mlflow/runs/get failed") from exc


def test_unreachable_tracking_server_is_one_error_line_naming_it(monkeypatch, capsys):
    monkeypatch.setenv("TUNELINE_TRACKING_URI", SERVER)
    assert step_main(NoConfig, refused_by_the_server, []) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: the MLflow tracking server http://127.0.0.1:5999 cannot be reached")
    assert "Traceback" not in "\n".join(err)


def test_other_failures_keep_their_traceback(monkeypatch):
    monkeypatch.setenv("TUNELINE_TRACKING_URI", "sqlite:///mlflow.db")  # a local store: no server to blame
    with pytest.raises(RuntimeError, match="API request"):
        step_main(NoConfig, refused_by_the_server, [])

    def bug(_cfg) -> dict:
        raise KeyError("a bug")

    monkeypatch.setenv("TUNELINE_TRACKING_URI", SERVER)
    with pytest.raises(KeyError):
        step_main(NoConfig, bug, [])

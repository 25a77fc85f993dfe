"""A step whose tracking server is down, or refuses its login, ends with one line naming the server (and the
user), exit 2, not a page of traceback.

.venv/bin/python -m pytest tests/unit/test_step_errors.py -q
"""

from __future__ import annotations

import http.server
import threading
import types

import pytest
import requests
from mlflow.exceptions import MlflowException, get_error_code

from components.common.config import StepConfig
from components.common.step import step_main
from components.common.tracking import TrackingAuthError, configure_tracking
from pipelines import cli

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


def refused_by_mlflow(status: int, endpoint: str = "/api/2.0/mlflow/registered-models/alias"):
    """A step whose request the server refused, as MLflow's REST client reports it, wrapped by tuneline."""
    body = {401: "You are not authenticated.", 403: "Permission denied"}[status]

    def run(_cfg) -> dict:
        try:
            message = f"API request to endpoint {endpoint} failed with error code {status} != 200. Response body: '{body}'"
            raise MlflowException(message, error_code=get_error_code(status))
        except MlflowException as exc:
            raise RuntimeError("cannot resolve models:/assistant@champion") from exc

    return run


def test_refused_credentials_are_one_line_naming_the_user(monkeypatch, capsys):
    monkeypatch.setenv("TUNELINE_TRACKING_URI", SERVER)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ci")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "wrong")
    assert step_main(NoConfig, refused_by_mlflow(401), []) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: the tracking server at {SERVER} refused the credentials of user 'ci' (HTTP 401): "
        "check MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD"
    ]

    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME")
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD")
    monkeypatch.setenv("HOME", "/nonexistent")  # no ~/.mlflow/credentials either
    assert step_main(NoConfig, refused_by_mlflow(401), []) == 2
    assert "requires a login (HTTP 401): set MLFLOW_TRACKING_USERNAME" in capsys.readouterr().err


def test_a_denied_request_names_the_user_the_request_and_the_permission(monkeypatch, capsys):
    monkeypatch.setenv("TUNELINE_TRACKING_URI", SERVER)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "viewer")
    assert step_main(NoConfig, refused_by_mlflow(403), []) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(
        f"error: the tracking server at {SERVER} denied user 'viewer' this request "
        "(/api/2.0/mlflow/registered-models/alias) (HTTP 403): ask its admin for EDIT"
    )


class StubTrackingServer(http.server.BaseHTTPRequestHandler):
    """Answers every GET with `status` and counts the requests (a server with basic auth, seen from outside)."""

    status, requests_seen = 401, 0

    def do_GET(self):
        type(self).requests_seen += 1
        self.send_response(self.status)
        if self.status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="mlflow"')
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture()
def stub_server(monkeypatch):
    """(handler class, url) of a stub tracking server on 127.0.0.1, set as TUNELINE_TRACKING_URI."""
    handler = type("Handler", (StubTrackingServer,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("TUNELINE_TRACKING_URI", url)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ci")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "wrong")
    yield handler, url
    server.shutdown()
    server.server_close()


def test_a_refused_login_stops_the_step_before_any_request_of_its_own(stub_server, capsys):
    _handler, url = stub_server

    def step(_cfg) -> dict:
        configure_tracking()  # every path to the server goes through here first
        raise AssertionError("the step went on after the server refused its login")

    assert step_main(NoConfig, step, []) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (
        f"error: the tracking server at {url} refused the credentials of user 'ci' (HTTP 401): "
        "check MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD"
    )


def test_an_accepted_login_is_checked_once_per_process(stub_server, monkeypatch):
    handler, _url = stub_server
    handler.status = 200
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "right")
    configure_tracking()
    configure_tracking()
    assert handler.requests_seen == 1
    handler.status = 401
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "changed")  # another login is checked again
    with pytest.raises(TrackingAuthError, match="user 'ci'"):
        configure_tracking()


def test_an_unreachable_server_is_left_to_the_request_that_follows(monkeypatch):
    """The login check adds no error of its own (nor retries) when nothing listens: the real request reports."""
    monkeypatch.setenv("TUNELINE_TRACKING_URI", SERVER)
    assert configure_tracking() == SERVER


def test_tuneline_verbs_that_are_not_steps_map_refusals_too(monkeypatch, capsys):
    """`tuneline promote | rollback | models` have their own main; a refused login still ends in one line."""
    verb = types.SimpleNamespace(main=lambda argv: refused_by_mlflow(401)(None))
    monkeypatch.setitem(cli.VERBS, "promote", (lambda argv: verb.main(argv), "a verb whose login is refused"))
    monkeypatch.setenv("TUNELINE_TRACKING_URI", SERVER)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ci")
    assert cli.main(["promote"]) == 2
    assert "refused the credentials of user 'ci' (HTTP 401)" in capsys.readouterr().err

    verb.main = lambda argv: {}["a bug"]
    with pytest.raises(KeyError):
        cli.main(["promote"])

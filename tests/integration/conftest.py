"""A real `mlflow server` as a fixture: started as a process on 127.0.0.1, stopped, killed and restarted by drills.

def test_x(mlflow_server_factory, tmp_path):
    server = mlflow_server_factory(f"sqlite:///{tmp_path}/mlflow.db", tmp_path / "artifacts")
    server.url           # http://127.0.0.1:<port>, artifacts proxied to tmp_path/artifacts
    server.use(monkeypatch)         # TUNELINE_TRACKING_URI=server.url for the steps
    server.kill(); server.start()   # an outage and a restart on the same store and port

    server = mlflow_server_factory(uri, artifacts, auth=True)   # MLflow's basic-auth app, users in a SQLite file
    server.login = server.add_user("ci")   # a new user (default permission READ); use() logs in as it
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# MLflow 3's job runner (7 huey worker processes) is for GenAI judges/jobs: nothing tuneline uses.
SERVER_ENV = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
CREDENTIAL_VARIABLES = ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD")
START_TIMEOUT_S = 180  # schema migrations on a fresh PostgreSQL database take a while on 2 busy cores


def pick_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MlflowServer:
    """`mlflow server` on one store and one port; its process group is stopped as a whole.

    With `auth=True` it runs MLflow's basic-auth app: an admin with a random password (`admin`), users in a
    SQLite file beside the log, default permission READ; `login` is who `use()` / `client_env()` log in as.
    """

    def __init__(self, backend_uri: str, artifacts: Path, log_file: Path, auth: bool = False):
        self.backend_uri, self.artifacts, self.log_file = backend_uri, artifacts, log_file
        self.port = pick_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.admin = ("admin", secrets.token_urlsafe(16)) if auth else None
        self.login: tuple[str, str] | None = self.admin
        self.secret_key = secrets.token_hex(16)  # Flask's CSRF key: the same across restarts

    def start(self) -> MlflowServer:
        command = [
            *(str(Path(sys.executable).parent / "mlflow"), "server"),
            *("--backend-store-uri", self.backend_uri, "--artifacts-destination", str(self.artifacts)),
            *("--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"),
        ]
        env = SERVER_ENV | dict(os.environ)
        if self.admin:
            command += ["--app-name", "basic-auth"]
            env |= self.auth_env()
        with self.log_file.open("ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=log, env=env, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"mlflow server did not start:\n{self.log_file.read_text()[-3000:]}")
            time.sleep(0.25)
        return self

    def auth_env(self) -> dict[str, str]:
        """The basic-auth app's settings: an ini file (MLflow's own keys) and Flask's secret key."""
        assert self.admin is not None
        config = self.log_file.with_name("basic_auth.ini")
        config.write_text(
            "[mlflow]\n"
            "default_permission = READ\n"
            f"database_uri = sqlite:///{self.log_file.with_name('auth.db')}\n"
            f"admin_username = {self.admin[0]}\n"
            f"admin_password = {self.admin[1]}\n"
            "auth_cache_ttl_seconds = 300\n"  # else every request re-hashes the password (PBKDF2, ~0.5 s here)
        )
        return {"MLFLOW_AUTH_CONFIG_PATH": str(config), "MLFLOW_FLASK_SERVER_SECRET_KEY": self.secret_key}

    def add_user(self, username: str) -> tuple[str, str]:
        """Create a (non-admin) user with a random password through the auth app's REST API."""
        import requests

        assert self.admin is not None, "add_user needs a server started with auth=True"
        password = secrets.token_urlsafe(16)
        response = requests.post(
            f"{self.url}/api/2.0/mlflow/users/create",
            json={"username": username, "password": password},
            auth=self.admin,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return username, password

    def client_env(self) -> dict[str, str]:
        """Environment for tuneline against this server; MLflow's client fails fast when it is down."""
        env = {
            "TUNELINE_TRACKING_URI": self.url,
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
            "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
        }
        if self.login:
            env |= dict(zip(CREDENTIAL_VARIABLES, self.login, strict=True))
        return env

    def use(self, patch: pytest.MonkeyPatch) -> None:
        """Point this process at the server (logged in as `login`), artifacts under the server's proxied root."""
        for key in CREDENTIAL_VARIABLES:
            patch.delenv(key, raising=False)
        for key, value in self.client_env().items():
            patch.setenv(key, value)
        patch.delenv("TUNELINE_ARTIFACT_ROOT", raising=False)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """A sudden outage: SIGKILL to the server and its workers."""
        self._signal_group(signal.SIGKILL)

    def stop(self) -> None:
        """An orderly stop (SIGTERM), escalating to SIGKILL after 30 s."""
        self._signal_group(signal.SIGTERM)

    def _signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        except ProcessLookupError:
            pass
        finally:
            self.proc = None
        for _ in range(100):  # workers of the group may outlive the parent for a moment
            if not self.healthy():
                return
            time.sleep(0.1)


@pytest.fixture(scope="session")
def free_port():
    """() -> a TCP port on 127.0.0.1 that nothing listens on right now."""
    return pick_free_port


@pytest.fixture(scope="session")
def mlflow_server_factory(tmp_path_factory):
    """Factory: (backend store URI, artifacts folder, auth=False) -> a started MlflowServer; all are stopped at
    the end. `auth=True` runs MLflow's basic-auth app (see MlflowServer)."""
    servers: list[MlflowServer] = []

    def start(backend_uri: str, artifacts: Path, auth: bool = False) -> MlflowServer:
        log_file = tmp_path_factory.mktemp("mlflow-server") / "server.log"
        server = MlflowServer(backend_uri, Path(artifacts), log_file, auth=auth)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()

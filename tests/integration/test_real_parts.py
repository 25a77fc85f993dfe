"""Real parts: PostgreSQL behind `mlflow server` with MLflow's basic-auth app and proxied artifacts, a server
outage during registration, refused logins, and the MLflow UI in headless Chromium. Missing PostgreSQL or
Chromium is installed with apt-get (as root).

    .venv/bin/python -m pytest tests/integration/test_real_parts.py -q --durations=0
    TUNELINE_TEST_ARTIFACTS=/tmp/test-artifacts ...   # the UI screenshots go there (else to a temporary folder);
    cp /tmp/test-artifacts/mlflow-compare-versions.png docs/img/   # the README's picture

PostgreSQL refuses to run as root: as root its cluster is initialised and run as the `postgres` user.
The suite pays for the services once: one PostgreSQL per session, one tracking server per module.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import mlflow
import pytest
import requests

from components.common.chat_model import ChatModel
from components.common.config import load_config
from components.finetune_lora.config import FinetuneConfig
from components.finetune_lora.core import run as train
from components.register import registry
from components.register.config import PromoteConfig, RegisterConfig
from components.register.core import run as register
from components.register.promote import promote

pytestmark = [pytest.mark.integration, pytest.mark.services]
REPO = Path(__file__).resolve().parents[2]
NAME = "assistant"
PRIMARY = "fact_accuracy"  # the metric that decides promotion, as in configs/promote.yaml
PROMPTS = [[{"role": "user", "content": "How much is the Plus plan?"}], [{"role": "user", "content": "Hi"}]]
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
]


def apt_install(*packages: str) -> float:
    """apt-get install (refreshing the package lists if the first try fails); returns the seconds it took."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(f"{' '.join(packages)} not installed, and apt-get needs root to install them")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    started = time.monotonic()
    if subprocess.run(command, env=env, capture_output=True, timeout=1200).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600, check=True)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, (
            f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    seconds = time.monotonic() - started
    print(f"\napt-get install {' '.join(packages)}: {seconds:.1f} s")
    return seconds


def postgres_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<major>/bin holding initdb and pg_ctl, else one on PATH."""
    majors = [d for d in Path("/usr/lib/postgresql").glob("*") if (d / "bin/initdb").exists()]
    found = sorted((d / "bin" for d in majors if d.name.isdigit()), key=lambda b: int(b.parent.name))
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def postgres_uri(free_port):
    """A throwaway PostgreSQL cluster on 127.0.0.1 with a database `mlflow`; yields its SQLAlchemy URI."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        apt_install("postgresql")
        bin_dir = postgres_bin_dir()
    assert bin_dir is not None, "apt-get installed postgresql but no initdb/pg_ctl was found"
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # not under pytest's tmp folders (mode 0700, root's): the postgres user must reach the cluster's folder
    root = Path(tempfile.mkdtemp(prefix="tuneline-pg-"))
    if as_owner:
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()

    def run(*command: str) -> None:
        done = subprocess.run([*command], capture_output=True, text=True, timeout=120, cwd=root)
        assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}{done.stderr}"

    pg_ctl = [*as_owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log")]
    run(*as_owner, str(bin_dir / "initdb"), "-D", str(data), "-U", "tuneline", "-A", "trust", "-E", "UTF8")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    run(*pg_ctl, "-w", "-t", "60", "-o", options, "start")
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tuneline", "mlflow")
        yield f"postgresql+psycopg2://tuneline@127.0.0.1:{port}/mlflow"
    finally:
        run(*pg_ctl, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def server(postgres_uri, mlflow_server_factory, tmp_path_factory):
    """`mlflow server` with basic auth on the PostgreSQL store, artifacts proxied to a folder of its own.

    The lifecycle runs as `ci`, a user without admin rights (default permission READ): what it creates
    (experiments, registered models) it may manage; everyone else may only read them.
    """
    server = mlflow_server_factory(postgres_uri, tmp_path_factory.mktemp("pg-artifacts"), auth=True)
    server.login = server.add_user("ci")
    return server


@pytest.fixture(scope="module")
def viewer(server) -> tuple[str, str]:
    """A second user with the default permission (READ) on everything `ci` made."""
    return server.add_user("viewer")


@pytest.fixture(scope="module")
def promoted(server, postgres_uri, tiny_model_dir, tmp_path_factory):
    """Train 2 steps -> register v1 -> promote it -> register v2 (rejected by the gate): all through the server."""
    import torch

    root = tmp_path_factory.mktemp("real-parts")
    with pytest.MonkeyPatch.context() as patch:
        server.use(patch)
        patch.setenv("TUNELINE_CACHE", str(root / "cache"))
        patch.setenv("TUNELINE_ACTOR", "real-parts-test")
        patch.setenv("TUNELINE_LOCK_URI", postgres_uri)  # alias moves lock a row of PostgreSQL's own
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # the tiny model gains nothing from threads on 2 shared cores
        try:
            adapter = trained_adapter(tiny_model_dir, root)
            versions = [register_version(root, adapter, passed=True)]
            decision = promote(
                load_config(
                    PromoteConfig,
                    registered_model_name=NAME,
                    out_dir=str(root / "p"),
                    policy={"primary_metric": PRIMARY},
                )
            )
            versions.append(register_version(root, adapter, passed=False))
            before = registry_snapshot()
            answers = greedy_answers(root / "cache-before")
        finally:
            torch.set_num_threads(threads)
        yield SimpleNamespace(
            root=root, adapter=adapter, versions=versions, decision=decision, before=before, answers=answers
        )


def trained_adapter(tiny_model_dir: Path, root: Path) -> Path:
    overrides = [
        f"base_model={tiny_model_dir}",
        f"out_dir={root / 'train'}",
        f"train_file={REPO / 'data/raw/sft.jsonl'}",
        "trainer.max_steps=2",
        "eval_fraction=0.02",
    ]
    result = train(load_config(FinetuneConfig, REPO / "configs/smoke/train.yaml", overrides))
    return Path(result["adapter_dir"])


def eval_report(passed: bool) -> dict:
    delta, low = (0.1, 0.05) if passed else (0.01, -0.02)
    others = {"rouge_l": 0.3, "guardrail_rate": 0.0}
    return {
        "primary": {"metric": PRIMARY, "delta": delta, "ci_low": low, "ci_high": delta + 0.05},
        "candidate": {"metrics": {PRIMARY: round(0.4 + delta, 6), **others}},
        "champion": {"metrics": {PRIMARY: 0.4, **others}, "label": "base model"},
    }


def register_version(root: Path, adapter: Path, passed: bool) -> str:
    report = root / f"report-{passed}.json"
    report.write_text(json.dumps(eval_report(passed)))
    cfg = load_config(
        RegisterConfig,
        adapter_dir=str(adapter),
        eval_report=str(report),
        registered_model_name=NAME,
        out_dir=str(root / "register"),
    )
    return register(cfg)["version"]


def registry_snapshot() -> dict:
    """Everything a person relies on in the registry: versions with tags and aliases, and the audit log."""
    client = registry.client()
    versions = {
        str(mv.version): {"status": mv.status, "tags": dict(mv.tags), "run": mv.run_id, "src": mv.source}
        for mv in client.search_model_versions(f"name = '{NAME}'")
    }
    return {
        "versions": versions,
        "aliases": {a: str(v) for a, v in client.get_registered_model(NAME).aliases.items()},
        "audit": registry.audit_history(NAME),
        "base_versions": len(client.search_model_versions("name = 'tuneline-base'")),
    }


def greedy_answers(cache: Path) -> list[str]:
    """Champion's greedy answers, downloaded through the server into a fresh cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TUNELINE_CACHE", str(cache))
        chat = ChatModel.load(f"models:/{NAME}@champion")
        return [c.text for c in chat.generate(PROMPTS)]


def test_versions_aliases_tags_and_audit_survive_a_server_restart(promoted, server, monkeypatch):
    server.use(monkeypatch)
    before = promoted.before
    assert promoted.versions == ["1", "2"] and promoted.decision["status"] == "promote"
    assert before["aliases"] == {"champion": "1", "challenger": "2"}
    assert before["versions"]["1"]["tags"]["champion.moved_by"] == "real-parts-test"
    assert [(r["alias"], r["action"]) for r in before["audit"]] == [
        ("challenger", "challenger"),
        ("champion", "promote"),
        ("challenger", "challenger"),
    ]
    artifact_root = mlflow.get_experiment_by_name("tuneline").artifact_location
    assert artifact_root.startswith(
        "mlflow-artifacts:"
    )  # proxied: the client never wrote to the store's disk

    server.stop()
    server.start()
    assert registry_snapshot() == before
    assert greedy_answers(promoted.root / "cache-after") == promoted.answers


def test_server_outage_during_registration_leaves_registry_and_aliases_as_they_were(
    promoted, server, monkeypatch, tmp_path
):
    server.use(monkeypatch)
    before = registry_snapshot()
    log = tmp_path / "register.log"
    command = [
        *(sys.executable, "-m", "components.register", "--config", str(REPO / "configs/register.yaml")),
        *(f"adapter_dir={promoted.adapter}", "eval_report=null", f"registered_model_name={NAME}"),
        f"out_dir={tmp_path / 'register'}",
    ]
    env = {**os.environ, "TUNELINE_FAULT_POINT": "before_upload:stop"}  # the step pauses before uploading
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_paused(proc)
        server.kill()  # the outage: the step resumes against a dead tracking server
        proc.send_signal(signal.SIGCONT)
        assert proc.wait(timeout=300) == 2
    finally:
        if proc.poll() is None:
            proc.kill()
        server.start()
    output = log.read_text()
    error = output.splitlines()[-1]
    assert error.startswith("error: ") and server.url in error, output[-3000:]  # one line naming the server
    after = registry_snapshot()
    assert after == before  # no new version, no alias moved, no audit entry
    for version in after["versions"]:
        assert mlflow.artifacts.list_artifacts(f"models:/{NAME}/{version}")  # none without its artifacts


def wait_until_paused(proc: subprocess.Popen, timeout: float = 240) -> None:
    """Until the process stopped itself at its fault point (state T in /proc)."""
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
        assert proc.poll() is None, "the step ended before reaching its fault point"
        assert time.monotonic() < deadline, "the step never reached its fault point"
        time.sleep(0.1)


def test_the_server_refuses_requests_without_a_valid_login(promoted, server):
    models = f"{server.url}/api/2.0/mlflow/registered-models/get"
    artifacts = f"{server.url}/api/2.0/mlflow-artifacts/artifacts"
    for url in (models, artifacts, f"{server.url}/"):
        assert requests.get(url, params={"name": NAME}, timeout=30).status_code == 401, url
    wrong = (server.login[0], "not-the-password")
    assert requests.get(models, params={"name": NAME}, auth=wrong, timeout=30).status_code == 401
    assert requests.get(models, params={"name": NAME}, auth=server.login, timeout=30).status_code == 200
    assert requests.get(f"{server.url}/health", timeout=30).status_code == 200  # open for probes


def test_a_wrong_password_is_one_line_and_exit_2(promoted, server, monkeypatch, tmp_path):
    server.use(monkeypatch)
    before = registry_snapshot()
    command = [
        *(sys.executable, "-m", "pipelines.cli", "promote", "--config", str(REPO / "configs/promote.yaml")),
        *(f"registered_model_name={NAME}", f"out_dir={tmp_path / 'promote'}"),
    ]
    env = {**os.environ, "MLFLOW_TRACKING_PASSWORD": "not-the-password", "TUNELINE_CACHE": str(tmp_path)}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [  # one line, no traceback
        f"error: the tracking server at {server.url} refused the credentials of user 'ci' (HTTP 401): "
        "check MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD"
    ], done.stderr
    assert registry_snapshot() == before


def test_a_read_only_user_cannot_move_champion(promoted, server, viewer, monkeypatch, tmp_path, capsys):
    from pipelines.cli import main as tuneline

    server.use(monkeypatch)
    before = registry_snapshot()
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", viewer[0])
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", viewer[1])
    monkeypatch.setenv("TUNELINE_CACHE", str(tmp_path))
    assert registry.client().get_registered_model(NAME).aliases == before["aliases"]  # reading is allowed
    forced = ["--version", "2", "--force", "--reason", "a viewer tries", f"registered_model_name={NAME}"]
    code = tuneline(["promote", *forced, f"out_dir={tmp_path / 'promote'}"])
    error = capsys.readouterr().err.strip().splitlines()[-1]
    denied = f"error: the tracking server at {server.url} denied user 'viewer' this request (/api/2.0/mlflow/"
    assert code == 2 and error.startswith(denied) and "(HTTP 403): ask its admin for EDIT" in error, error
    server.use(monkeypatch)
    assert registry_snapshot() == before  # champion stays, no tag, no audit entry


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        apt_install("chromium", "chromium-driver")
    return CHROMIUM


SOURCE_MODEL_LINK = "a[data-testid=source-model-link]"  # a version page's link to its logged model


@pytest.fixture(scope="module")
def browser(chromium, viewer, tmp_path_factory):
    """Headless Chromium sending the read-only viewer's basic-auth login with every request."""
    import base64

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    login = base64.b64encode(":".join(viewer).encode()).decode()
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {login}"}}
        )
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the UI tests save their screenshots: $TUNELINE_TEST_ARTIFACTS if set, else a temporary folder."""
    folder = Path(os.environ.get("TUNELINE_TEST_ARTIFACTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def set_viewport(driver, width: int, height: int) -> None:
    """The page's size in CSS pixels, so a screenshot is exactly width x height."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def save_screenshot(driver, path: Path) -> None:
    """Save the page as a PNG (the path is printed: a test artifact to look at)."""
    for close in driver.find_elements(
        "css selector", '[data-component-id="mlflow.assistant.chat_panel.close"]'
    ):
        if close.is_displayed():  # MLflow 3's assistant panel would cover a third of the page
            close.click()
    assert driver.save_screenshot(str(path)) and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"\nscreenshot: {path}")


def shown_rows(driver) -> dict[str, list[str]]:
    """The page's visible table rows (HTML tables and MLflow's role=row grids), by their first cell."""
    cells = driver.execute_script(
        "return [...document.querySelectorAll('[role=row], tr')].filter(r => r.getClientRects().length)"
        ".map(r => [...r.querySelectorAll('[role=cell], th, td')].map(c => c.innerText.trim()))"
    )
    return {row[0]: row[1:] for row in cells if row}


def js_number(value: float) -> str:
    """A float as JavaScript's String() writes it (both print the shortest round-trip digits)."""
    return repr(value).removesuffix(".0")


def ui_metric(value: float) -> str:
    """A metric as MLflow's compare tables print it (Utils.formatMetric in its UI; 1e-3 <= |value| or 0)."""
    scale = 1000 if abs(value) < 10 else 100 if abs(value) < 100 else 10
    return js_number(math.floor(value * scale + 0.5) / scale)  # Math.round: halves round up


def test_mlflow_ui_shows_the_versions_and_the_champion_alias(promoted, server, browser, screenshots):
    from selenium.webdriver.support.ui import WebDriverWait

    set_viewport(browser, 1600, 2200)  # tall: each version row lists ~20 lineage tags
    browser.get(f"{server.url}/#/models/{NAME}")
    WebDriverWait(browser, 90).until(lambda d: {"Version 1", "Version 2"} <= set(version_rows(d)))
    save_screenshot(browser, screenshots / "mlflow-registered-model.png")
    shown = version_rows(browser)
    assert "@ champion" in shown["Version 1"] and "@ challenger" in shown["Version 2"], shown


def version_rows(driver) -> dict[str, str]:
    """The registered model page's version rows, by their first line ("Version 2")."""
    rows = [row.text for row in driver.find_elements("css selector", "[role=row], tr")]
    return {row.splitlines()[0]: row for row in rows if row.startswith("Version ")}


def test_mlflow_ui_shows_the_primary_metric_of_each_version_and_compares_them(
    promoted, server, browser, screenshots, monkeypatch
):
    """Each version's page names the primary metric (its card) and links the logged model whose page lists its
    value; the registered model's Compare view puts both values side by side. Values as the registry holds them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    server.use(monkeypatch)
    client = registry.client()
    versions = {v: client.get_model_version(NAME, v) for v in ("1", "2")}
    model_ids = {v: mv.source.removeprefix("models:/") for v, mv in versions.items()}  # models:/m-<id>
    values = {}
    for v, mv in versions.items():
        logged = {m.key: m.value for m in client.get_logged_model(model_ids[v]).metrics}
        assert client.get_run(mv.run_id).data.metrics[PRIMARY] == logged[PRIMARY]  # the Compare view's source
        values[v] = logged[PRIMARY]
    assert values["1"] != values["2"]  # else Compare's "show diff only" would hide the row
    set_viewport(browser, 1280, 800)
    for v, mv in versions.items():
        check_version_page(browser, f"{server.url}/#/models/{NAME}/versions/{v}", mv, model_ids[v])
        save_screenshot(browser, screenshots / f"mlflow-version-{v}.png")
        browser.find_element(By.CSS_SELECTOR, SOURCE_MODEL_LINK).click()  # the logged model's page
        WebDriverWait(browser, 60).until(
            lambda d, model_id=model_ids[v]: (
                model_id in d.find_element(By.TAG_NAME, "body").text and PRIMARY in shown_rows(d)
            )
        )
        row = shown_rows(browser)[PRIMARY]
        assert row[-1] == js_number(values[v]), (v, row)  # Metric | Dataset | Source run | Value
        save_screenshot(browser, screenshots / f"mlflow-logged-model-{v}.png")

    wait = WebDriverWait(browser, 60)
    browser.get(f"{server.url}/#/models/{NAME}")  # select both versions, press Compare: as a person does
    wait.until(lambda d: {"Version 1", "Version 2"} <= set(version_rows(d)))
    for row in browser.find_elements(By.CSS_SELECTOR, "[role=row], tr"):
        if row.text.startswith("Version "):
            row.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    browser.find_element(By.CSS_SELECTOR, "[data-testid=compareButton]").click()
    wait.until(lambda d: PRIMARY in shown_rows(d))
    rows = shown_rows(browser)
    assert "compare-model-versions" in browser.current_url
    assert rows["Model Version:"] == ["1", "2"], rows
    assert rows[PRIMARY] == [ui_metric(values["1"]), ui_metric(values["2"])], rows
    browser.find_element(
        By.XPATH, "//button[span[@class='header' and .='Schema']]"
    ).click()  # fold: identical
    save_screenshot(browser, screenshots / "mlflow-compare-versions.png")  # the README's, in docs/img/


def check_version_page(driver, url: str, mv, model_id: str) -> None:
    """The version's page shows its card naming the primary metric and links its logged model ("Source Model")."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 60).until(
        lambda d: any(
            a.get_attribute("href").endswith(f"/models/{model_id}")
            for a in d.find_elements(By.CSS_SELECTOR, SOURCE_MODEL_LINK)
        )
    )
    card = f"{PRIMARY} {float(mv.tags['eval.delta']):+.3f} against {mv.tags['eval.champion']}"
    assert card in driver.find_element(By.TAG_NAME, "body").text, url


def test_a_second_promoter_waits_on_the_postgresql_alias_lock(promoted, server, postgres_uri, monkeypatch):
    """The alias lock as a PostgreSQL row lock: a writer that holds it stalls; the other waits, then sees the
    move it waited for and changes nothing."""
    server.use(monkeypatch)
    monkeypatch.setenv("TUNELINE_LOCK_URI", postgres_uri)
    champion = registry.alias_version(NAME, "champion")
    outcome: dict[str, BaseException] = {}

    def second_promoter() -> None:
        try:
            registry.move_alias(NAME, "champion", "2", champion, "force", "lock drill: second")
        except registry.AliasRaceError as exc:
            outcome["error"] = exc

    with registry.alias_lock(NAME) as lock:
        waiting = threading.Thread(target=second_promoter)
        waiting.start()
        time.sleep(1.5)  # a stall inside the critical section
        assert waiting.is_alive()  # blocked on the row lock, not racing
        registry.move_alias(NAME, "champion", "2", champion, "force", "lock drill: first", lock=lock)
    waiting.join(60)
    assert outcome["error"].current == "2"
    reasons = [row["reason"] for row in registry.audit_history(NAME)]
    assert reasons[-1] == "lock drill: first" and "lock drill: second" not in reasons
    assert registry.alias_version(NAME, "champion") == "2"

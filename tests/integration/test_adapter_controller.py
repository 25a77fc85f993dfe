"""The alias controller driving `tuneline serve` from outside, over vLLM's runtime LoRA API, as it drives vLLM.

The server runs with TUNELINE_WATCH_REGISTRY=false: it loads nothing by itself. `AliasController` with an
`HttpEngine` (and `tuneline serve-controller --once`) sends POST /v1/load_lora_adapter when an alias moves.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components.common.chat_model import ChatModel
from components.register import registry
from pipelines.cli import VERBS
from pipelines.cli import main as tuneline
from serving.controller import AliasController, HttpEngine
from serving.settings import ServingSettings
from tests.integration.serving_helpers import (
    ASK,
    KEY,
    client,
    clients_asking,
    free_port,
    http,
    register_as_champion,
    registry_env,
    running_server,
    wait_for,
)

pytestmark = pytest.mark.integration
NAME = "ctl-assistant"
AUTH = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with registry_env(tmp_path_factory.mktemp("controller-store")) as root:
        yield root


@pytest.fixture(scope="module")
def adapters(tiny_model_dir, make_tiny_adapter, tmp_path_factory) -> dict[str, tuple]:
    """Version -> (adapter folder, the text `ChatModel.generate` gives for ASK with it)."""
    out = {}
    for version, seed in (("1", 21), ("2", 22)):
        folder = make_tiny_adapter(
            tiny_model_dir, tmp_path_factory.mktemp(f"ctl-adapter-{version}"), seed=seed
        )
        out[version] = (folder, ChatModel.load(folder).generate([ASK])[0].text)
    assert out["1"][1] != out["2"][1]
    return out


@pytest.fixture(scope="module")
def engine(store):
    settings = {
        "registered_model_name": NAME,
        "watch_registry": False,
        "api_keys": [KEY],
        "batch_window_ms": 5,
    }
    with running_server(ready_path="/health", **settings) as (base, _, _):
        yield base


@pytest.fixture(scope="module")
def champion_v1(store, engine, adapters):
    """Version 1 registered as champion and loaded into the server by a controller over HTTP."""
    register_as_champion(store, adapters["1"][0], NAME)
    controller = AliasController(ServingSettings(registered_model_name=NAME), HttpEngine(engine, KEY))
    return controller, controller.check()


def ask(base: str):
    return client(base).chat.completions.create(model=NAME, messages=ASK)


def test_the_server_loads_nothing_until_a_controller_loads_the_champion(engine, adapters, request):
    assert http("GET", f"{engine}/health").status_code == 200
    before = http("GET", f"{engine}/ready")
    assert before.status_code == 503 and before.json()["error"]["code"] == "not_ready"
    assert client(engine).models.list().data == []

    _, result = request.getfixturevalue("champion_v1")  # registers version 1, then one controller check
    assert (result.status, result.served_version) == ("swapped", "1")
    ready = http("GET", f"{engine}/ready").json()
    assert (ready["model"], ready["version"], ready["alias"]) == (NAME, "1", "champion")
    answer = ask(engine)
    assert answer.registry_version == "1" and answer.choices[0].message.content == adapters["1"][1]
    assert [(m.id, m.registry_version) for m in client(engine).models.list().data] == [(NAME, "1")]


def test_alias_move_is_loaded_in_place_without_a_failed_request(store, engine, adapters, champion_v1):
    controller, _ = champion_v1
    with clients_asking(lambda: ask(engine)) as (seen, failures):
        wait_for(lambda: len(seen) >= 3)
        assert controller.check().status == "unchanged"  # nothing moved: nothing is sent to the engine
        register_as_champion(store, adapters["2"][0], NAME)
        result = controller.check()
        wait_for(lambda: sum(v == "2" for v, _ in seen) >= 4)
    assert (result.status, result.served_version) == ("swapped", "2")
    assert failures == []
    assert {v for v, _ in seen} == {"1", "2"}
    assert all(text == adapters[version][1] for version, text in seen)  # each answer exactly its version's


def test_the_adapter_endpoints_refuse_what_vllm_refuses_and_a_load_without_registry_uri(engine, champion_v1):
    controller, _ = champion_v1
    served = controller.versions["champion"]
    path = "/nowhere/adapter"  # each request below is refused before the path is read

    def load(body: dict, headers: dict = AUTH):
        return http("POST", f"{engine}/v1/load_lora_adapter", json.dumps(body).encode(), headers)

    again = load({"lora_name": NAME, "lora_path": path, "registry_uri": f"models:/{NAME}/{served}"})
    assert again.status_code == 400 and again.json()["error"]["param"] == "load_inplace"  # as vLLM
    no_uri = load({"lora_name": NAME, "lora_path": path, "load_inplace": True})
    assert no_uri.status_code == 400 and no_uri.json()["error"]["param"] == "registry_uri"
    unknown = load(
        {"lora_name": f"{NAME}@challenger", "lora_path": path, "registry_uri": f"models:/{NAME}/1"}
    )
    assert unknown.status_code == 404 and "serves ctl-assistant" in unknown.json()["error"]["message"]
    unload_unknown = http(
        "POST", f"{engine}/v1/unload_lora_adapter", json.dumps({"lora_name": "other"}).encode(), AUTH
    )
    assert unload_unknown.status_code == 404
    for endpoint in ("load_lora_adapter", "unload_lora_adapter"):
        keyless = http("POST", f"{engine}/v1/{endpoint}", json.dumps({"lora_name": NAME}).encode())
        assert keyless.status_code == 401 and keyless.json()["error"]["code"] == "invalid_api_key"
    refused = AliasController(ServingSettings(registered_model_name=NAME), HttpEngine(engine, None)).check()
    assert refused.status == "failed" and "401" in refused.error
    assert http("GET", f"{engine}/ready").json()["version"] == served  # nothing refused changed what answers


def test_serve_controller_once_copies_into_the_adapter_root_and_reports_json(
    engine, champion_v1, tmp_path, monkeypatch, capsys
):
    champion = registry.alias_version(NAME, "champion")
    monkeypatch.setenv("TUNELINE_ENGINE_API_KEY", KEY)
    root = tmp_path / "adapters"
    argv = [
        "serve-controller",
        "--engine-url",
        engine,
        "--model",
        NAME,
        "--adapter-root",
        str(root),
        "--once",
    ]
    assert tuneline(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "champion": {
            "adapter": NAME,
            "status": "swapped",  # a fresh controller loads in place what the alias points at
            "served_version": champion,
            "alias_version": champion,
            "error": None,
        }
    }
    assert (root / NAME / f"v{champion}" / "adapter_model.safetensors").is_file()
    assert ask(engine).registry_version == champion

    monkeypatch.delenv("TUNELINE_ENGINE_API_KEY")
    assert tuneline(argv) == 1  # the engine refuses a controller without its key
    assert json.loads(capsys.readouterr().out)["champion"]["status"] == "failed"


def test_an_engine_that_lost_the_adapter_gets_it_again_and_a_dead_engine_fails_no_version(
    engine, champion_v1
):
    controller, _ = champion_v1
    assert controller.check().status == "unchanged"
    unload = {"lora_name": NAME}  # what an engine restart does to its adapters
    gone = http("POST", f"{engine}/v1/unload_lora_adapter", json.dumps(unload).encode(), AUTH)
    assert gone.status_code == 200 and gone.json()["status"] == "unloaded"
    assert http("GET", f"{engine}/ready").status_code == 503
    again = http("POST", f"{engine}/v1/unload_lora_adapter", json.dumps(unload).encode(), AUTH)
    assert again.status_code == 404 and again.json()["error"]["code"] == "adapter_not_found"

    result = controller.check()  # the same controller notices the engine no longer serves the champion
    assert result.status == "swapped" and http("GET", f"{engine}/ready").status_code == 200
    assert ask(engine).registry_version == result.served_version

    dead = AliasController(
        ServingSettings(registered_model_name=NAME), HttpEngine(f"http://127.0.0.1:{free_port()}")
    )
    assert dead.check().status == "failed" and dead.failed_versions == set()  # retried at the next poll


def test_kserve_manifest_matches_the_controller_and_the_trained_rank():
    """deploy/kserve/: the sidecar runs this verb against the vLLM container, whose LoRA settings fit the
    adapters `tuneline train` makes (rank) and the aliases the controller loads (champion + challenger)."""
    repo = Path(__file__).resolve().parents[2]
    manifest = yaml.safe_load((repo / "deploy/kserve/vllm-inferenceservice.yaml").read_text())
    vllm, sidecar = manifest["spec"]["predictor"]["containers"]
    flags = dict(arg.removeprefix("--").split("=", 1) for arg in vllm["args"] if "=" in arg)
    lora_r = yaml.safe_load((repo / "configs/train.yaml").read_text())["lora"]["r"]
    assert "--enable-lora" in vllm["args"] and int(flags["max-lora-rank"]) >= lora_r
    routed = ServingSettings(routing="canary").served_aliases
    assert int(flags["max-loras"]) >= len(routed)
    env = {e["name"]: e.get("value") for e in vllm["env"]}
    assert env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    assert sidecar["command"][:2] == ["tuneline", "serve-controller"] and "serve-controller" in VERBS
    assert f"--engine-url=http://127.0.0.1:{flags['port']}" in sidecar["command"]
    assert "--adapter-root=/adapters" in sidecar["command"]
    for container in (vllm, sidecar):  # the folder the controller writes is the one vLLM reads
        assert {"name": "adapters", "mountPath": "/adapters"}.items() <= next(
            m for m in container["volumeMounts"] if m["name"] == "adapters"
        ).items()
    sidecar_env = {e["name"] for e in sidecar["env"]}
    assert {
        "TUNELINE_TRACKING_URI",
        "TUNELINE_ENGINE_API_KEY",
        "TUNELINE_REGISTERED_MODEL_NAME",
    } <= sidecar_env

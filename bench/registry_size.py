"""Bytes a registered version stores: tuneline's adapter-only version vs `mlflow.transformers.log_model` of the PEFT model.

    python bench/registry_size.py                  # the demo's adapter on SmolLM2-135M (run `make demo` first; ~2 min)
    python bench/registry_size.py --tiny           # the tests' tiny random Llama + a random adapter: checks the script
    python bench/registry_size.py --adapter DIR    # any tuneline adapter folder

The same adapter goes (a) through tuneline's register step (components/register: an adapter-only version; the
base is registered once per content hash in `tuneline-base` and referenced) and (b) through what an MLflow user
would write: load the base, `PeftModel.from_pretrained(base, adapter)`, `mlflow.transformers.log_model(...,
registered_model_name=...)` (with explicit pip_requirements: offline, its own inference fails). Both go to one
throwaway SQLite store, each experiment with its own artifact folder. Figures, from the files on disk: bytes of
the version's model folder, and of each side's whole artifact folder (tuneline's includes the base version
stored once, the model card and the evaluation report; a second version adds only its own model folder).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from _results import record  # bench/_results.py (bench/ is on sys.path); imported first: load at start

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEMO_ADAPTERS = ("artifacts/align/adapter", "artifacts/train/adapter")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny random Llama and adapter (quick check)")
    parser.add_argument("--adapter", help="adapter folder (default: the demo's aligned, else SFT, adapter)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="registry-size-bench-"))
    os.environ.update({
        "TUNELINE_TRACKING_URI": f"sqlite:///{work}/mlflow.db",
        "TUNELINE_ARTIFACT_ROOT": str(work / "tuneline-artifacts"),
        "TUNELINE_REGISTERED_MODEL_NAME": "bench-assistant",
    })  # fmt: skip
    from components.common.step import offline_environment

    offline_environment()
    adapter, report = pick_adapter(args, work)
    print(f"adapter {adapter}; throwaway store {work}", flush=True)
    ours = register_with_tuneline(adapter, report, work)
    peer = log_with_transformers_flavor(adapter, work)
    shutil.rmtree(work)
    for side, got in (("tuneline register", ours), ("mlflow.transformers.log_model", peer)):
        print(
            f"{side:30s} version folder {got['version']:>13,d} bytes, whole artifact folder {got['all']:>13,d}"
        )
    print(f"version folder ratio: {ours['version'] / peer['version']:.4f}")
    record_figures(ours, peer, adapter, args.tiny)
    return 0


def pick_adapter(args: argparse.Namespace, work: Path) -> tuple[Path, Path | None]:
    """The adapter to register and the evaluation report to store with it (the demo's, when it has one)."""
    if args.tiny:
        sys.path.insert(0, str(REPO / "tests"))
        from conftest import build_tiny_adapter, build_tiny_model

        return build_tiny_adapter(build_tiny_model(work / "tiny-llama"), work / "tiny-adapter"), None
    if args.adapter:
        return Path(args.adapter).resolve(), None
    for candidate in DEMO_ADAPTERS:
        if (REPO / candidate / "adapter_model.safetensors").is_file():
            report = REPO / "artifacts/evaluate/eval_report.json"
            return REPO / candidate, report if report.is_file() else None
    sys.exit(
        f"no demo adapter in {' or '.join(DEMO_ADAPTERS)}: run `make demo` first (or pass --adapter DIR)"
    )


def register_with_tuneline(adapter: Path, report: Path | None, work: Path) -> dict[str, int]:
    """tuneline's register step; bytes of the version's model folder and of the whole artifact folder."""
    from components.common.config import load_config
    from components.register.config import RegisterConfig
    from components.register.core import run as register

    cfg = load_config(
        RegisterConfig,
        adapter_dir=str(adapter),
        eval_report=str(report) if report else None,
        verify_roundtrip=False,  # a reload check, not storage: it would only add minutes of generation
        out_dir=str(work / "register"),
    )
    result = register(cfg)
    return {
        "version": folder_bytes(model_folder(result["name"], result["version"])),
        "all": folder_bytes(work / "tuneline-artifacts"),
    }


def log_with_transformers_flavor(adapter: Path, work: Path) -> dict[str, int]:
    """What an MLflow user writes for a PEFT model: base + adapter as a PeftModel, `mlflow.transformers.log_model`."""
    import mlflow
    from peft import PeftModel
    from transformers import AutoTokenizer

    from components.common.base_model import resolve_base_model
    from components.common.chat_model import AdapterRecord
    from components.register.registry import pinned_requirements

    base = resolve_base_model(AdapterRecord.read(adapter).base_model)
    model = PeftModel.from_pretrained(base.load_model(), str(adapter))
    tokenizer = AutoTokenizer.from_pretrained(adapter)
    root = work / "transformers-artifacts"
    experiment = mlflow.create_experiment("transformers-flavor", artifact_location=root.as_uri())
    with mlflow.start_run(experiment_id=experiment):
        mlflow.transformers.log_model(
            transformers_model={"model": model, "tokenizer": tokenizer},
            name="model",
            task="text-generation",
            pip_requirements=pinned_requirements(),  # without it, requirement inference fails offline
            registered_model_name="transformers-peer",
        )
    return {"version": folder_bytes(model_folder("transformers-peer", "1")), "all": folder_bytes(root)}


def model_folder(name: str, version: str) -> Path:
    """The local folder holding a registered version's model files (its logged model's artifacts)."""
    import mlflow

    source = mlflow.MlflowClient().get_model_version(name, version).source  # models:/m-<id> in MLflow 3
    location = mlflow.get_logged_model(source.removeprefix("models:/")).artifact_location
    return Path(unquote(urlparse(location).path))


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def record_figures(ours: dict[str, int], peer: dict[str, int], adapter: Path, tiny: bool) -> None:
    what = (
        "tiny random adapter"
        if tiny
        else f"adapter {adapter.relative_to(REPO) if adapter.is_relative_to(REPO) else adapter}"
    )
    rows = [
        {"figure": f"registry: bytes of one version's model folder, tuneline register vs "
                   f"mlflow.transformers.log_model of the PeftModel ({what})",
         "ours": ours["version"], "peer": peer["version"], "unit": "bytes"},
        {"figure": "registry: bytes of the whole artifact folder after the first version (tuneline's includes "
                   "the base, stored once per content hash)",
         "ours": ours["all"], "peer": peer["all"], "unit": "bytes"},
    ]  # fmt: skip
    record("registry_size", rows, tiny=tiny)


if __name__ == "__main__":
    sys.exit(main())

"""A second product's assistant (Parcelpoint) trained, gated and registered next to the demo's, then both
served behind the router: `make demo-routing` (after `make demo`, whose champion is the other model).

    python -m pipelines.routing_demo                                   # what make demo-routing runs
    python -m pipelines.routing_demo train.trainer.max_steps=80        # step.key=value overrides, as the steps take
    python -m pipelines.routing_demo --smoke --out /tmp/routing-smoke  # 2 steps, 8 golden prompts, a scratch store

Steps (each its `core.run`, configured by configs/<step>.yaml overlaid with configs/routing/<step>.yaml, outputs
under artifacts/routing/<step>): validate_data -> train (LoRA SFT; no align: see configs/routing/train.yaml) ->
evaluate (vs parcelpoint-assistant@champion, else the base) -> register (parcelpoint-assistant, @challenger) ->
promote (the demo's policy). Then both champions' training prompts are synced into the vector index, and
pipelines/routing_show.py's `serve_and_route(summary)` serves both models behind the router and measures routing,
in a process of its own (training left torch's OpenMP team on this process's main thread: docs/serving.md,
"Threads").
A rerun with nothing changed skips training (the adapter records the same data, config and base) and, when a
version with this adapter's files is registered already, evaluation and registration. The summary is printed
and written to artifacts/routing/summary.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from components.common.base_model import BaseModelError
from components.common.config import ConfigError, deep_merge, load_config, parse_overrides, read_yaml
from components.common.registry_io import RegistryError
from components.common.step import StepFailed, offline_environment, report_tracking_error
from components.evaluate_model.config import EvaluateConfig
from components.finetune_lora.config import FinetuneConfig
from components.register.config import PromoteConfig, RegisterConfig
from components.validate_data.config import ValidateDataConfig

CONFIGS = Path("configs")  # configs/<step>.yaml, overlaid key by key by configs/routing/<step>.yaml
OUT = "artifacts/routing"  # every path under it in configs/routing/ moves with --out
STEPS = {"validate_data": ValidateDataConfig, "train": FinetuneConfig, "evaluate": EvaluateConfig,
         "register": RegisterConfig, "promote": PromoteConfig}  # fmt: skip
# --smoke: minutes instead of ~12, every step still run for real (a scratch registry unless one is set)
SMOKE = ["train.trainer.max_steps=2", "train.eval_fraction=0.02", "train.log_system_metrics=false",
         "evaluate.max_examples=8", "evaluate.preference_eval_fraction=0.05", "validate_data.data_docs=false"]  # fmt: skip
# Filled by serve_and_route; index_build_s / index_rows start as this run's index step (its syncs' seconds and
# rows: incremental, so ~0 s when nothing new is embedded; register's own sync is under steps.register).
ROUTING_KEYS = ("routing_accuracy", "routing_latency_ms_p50", "index_build_s", "index_rows")


def load_step_config(step: str, overrides: Sequence[str] = (), out: str = OUT):
    """configs/<step>.yaml, then configs/routing/<step>.yaml (key by key), then `step.key=value` overrides."""
    cls, main, routing = STEPS[step], CONFIGS / f"{step}.yaml", CONFIGS / "routing" / f"{step}.yaml"
    data = deep_merge(read_yaml(main), read_yaml(routing))
    data = {
        k: out + v[len(OUT) :] if isinstance(v, str) and v.startswith(OUT) else v for k, v in data.items()
    }
    if step == "register" and "training_prompts" not in cls.model_fields:  # until RegisterConfig has it
        data.pop("training_prompts", None)
    mine = [o.split(".", 1)[1] for o in overrides if o.startswith(f"{step}.")]
    try:
        return load_config(cls, None, (), **deep_merge(data, parse_overrides(mine, cls)))
    except ConfigError as exc:
        raise ConfigError(
            f"{main} + {routing} + overrides: {str(exc).removeprefix('<overrides>: ')}"
        ) from None


def checked_overrides(overrides: Sequence[str]) -> list[str]:
    """Every override must name its step (`train.trainer.max_steps=80`); returns them unchanged."""
    for item in overrides:
        if item.split(".", 1)[0] not in STEPS or "=" not in item.split(".", 1)[-1]:
            raise ConfigError(
                f"override {item!r}: write <step>.<key>=<value>, step one of {', '.join(STEPS)}"
            )
    return list(overrides)


@contextlib.contextmanager
def step(summary: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    """Time one step into summary["steps"][name]; the caller fills in what happened."""
    entry: dict[str, Any] = {"status": "running"}
    summary["steps"][name] = entry
    started = time.perf_counter()
    try:
        yield entry
    except BaseException as exc:
        entry |= {"status": "failed", "error": (str(exc) or type(exc).__name__).splitlines()[0]}
        raise
    finally:
        entry["seconds"] = round(time.perf_counter() - started, 1)
        print(f"== routing demo: {name} {entry['status']} ({entry['seconds']:.1f} s)", file=sys.stderr)


@contextlib.contextmanager
def registered_model_setting(name: str) -> Iterator[None]:
    """TUNELINE_REGISTERED_MODEL_NAME=name inside the block: evaluate's `champion: auto` reads it."""
    key, before = "TUNELINE_REGISTERED_MODEL_NAME", os.environ.get("TUNELINE_REGISTERED_MODEL_NAME")
    os.environ[key] = name
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


def adapter_is_current(cfg) -> tuple[bool, str]:
    """Whether cfg.out_dir/adapter was trained by this very config on this data and base: the same
    config_hash, data_sha256 and base_sha256 the train step records in tuneline_adapter.json."""
    from components.common.base_model import resolve_base_model
    from components.common.chat_model import AdapterRecord, ModelLoadError
    from components.common.config import config_hash
    from components.common.hashing import content_hash

    adapter = Path(cfg.out_dir) / "adapter"
    try:
        record = AdapterRecord.read(adapter)
    except ModelLoadError:
        return False, f"no trained adapter in {adapter}"
    if record.extra.get("data_sha256") != content_hash(cfg.train_file):
        return False, f"{cfg.train_file} changed since {adapter} was trained"
    if record.extra.get("config_hash") != config_hash(cfg):
        return False, "the training config changed"
    if record.base_sha256 != resolve_base_model(cfg.base_model).sha256:
        return False, "the base model changed"
    return True, f"{adapter} was trained on the same data with the same config and base"


def version_with_adapter(name: str, adapter_dir: str) -> str | None:
    """A complete version of `name` whose registered adapter files have this folder's sha256s (the manifest
    register records on every version), newest first; None when there is none."""
    from mlflow.exceptions import MlflowException

    from components.common.registry_io import MANIFEST_TAG, STATE_TAG, file_manifest
    from components.register import registry

    try:
        versions = registry.client().search_model_versions(f"name = '{name}'")
    except MlflowException:
        return None
    manifest = file_manifest(adapter_dir)
    for mv in sorted(versions, key=lambda v: -int(v.version)):
        recorded = json.loads(mv.tags.get(MANIFEST_TAG) or "{}").get("adapter")
        if mv.tags.get(STATE_TAG) == "complete" and recorded == manifest:
            return str(mv.version)
    return None


def ensure_indexed(name: str, version: str, prompts_file: str) -> dict[str, Any]:
    """The version's training prompts in the vector index (the register step's own indexing, incremental)."""
    from components.register.core import index_version_prompts

    result = index_version_prompts(name, version, prompts_file)
    return {"status": "failed" if "error" in result else "indexed", **result}


def champion_prompts_file(name: str, version: str, prompts_file: str) -> dict[str, Any]:
    """Whether `prompts_file` is what `name` v`version` was trained on (its adapter record's data_sha256)."""
    from components.common.chat_model import AdapterRecord
    from components.common.hashing import content_hash
    from components.common.registry_io import download_version

    trained_on = AdapterRecord.read(download_version(f"models:/{name}/{version}")).extra.get("data_sha256")
    return {"prompts_file": prompts_file, "trained_on_this_file": trained_on == content_hash(prompts_file)}


def run_lifecycle(summary: dict[str, Any], overrides: Sequence[str], out: str) -> None:
    """validate -> train -> evaluate -> register -> promote for the second product, filling `summary`."""
    from components.evaluate_model.core import run as evaluate
    from components.finetune_lora.core import run as train
    from components.register.core import run as register
    from components.register.promote import promote, version_report
    from components.validate_data.core import run as validate

    cfg = {name: load_step_config(name, overrides, out) for name in STEPS}  # config errors before any work
    name, adapter = cfg["register"].registered_model_name, cfg["register"].adapter_dir
    summary |= {"registered_model": name, "config": {k: c.model_dump(mode="json") for k, c in cfg.items()}}
    with step(summary, "validate_data") as entry:
        result = validate(cfg["validate_data"])
        entry |= {"status": "passed", "warnings": result["warnings"], "records": result["records"]}
    with step(summary, "train") as entry:
        current, why = adapter_is_current(cfg["train"])
        if not current:
            train(cfg["train"])
        metrics = read_json(Path(cfg["train"].out_dir) / "metrics.json")
        entry |= {"status": "skipped" if current else "trained", "reason": why}
        entry |= {
            k: metrics.get(k) for k in ("global_step", "eval_loss_base", "eval_loss_adapter", "train_seconds")
        }
    version = version_with_adapter(name, adapter)
    with step(summary, "evaluate") as entry:
        if version:
            entry |= {"status": "skipped", "reason": f"{name} v{version} has this adapter: its stored report"}
            report = version_report(name, version)  # what promote decides on
        else:
            with registered_model_setting(name):
                evaluate(cfg["evaluate"])
            report = read_json(Path(cfg["evaluate"].out_dir) / "eval_report.json")
            entry["status"] = "evaluated"
        entry["baseline"] = report["champion"].get("resolution") or report["champion"].get("label")
        summary["fact_accuracy"] = fact_accuracy(report)
    with step(summary, "register") as entry:
        if version:
            entry |= {
                "status": "skipped",
                "reason": f"{name} v{version} already carries this adapter's files",
            }
        else:
            result = register(cfg["register"])
            version, entry["status"] = result["version"], "registered"
            entry |= {
                "adapter_mb": round(result["adapter_bytes"] / 1e6, 1),
                "base_version": result["base_version"],
            }
            entry["vector_index"] = result.get("vector_index")
        summary |= {"version": version, "version_uri": f"models:/{name}/{version}"}
    with step(summary, "promote") as entry:
        decision = promote(cfg["promote"], version=version)
        entry["status"] = decision["status"]
        summary["gate"] = {
            "status": decision["status"],
            "reasons": decision.get("reasons", []),
            "champion_moved": bool(decision.get("moved_at")),
            "previous_champion": decision.get("previous_champion"),
        }
    summary["prompts_files"] = {
        name: str(getattr(cfg["register"], "training_prompts", None) or cfg["train"].train_file)
    }


def index_champions(summary: dict[str, Any]) -> None:
    """Both models' @champion versions with their training prompts in the vector index, which the router needs:
    the demo's champion was registered before register indexed prompts. Synced every run (incremental)."""
    from components.register import registry

    demo = read_yaml(CONFIGS / "register.yaml").get("registered_model_name", "tuneline-assistant")
    files = {demo: read_yaml(CONFIGS / "train.yaml")["train_file"], **summary.get("prompts_files", {})}
    summary["champions"] = {}
    with step(summary, "index") as entry:
        for name, prompts_file in files.items():
            version = summary["champions"][name] = registry.alias_version(name, "champion")
            if version is None:
                entry[name] = {"status": "skipped", "reason": f"{name} has no @champion"}
                continue
            checked = champion_prompts_file(name, version, prompts_file)
            entry[name] = {"version": version, **checked, **ensure_indexed(name, version, prompts_file)}
        synced = [e for e in entry.values() if isinstance(e, dict) and "rows" in e]
        summary["index_rows"] = sum(e["rows"] for e in synced) if synced else None
        summary["index_build_s"] = round(sum(e.get("seconds", 0) for e in synced), 2) if synced else None
        entry["status"] = "done"


def route(summary: dict[str, Any]) -> None:
    """pipelines/routing_show.py's serve_and_route(summary): both champions behind the router. It fills the
    routing keys of `summary` (or returns them); skipped while that module is missing or a model has no champion."""
    summary.update({k: summary.get(k) for k in ROUTING_KEYS})
    with step(summary, "serve_and_route") as entry:
        missing = [name for name, version in summary.get("champions", {}).items() if version is None]
        if missing:
            entry |= {"status": "skipped", "reason": f"no @champion to serve for {', '.join(missing)}"}
            return
        try:
            from pipelines.routing_show import serve_and_route
        except ModuleNotFoundError as exc:
            if exc.name != "pipelines.routing_show":
                raise
            entry |= {"status": "skipped", "reason": "pipelines/routing_show.py does not exist yet"}
            return
        # A process of its own: this one trained and evaluated with an OpenMP team of torch threads on the main
        # thread, and a second team (the server's batch thread) beside it slows every batch (docs/serving.md,
        # "Threads"). The child gets the summary and returns it with the routing figures.
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(1) as pool:
            routed = pool.apply(serve_and_route, (dict(summary),))
        summary.update({k: v for k, v in routed.items() if k != "steps"})
        entry["status"] = "done"


def fact_accuracy(report: dict[str, Any]) -> dict[str, Any]:
    facts = report.get("paired", {}).get("fact_accuracy", {})
    champ = report["champion"]
    return {
        "candidate": facts.get("candidate"), "baseline": facts.get("champion"),
        "baseline_label": champ.get("label") or champ.get("source"), "delta": facts.get("mean_delta"),
        "ci_low": facts.get("ci_low"), "ci_high": facts.get("ci_high"), "n": facts.get("n"),
    }  # fmt: skip


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def print_summary(summary: dict[str, Any]) -> None:
    print(f"== routing demo summary: {summary.get('registered_model', 'second product')} ==")
    for name, entry in summary["steps"].items():
        why = entry.get("reason") or entry.get("error") or ""
        print(f"  {name:<16} {entry['status']:<20} {entry.get('seconds', 0):>7.1f} s  {why}")
    if summary.get("version"):
        print(f"registered: {summary['version_uri']}")
    facts = summary.get("fact_accuracy") or {}
    if facts.get("candidate") is not None:
        print(
            f"fact accuracy on {facts['n']} golden prompts: {facts['baseline_label']} {facts['baseline']:.3f} -> "
            f"candidate {facts['candidate']:.3f}, delta {facts['delta']:+.3f}, "
            f"95% CI [{facts['ci_low']:+.3f}, {facts['ci_high']:+.3f}]"
        )
    if gate := summary.get("gate"):
        moved = "champion moved" if gate["champion_moved"] else "champion not moved"
        print(f"gate: {gate['status']} ({moved})")
        for reason in gate["reasons"]:
            print(f"  - {reason}")
    if champions := summary.get("champions"):
        print(
            "champions: "
            + ", ".join(f"{n}@champion = {f'v{v}' if v else 'none'}" for n, v in champions.items())
        )
    shown = {k: "not measured" if summary.get(k) is None else summary[k] for k in ROUTING_KEYS}
    print("routing: " + ", ".join(f"{k} {v}" for k, v in shown.items()))
    if summary.get("routing_examples"):
        with contextlib.suppress(ImportError):  # its own detailed view: confusion, answers side by side
            from pipelines.routing_show import print_routing

            print_routing(summary)


def scratch_store(root: Path) -> None:
    """--smoke without TUNELINE_TRACKING_URI: registry, artifacts and vector index under `root`, so a 2-step
    version never lands in the real registry."""
    os.environ["TUNELINE_TRACKING_URI"] = f"sqlite:///{root}/mlflow.db"
    os.environ["TUNELINE_ARTIFACT_ROOT"] = str(root / "mlartifacts")
    os.environ.setdefault("TUNELINE_VECTOR_URI", str(root / "vectors" / "prompts.db"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.routing_demo",
        description="Train, gate and register a second product's assistant next to the demo's, then route between both.",
    )
    smoke = (
        "2 training steps, 8 golden prompts; a scratch registry in --out unless TUNELINE_TRACKING_URI is set"
    )
    parser.add_argument("--smoke", action="store_true", help=smoke)
    parser.add_argument("--out", help=f"folder instead of {OUT} (--smoke: artifacts/smoke/routing)")
    parser.add_argument(
        "overrides", nargs="*", metavar="step.key=value", help="e.g. train.trainer.max_steps=80"
    )
    args = parser.parse_args(argv)
    offline_environment()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    out = (args.out or ("artifacts/smoke/routing" if args.smoke else OUT)).rstrip("/")
    if args.smoke and "TUNELINE_TRACKING_URI" not in os.environ:
        scratch_store(Path(out).resolve())
    from components.common.chat_model import ModelLoadError
    from components.common.messages import MessagesError
    from components.register.promote import PromotionError
    from components.register.registry import AliasLockError, AliasRaceError

    expected = (ConfigError, BaseModelError, StepFailed, ModelLoadError, MessagesError, PromotionError,
                RegistryError, AliasLockError, AliasRaceError)  # fmt: skip

    summary: dict[str, Any] = {"smoke": args.smoke, "out": out, "steps": {}}
    started, code = time.perf_counter(), 0
    try:
        run_lifecycle(summary, (SMOKE if args.smoke else []) + checked_overrides(args.overrides), out)
        index_champions(summary)
        route(summary)
    except (
        expected
    ) as exc:  # bad config or data, a failed gate, the registry refusing: one line, as the steps
        print(f"error: {exc}", file=sys.stderr)
        code = 2
    except Exception as exc:
        if not report_tracking_error(exc):  # an unreachable or refusing tracking server: one line
            raise
        code = 2
    finally:  # also when a step failed: what ran, how long, and which step stopped it
        summary["total_seconds"] = round(time.perf_counter() - started, 1)
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
        if summary["steps"]:  # a config error stops before any step: its one line says it all
            print_summary(summary)
            print(f"(also in {out}/summary.json)")
    return code


if __name__ == "__main__":
    sys.exit(main())

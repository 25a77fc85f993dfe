"""Register a trained adapter as an adapter-only MLflow model version with lineage; alias it `challenger`.

    python -m components.register --config configs/register.yaml adapter_dir=artifacts/align/adapter

The base model is registered once per content hash in `tuneline-base` and referenced, never copied. A version
is created `tuneline.state=incomplete` with the sha256 of every file it uploaded, and becomes `complete` (and
@challenger) only after its round trip; if any part fails the half-made version is deleted, and one whose
process was killed is deleted by the next registration (or `tuneline registry gc`). No alias has moved.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from components.common.chat_model import AdapterRecord, adapter_base
from components.common.config import ConfigError
from components.common.pyfunc_signature import input_example
from components.common.registry_io import MANIFEST_TAG, REGISTERING_TAG, STATE_TAG, file_manifest
from components.common.tracking import lineage_tags, step_run
from components.register import registry
from components.register.config import RegisterConfig
from components.register.model_card import render_model_card
from components.register.promote import comparison_from_report
from components.register.registry import fault_point

log = logging.getLogger(__name__)


def run(cfg: RegisterConfig) -> dict[str, Any]:
    import mlflow

    adapter_dir = Path(cfg.adapter_dir)
    if cfg.training_prompts and not Path(cfg.training_prompts).is_file():  # before anything is registered
        raise ConfigError(f"training_prompts: {cfg.training_prompts} does not exist (the file the adapter was "
                          "trained on, whose prompts are indexed; null to register without indexing them)")  # fmt: skip
    record = AdapterRecord.read(adapter_dir)
    base = adapter_base(record, f"adapter {adapter_dir}")
    report = (
        json.loads(Path(cfg.eval_report).read_text())
        if cfg.eval_report and Path(cfg.eval_report).is_file()
        else None
    )
    comparison = comparison_from_report(report) if report else None
    version_tags = version_lineage(record, comparison)
    with step_run("register", cfg, base=base, extra_tags={"training.method": record.method}) as run:
        base_ref = registry.ensure_base_version(
            base, cfg.base_registered_model_name, base.source, input_example({})
        )
        version_tags |= {
            **lineage_tags("register", cfg, base),
            "base_model.version": base_ref.uri,
            "source.register_run": run.info.run_id,
        }
        version_tags["tuneline.step"] = "train" if record.method == "sft" else record.method
        card = render_model_card(
            cfg.registered_model_name,
            asdict(record),
            version_tags,
            base_ref.uri,
            asdict(comparison) if comparison else None,
            cfg.intended_use,
            cfg.limitations,
            report.get("examples", []) if report else [],
        )
        fault_point("before_upload")
        with tempfile.TemporaryDirectory() as tmp:
            ref_file = Path(tmp) / "base_ref.json"
            ref_file.write_text(
                json.dumps({"spec": base.spec, "sha256": base.sha256, "uri": base_ref.uri}, indent=2)
            )
            uploaded = {"adapter": adapter_dir, "base_ref": ref_file}
            version_tags[MANIFEST_TAG] = json.dumps(
                {key: file_manifest(path) for key, path in uploaded.items()}, sort_keys=True
            )
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=str(registry.FLAVOR_FILE),
                artifacts={key: str(path) for key, path in uploaded.items()},
                input_example=input_example(record.generation),  # signature: messages in, params
                pip_requirements=registry.pinned_requirements(),
                metadata={
                    "tuneline": {
                        "base_sha256": base.sha256,
                        "base_version": base_ref.uri,
                        "method": record.method,
                    }
                },
            )
        mlflow.log_text(card, "model_card.md")
        if report:
            mlflow.log_dict(report, "eval_report.json")
            mlflow.log_metrics(version_metrics(comparison), model_id=info.model_id)
        registry.ensure_registered_model(
            cfg.registered_model_name, "Adapter-only fine-tuned versions (tuneline)."
        )
        if gone := registry.collect_incomplete(cfg.registered_model_name, cfg.incomplete_grace_s):
            log.warning("deleted versions %s: registrations that never finished", ", ".join(gone))
        version, roundtrip = create_version(cfg, info.model_uri, version_tags, card, report)
    index = (
        index_version_prompts(cfg.registered_model_name, version, cfg.training_prompts)
        if cfg.training_prompts
        else {"skipped": "no training_prompts"}
    )
    result = {
        "name": cfg.registered_model_name,
        "version": version,
        "uri": f"models:/{cfg.registered_model_name}/{version}",
        "alias": cfg.challenger_alias,
        "base_version": base_ref.uri,
        "adapter_bytes": registry.version_size_bytes(adapter_dir),
        "base_bytes": registry.version_size_bytes(base.source),
        "run_id": run.info.run_id,
        "roundtrip": roundtrip,
        "vector_index": index,
    }
    registry.write_json(Path(cfg.out_dir) / "registration.json", result)
    return result


def create_version(
    cfg: RegisterConfig, model_uri: str, tags: dict[str, str], card: str, report: dict | None
) -> tuple[str, dict[str, Any]]:
    """Create the version, check its round trip, give it the challenger alias; on any failure delete it again."""
    import mlflow

    pending = {STATE_TAG: "incomplete", REGISTERING_TAG: registry.registering_process()}
    mv = mlflow.register_model(model_uri, cfg.registered_model_name, tags=tags | pending)
    fault_point("version_created")
    try:
        c = registry.client()
        c.update_model_version(cfg.registered_model_name, mv.version, description=card)
        roundtrip = check_roundtrip(cfg, f"models:/{cfg.registered_model_name}/{mv.version}", report)
        c.set_model_version_tag(cfg.registered_model_name, mv.version, STATE_TAG, "complete")
        with registry.alias_lock(cfg.registered_model_name) as lock:
            registry.move_alias(
                cfg.registered_model_name,
                cfg.challenger_alias,
                str(mv.version),
                registry.alias_version(cfg.registered_model_name, cfg.challenger_alias),
                "challenger",
                "newly registered",
                lock=lock,
            )
    except BaseException:
        log.error("registration of version %s failed; deleting it so the registry is as before", mv.version)
        registry.client().delete_model_version(cfg.registered_model_name, mv.version)
        raise
    return str(mv.version), roundtrip


def index_version_prompts(name: str, version: str, prompts_file: str | Path) -> dict[str, Any]:
    """Embed the user turns of the file `name` v`version` was trained on under `<name>/<version>` in the vector
    index, where the context router reads them (incremental: texts already embedded for another version or the
    data check are reused), and tag the version with the key. A failure is reported and tagged, not raised:
    the version stays registered and serving works without it (routing leaves it out)."""
    from components.common.jsonl import read_records
    from components.common.messages import user_turns
    from components.common.vector_index import PromptIndex

    key = f"{name}/{version}"
    c = registry.client()
    try:
        texts = [
            turn for _, record in read_records(prompts_file) for turn in user_turns(record) if turn.strip()
        ]
        with PromptIndex() as index:
            synced = index.sync(key, texts, kind="train")
    except Exception as exc:
        log.warning("training prompts of %s not indexed (context routing leaves it out): %s", key, exc)
        c.set_model_version_tag(name, version, "vector_index", f"failed: {exc}"[:500])
        return {"key": key, "error": f"{type(exc).__name__}: {exc}"}
    c.set_model_version_tag(name, version, "vector_index", f"{key} ({synced.rows} prompts)")
    log.info("indexed %d training prompts under %s (%d embedded, %d reused) in %.1f s", synced.rows, key,
             synced.embedded, synced.reused, synced.total_s)  # fmt: skip
    return {"key": key, "rows": synced.rows, "embedded": synced.embedded, "seconds": round(synced.total_s, 2)}


def check_roundtrip(cfg: RegisterConfig, version_uri: str, report: dict | None) -> dict[str, Any]:
    """Reload the version and compare its greedy answers with the evaluated ones (skipped without a report)."""
    from components.register.roundtrip import verify_roundtrip

    golden = Path((report or {}).get("golden_set", {}).get("file") or "")
    if not cfg.verify_roundtrip or not report or not report.get("examples") or not golden.is_file():
        reason = "disabled" if not cfg.verify_roundtrip else "no evaluation report with golden answers"
        return {"skipped": reason}
    result = verify_roundtrip(version_uri, report)
    registry.client().set_model_version_tag(
        cfg.registered_model_name,
        version_uri.rsplit("/", 1)[1],
        "roundtrip.identical",
        f"{result['identical']}/{result['checked']}",
    )
    log.info("round trip: %d/%d golden answers identical after reloading %s", result["identical"],
             result["checked"], version_uri)  # fmt: skip
    return result


def version_lineage(record: AdapterRecord, comparison) -> dict[str, str]:
    """Tags from the adapter record (its training runs) and the evaluation summary."""
    tags = {"training.method": record.method}
    for key, value in record.extra.items():
        if key.endswith("run_id") and value:
            tags[f"source.{key}"] = str(value)
    if comparison:
        tags |= {
            "eval.primary_metric": comparison.primary_metric,
            "eval.delta": f"{comparison.delta:.4f}",
            "eval.ci_low": f"{comparison.ci_low:.4f}",
            "eval.ci_high": f"{comparison.ci_high:.4f}",
            "eval.champion": comparison.champion_label,
        }
    return tags  # the metrics themselves are the logged model's (version_metrics)


def version_metrics(comparison) -> dict[str, float]:
    """The evaluation's numbers as MLflow metrics of the version's logged model, where the UI shows, charts
    and compares them: each candidate metric by its name, the champion's as `champion.<name>`, and the
    primary metric's delta and interval as `primary.delta`, `primary.ci_low`, `primary.ci_high`."""
    metrics = dict(comparison.candidate)
    metrics |= {f"champion.{k}": v for k, v in comparison.champion.items()}
    metrics |= {"primary.delta": comparison.delta, "primary.ci_low": comparison.ci_low,
                "primary.ci_high": comparison.ci_high}  # fmt: skip
    return metrics

"""Export a registered version to GGUF for llama.cpp, check every file, register the ones that pass.

    tuneline export gguf --config configs/export.yaml                          # @champion -> F16 + Q8_0
    tuneline export gguf --config configs/export.yaml source=models:/tuneline-assistant/3 quantizations=[q8_0]
    tuneline export gguf --config configs/export.yaml engine=llama-server llama_server.binary=bench/.llama.cpp/build/bin/llama-server

1. Resolve the version (alias pinned once), its verified adapter, its base by content hash, and the evaluation
   report it was registered with (the answers the check compares with).
2. Merge the adapter into the base (as serving does) into a temporary transformers folder and run llama.cpp's
   own converter on it once per quantization (converter.py), adding tuneline's metadata (metadata.py).
   A file in out_dir made from the same version, converter, quantization and metadata is reused.
3. Check each file through the configured engine (check.py): greedy agreement with the evaluated answers and
   the fact-accuracy drop on the golden prompts; every quantization is gated (decision.py).
4. If every export passed, register each as a version of `<name>-gguf` with lineage and check tags
   (publish.py). If any is refused: exit non-zero naming it, nothing registered, evidence in
   out_dir/export_check.json and the step's MLflow run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from components.common.hashing import file_sha256
from components.common.step import StepFailed
from components.common.tracking import lineage_tags, step_run
from components.export_gguf.check import check_export
from components.export_gguf.config import ExportConfig
from components.export_gguf.converter import Conversion, convert, converter_id, ensure_converter
from components.export_gguf.metadata import SourceVersion, export_metadata
from components.export_gguf.publish import register_exports
from components.export_gguf.source import evaluated_golden, evaluation_report, resolve_source

log = logging.getLogger(__name__)


def run(cfg: ExportConfig) -> dict[str, Any]:
    source = resolve_source(cfg.source)
    golden = evaluated_golden(evaluation_report(source, cfg.eval_report), cfg.golden_file, cfg.max_examples)
    log.info(
        "exporting %s (%s) to GGUF %s", source.uri, source.alias or "pinned", ", ".join(cfg.quantizations)
    )
    converter = ensure_converter(cfg.converter)
    name = cfg.export_model_name or f"{source.name}-gguf"
    tags = {"export.source_uri": source.uri, "export.registered_model": name}
    with step_run("export_gguf", cfg, base=source.base, extra_tags=tags) as mlrun:
        exports = write_exports(cfg, source, converter, converter_id(cfg.converter))
        loaded: dict = {}  # tokenizer and config of the first file, for the others with the same key/values
        for export in exports:
            export["check"] = check_export(cfg, Path(export["file"]), export["sha256"], golden, loaded)
        record = {"source": source.uri, "registered_model": name, "exports": exports}
        check_file = write_json(Path(cfg.out_dir) / "export_check.json", record)
        log_check(exports, check_file)
        refused = [e for e in exports if not e["check"]["passed"]]
        if refused:
            raise StepFailed(refusal_message(source, exports, refused, check_file))
        lineage = lineage_tags("export_gguf", cfg, source.base) | {"source.export_run": mlrun.info.run_id}
        uris = register_exports(name, source, exports, lineage)
    for export in exports:
        export["registered"] = uris[export["quantization"]]
    write_json(check_file, record)
    return {
        "source": source.uri,
        "registered_model": name,
        "exports": {e["quantization"]: summary(e) for e in exports},
        "check_file": str(check_file),
        "run_id": mlrun.info.run_id,
    }


def write_exports(
    cfg: ExportConfig, source: SourceVersion, converter: Path, converter_label: str
) -> list[dict[str, Any]]:
    """One GGUF per quantization in out_dir (reused when made from the same inputs); their identities."""
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    planned, missing = [], []
    for quant in cfg.quantizations:
        path = out / f"{source.name}-v{source.version}-{quant}.gguf"
        metadata = export_metadata(source, quant, converter_label)
        key = conversion_key(source, cfg.converter.sha256, metadata)
        planned.append((quant, path, key, reusable(path, key)))
        if planned[-1][3] is None:
            missing.append(Conversion(path, quant, metadata))
    if missing:
        merged = Path(tempfile.mkdtemp(prefix=".merged-", dir=out))
        try:
            convert(converter, merge_into_base(source, merged), missing, f"{source.name} v{source.version}")
        finally:
            shutil.rmtree(merged, ignore_errors=True)
    exports = []
    for quant, path, key, reused_sha256 in planned:
        sha256 = reused_sha256 or file_sha256(path)
        if reused_sha256 is None:
            write_json(sidecar(path), {"key": key, "sha256": sha256})
        exports.append({"quantization": quant, "file": str(path), "sha256": sha256, "bytes": path.stat().st_size,
                        "converter": converter_label, "reused": reused_sha256 is not None})  # fmt: skip
    return exports


def merge_into_base(source: SourceVersion, folder: Path) -> Path:
    """The version's adapter merged into its verified base (what serving runs), saved as a transformers folder."""
    from components.common.chat_model import ChatModel

    chat = ChatModel.load(str(source.adapter_dir), base_override=source.base, merge=True)
    chat.model.save_pretrained(folder, safe_serialization=True)
    chat.tokenizer.save_pretrained(folder)
    return folder


def conversion_key(source: SourceVersion, converter_sha256: str, metadata: dict[str, Any]) -> str:
    """Identity of a conversion's inputs: the model (fingerprint), the converter and the metadata."""
    payload = json.dumps([source.fingerprint, converter_sha256, metadata], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def sidecar(path: Path) -> Path:
    return path.with_name(f"{path.name}.json")


def reusable(path: Path, key: str) -> str | None:
    """The sha256 of an earlier export at `path` made from the same inputs and unchanged since; else None."""
    if not (path.is_file() and sidecar(path).is_file()):
        return None
    recorded = json.loads(sidecar(path).read_text())
    if recorded.get("key") != key:
        return None
    sha256 = file_sha256(path)
    return sha256 if sha256 == recorded.get("sha256") else None


def log_check(exports: list[dict[str, Any]], check_file: Path) -> None:
    """Each export's numbers as metrics (`<type>.agreement`, ...) and the check record as an artifact."""
    import mlflow

    metrics = {}
    for export in exports:
        check, quant = export["check"], export["quantization"]
        for key in ("agreement", "source_fact_accuracy", "export_fact_accuracy", "fact_accuracy_drop"):
            metrics[f"{quant}.{key}"] = float(check[key])
        metrics[f"{quant}.passed"] = float(check["passed"])
        metrics[f"{quant}.megabytes"] = export["bytes"] / 1e6
    mlflow.log_metrics(metrics)
    mlflow.log_artifact(str(check_file))


def refusal_message(
    source: SourceVersion, exports: list[dict[str, Any]], refused: list[dict[str, Any]], check_file: Path
) -> str:
    why = "; ".join(f"{e['quantization']}: {' and '.join(e['check']['reasons'])}" for e in refused)
    passed = [e["quantization"] for e in exports if e["check"]["passed"]]
    hint = (
        f" The ones that passed can be exported alone: quantizations=[{','.join(passed)}]." if passed else ""
    )
    return (
        f"GGUF export of {source.uri} refused ({why}). Nothing was registered; the answers that differ are in "
        f"{check_file}.{hint}"
    )


def summary(export: dict[str, Any]) -> dict[str, Any]:
    check = export["check"]
    keep = (
        "agreement",
        "identical",
        "checked",
        "source_fact_accuracy",
        "export_fact_accuracy",
        "fact_accuracy_drop",
        "engine",
    )
    return {"file": export["file"], "sha256": export["sha256"], "bytes": export["bytes"],
            "registered": export.get("registered"), **{k: check[k] for k in keep}}  # fmt: skip


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    tmp.replace(path)
    return path

"""Register checked GGUF exports: one version of `<source name>-gguf` per (source version, quantization).

Why a derived registered model and not files attached to the source version: an MLflow model version's
artifacts are fixed when it is created, so a GGUF logged later would sit in the registration run, outside the
version, with no sha256 in the registry and no way to load it by URI. A version of `<name>-gguf` is its own
verified artifact (the file's sha256 in `tuneline.artifacts.sha256`, checked by the same loader as every
version), carries its lineage and check results as tags, can be aliased and served on its own, and the
source version gets a tag pointing at it (`gguf.<quantization>`). Only exports whose check passed get here;
if registering any of them fails, the ones made by this run are deleted again.
"""

from __future__ import annotations

import json
import logging
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from components.common.registry_io import MANIFEST_TAG, STATE_TAG, file_manifest
from components.common.tracking import configure_tracking
from components.export_gguf.metadata import SourceVersion

log = logging.getLogger(__name__)
FLAVOR_FILE = Path(__file__).with_name("flavor.py")
REQUIREMENTS = ("torch", "transformers", "gguf", "tokenizers", "mlflow", "pydantic", "pydantic-settings")


def requirements() -> list[str]:
    """Exact versions of what loading an export through MLflow needs (llama.cpp needs none of them)."""
    pins = []
    for name in REQUIREMENTS:
        try:
            pins.append(f"{name}=={version(name).split('+')[0]}")
        except PackageNotFoundError:
            continue
    return pins


def export_tags(source: SourceVersion, export: dict[str, Any], lineage: dict[str, str]) -> dict[str, str]:
    """Lineage, identity and check results of one export, as version tags."""
    check = export["check"]
    tags = {
        **lineage,
        "tuneline.kind": "gguf-export",
        "export.source_uri": source.uri,
        "export.source_version": source.version,
        "export.source_fingerprint": source.fingerprint,
        "export.quantization": export["quantization"],
        "export.sha256": export["sha256"],
        "export.bytes": str(export["bytes"]),
        "export.converter": export["converter"],
        "base_model.sha256": source.base.sha256,
        "base_model.version": source.base_uri or "",
        "check.engine": check["engine"],
        "check.engine_command": json.dumps(check["engine_command"]),
        "check.identical": f"{check['identical']}/{check['checked']}",
        "check.passed": str(check["passed"]).lower(),
        STATE_TAG: "complete",
    }
    for key in ("agreement", "source_fact_accuracy", "export_fact_accuracy", "fact_accuracy_drop"):
        tags[f"check.{key}"] = f"{check[key]:.4f}"
    tags["check.max_fact_accuracy_drop"] = f"{check['max_fact_accuracy_drop']:g}"
    return {k: v for k, v in tags.items() if v != ""}


def register_exports(
    name: str, source: SourceVersion, exports: list[dict[str, Any]], lineage: dict[str, str]
) -> dict[str, str]:
    """Log and register every export (all passed their check) under `name`; {quantization: version URI}."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    configure_tracking()
    client = MlflowClient()
    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(
            name, description=f"GGUF exports (llama.cpp) of {source.name} versions."
        )
    created: list[str] = []
    uris: dict[str, str] = {}
    tagged: list[str] = []  # tags set on the source version
    before = dict(client.get_model_version(source.name, source.version).tags)
    try:
        for export in exports:
            quant, path = export["quantization"], Path(export["file"])
            info = mlflow.pyfunc.log_model(
                name=f"gguf-{quant}",
                python_model=str(FLAVOR_FILE),
                artifacts={"gguf": str(path)},
                pip_requirements=requirements(),
                metadata={
                    "tuneline": {"source": source.uri, "quantization": quant, "sha256": export["sha256"]}
                },
            )
            tags = export_tags(source, export, lineage)
            tags[MANIFEST_TAG] = json.dumps({"gguf": file_manifest(path)}, sort_keys=True)
            mv = mlflow.register_model(info.model_uri, name, tags=tags)
            created.append(str(mv.version))
            uris[quant] = f"models:/{name}/{mv.version}"
            client.update_model_version(name, mv.version, description=describe(source, export))
        for quant, uri in uris.items():
            tagged.append(f"gguf.{quant}")
            client.set_model_version_tag(source.name, source.version, tagged[-1], uri)
    except BaseException:
        log.error("registering the exports failed; deleting versions %s of %s again", created, name)
        for made in created:
            client.delete_model_version(name, made)
        for key in tagged:  # back to what an earlier export had set, or removed
            if key in before:
                client.set_model_version_tag(source.name, source.version, key, before[key])
            else:
                client.delete_model_version_tag(source.name, source.version, key)
        raise
    return uris


def describe(source: SourceVersion, export: dict[str, Any]) -> str:
    check = export["check"]
    return (
        f"{export['quantization'].upper()} GGUF of {source.uri} (base sha256 {source.base.sha256[:16]}..., "
        f"file sha256 {export['sha256'][:16]}...). Checked with {check['engine']} on {check['checked']} golden "
        f"prompts: {check['identical']}/{check['checked']} answers identical to the evaluated ones, fact "
        f"accuracy {check['source_fact_accuracy']:.3f} -> {check['export_fact_accuracy']:.3f} (allowed drop "
        f"{check['max_fact_accuracy_drop']:g}). Serve with `llama-server -m <file>`; send the system prompt in "
        "tuneline.system_prompt unless the conversation has its own."
    )

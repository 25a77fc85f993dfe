"""What an export starts from: the registered version (verified), its evaluation report, and the golden prompts.

    source = resolve_source("models:/tuneline-assistant@champion")   # pinned to a version, adapter verified
    report = evaluation_report(source, cfg.eval_report)              # stored with the version at registration
    golden = evaluated_golden(report, cfg.golden_file, cfg.max_examples)

The check compares the export's answers with the answers the version gave when it was evaluated (the report's
`candidate_answer` per golden row) on the same prompts, with the same generation settings and batches.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.common.chat_model import AdapterRecord, ModelLoadError, adapter_base
from components.common.datasets import GoldenExample, golden_set_hash, read_golden
from components.common.hashing import content_hash
from components.common.registry_io import RegistryError, base_from_ref, fetch_version, resolve_version
from components.common.settings import get_settings
from components.export_gguf.converter import ExportError
from components.export_gguf.metadata import SourceVersion

log = logging.getLogger(__name__)


def resolve_source(uri: str | None) -> SourceVersion:
    """The version `uri` points at now (default: the champion), its adapter verified and its base found by hash."""
    uri = uri or f"models:/{get_settings().registered_model_name}@champion"
    try:
        ref = resolve_version(uri)
        adapter_dir, base_ref = fetch_version(ref)
        record = AdapterRecord.read(adapter_dir)
        base = adapter_base(record, f"{ref.uri}", base_from_ref(base_ref))
    except (RegistryError, ModelLoadError) as exc:
        raise ExportError(f"cannot export {uri}: {exc}") from None
    fingerprint = f"{base.sha256[:32]}-{content_hash(adapter_dir)[:32]}"
    return SourceVersion(
        ref.name, ref.version, ref.alias, adapter_dir, record, base, base_ref.get("uri"), fingerprint
    )


def evaluation_report(source: SourceVersion, override: str | None) -> dict[str, Any]:
    """The version's evaluation report: `override` (a file), else the one its registration run stored."""
    if override:
        path = Path(override)
        if not path.is_file():
            raise ExportError(
                f"eval_report {path} does not exist: point it at the version's eval_report.json"
            )
        report = json.loads(path.read_text())
    else:
        report = _stored_report(source)
    evaluated = (report.get("candidate") or {}).get("fingerprint")
    if evaluated and evaluated != source.fingerprint:
        raise ExportError(
            f"the evaluation report is of model {evaluated}, not of {source.uri} ({source.fingerprint}): the check "
            "must compare with this version's own answers; set eval_report to its report"
        )
    if not evaluated:
        log.warning("the evaluation report names no candidate fingerprint; trusting it is of %s", source.uri)
    if not report.get("examples") or not report.get("generation") or not report.get("golden_set"):
        raise ExportError(
            f"the evaluation report of {source.uri} has no per-prompt answers (examples, generation, golden_set): "
            "evaluate the version with `tuneline evaluate` and pass eval_report=<its eval_report.json>"
        )
    return report


def _stored_report(source: SourceVersion) -> dict[str, Any]:
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        run_id = MlflowClient().get_model_version(source.name, source.version).run_id
        return mlflow.artifacts.load_dict(f"runs:/{run_id}/eval_report.json")
    except (MlflowException, OSError) as exc:
        raise ExportError(
            f"{source.uri} was registered without an evaluation report (runs:/<its run>/eval_report.json: "
            f"{type(exc).__name__}); the export check compares against it: pass eval_report=<eval_report.json "
            "of this version>"
        ) from None


@dataclass(frozen=True)
class EvaluatedGolden:
    examples: list[GoldenExample]  # the prompts to ask, in the evaluation's order
    answers: dict[str, str]  # id -> the version's evaluated answer
    generation: dict[str, Any]  # the evaluation's decoding settings
    batch_size: int  # and its batch size (same batches: same left padding, same greedy tokens)
    golden_file: str


def evaluated_golden(
    report: dict[str, Any], golden_file: str | None, max_examples: int | None
) -> EvaluatedGolden:
    """The golden prompts the report answered (its file, checked by hash), the first `max_examples` of them."""
    golden = report["golden_set"]
    path = Path(golden_file or golden["file"])
    if not path.is_file():
        raise ExportError(
            f"golden file {path} (named by the evaluation report) does not exist here: set golden_file=<path>"
        )
    examples = read_golden(path, int(golden["n"]))
    if golden.get("hash") and golden_set_hash(examples) != golden["hash"]:
        raise ExportError(
            f"{path}: its first {golden['n']} rows are not the prompts the version was evaluated on (golden-set "
            "hash differs): use the golden file of that evaluation (golden_file=...)"
        )
    answers = {row["id"]: row["candidate_answer"] for row in report["examples"]}
    generation = dict(report["generation"])
    batch_size = int(generation.pop("batch_size", 8))
    generation.pop("merge_adapter", None)
    generation.pop("continuous_batching", None)
    chosen = [e for e in examples if e.id in answers][:max_examples]
    return EvaluatedGolden(chosen, answers, generation, batch_size, str(path))

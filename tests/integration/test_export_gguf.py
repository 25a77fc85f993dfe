"""`tuneline export gguf` on the tiny model against a real SQLite registry: llama.cpp's own converter (pinned
sdist, fetched once into the cache), F16 and Q8_0 files that transformers reloads, the agreement check, the
metadata in the file, the registered lineage, and the fact-accuracy gate refusing a real drop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.common.chat_model import ChatModel
from components.common.config import load_config
from components.common.datasets import golden_set_hash, read_golden
from components.common.hashing import file_sha256
from components.export_gguf.config import ConverterSettings, ExportConfig
from components.export_gguf.converter import ensure_converter
from components.export_gguf.core import run as export_gguf
from components.export_gguf.decision import fact_accurate
from components.register.config import RegisterConfig
from components.register.core import run as register
from pipelines.cli import main as tuneline

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "data" / "raw" / "golden.jsonl"
N, BATCH = 4, 4  # golden prompts checked; the evaluation's batch size (the check uses the same batches)


@pytest.fixture(scope="session")
def converter_cache() -> str:
    """The pinned converter, extracted once into the user's cache (the 76 MB sdist is fetched once per machine)."""
    return str(ensure_converter(ConverterSettings()).parent)


def answered_report(adapter_dir: Path) -> dict:
    """What the evaluate step records about a candidate, for the fields the export check reads: its greedy
    answers to the first N golden prompts in evaluate's batches, the settings, the golden file and hash."""
    chat = ChatModel.load(adapter_dir, merge=True)
    examples = read_golden(GOLDEN, N)
    generation = {"max_new_tokens": 8, "do_sample": False, "temperature": 1.0, "top_p": 1.0,
                  "repetition_penalty": 1.0}  # fmt: skip
    answers = []
    for start in range(0, N, BATCH):
        answers += [
            c.text for c in chat.generate([e.prompt for e in examples[start : start + BATCH]], **generation)
        ]
    right = [fact_accurate(a, e.key_facts, e.wrong_facts) for a, e in zip(answers, examples, strict=True)]
    return {
        "primary": {"metric": "fact_accuracy", "delta": 0.0, "ci_low": 0.0, "ci_high": 0.0},
        "candidate": {"fingerprint": chat.fingerprint, "metrics": {"fact_accuracy": sum(right) / N}},
        "champion": {"metrics": {"fact_accuracy": 0.0}, "label": "base model"},
        "generation": {**generation, "batch_size": BATCH, "merge_adapter": True},
        "golden_set": {"file": str(GOLDEN), "hash": golden_set_hash(examples), "n": N},
        "examples": [{"id": e.id, "candidate_answer": a, "candidate": {"fact_accuracy": float(r)}}
                     for e, a, r in zip(examples, answers, right, strict=True)],
    }  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_adapter_dir, converter_cache):
    """A registered tiny version (with its evaluation report) exported to F16 and Q8_0 once for the module."""
    root = tmp_path_factory.mktemp("export-gguf")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNELINE_TRACKING_URI", f"sqlite:///{root}/mlflow.db")
        mp.setenv("TUNELINE_ARTIFACT_ROOT", str(root / "mlartifacts"))
        mp.setenv("TUNELINE_CACHE", str(root / "cache"))
        report = answered_report(tiny_adapter_dir)
        (root / "eval_report.json").write_text(json.dumps(report))
        registered = register(  # its round trip is tested in test_register.py; the export check compares too
            load_config(RegisterConfig, adapter_dir=str(tiny_adapter_dir), eval_report=str(root / "eval_report.json"),
                        registered_model_name="assistant", out_dir=str(root / "register"), verify_roundtrip=False)
        )  # fmt: skip
        overrides = [f"source=models:/assistant/{registered['version']}", f"converter.cache_dir={converter_cache}",
                     f"out_dir={root / 'export'}"]  # fmt: skip
        result = export_gguf(load_config(ExportConfig, REPO / "configs" / "export.yaml", overrides))
        yield {"root": root, "version": registered["version"], "report": report, "result": result,
               "overrides": overrides, "env": mp}  # fmt: skip


def test_both_quantizations_reload_and_are_checked_against_the_evaluated_answers(exported):
    exports = exported["result"]["exports"]
    assert sorted(exports) == ["f16", "q8_0"]
    for quant, export in exports.items():
        path = Path(export["file"])
        assert path.is_file() and file_sha256(path) == export["sha256"], quant
        assert export["checked"] == N and export["engine"] == "transformers"
        assert export["agreement"] == export["identical"] / N
        assert export["fact_accuracy_drop"] == export["source_fact_accuracy"] - export["export_fact_accuracy"]
    assert exports["q8_0"]["bytes"] < exports["f16"]["bytes"] * 0.75  # Q8_0 really is 8-bit
    # F16 of a 2-layer model keeps greedy answers: a file whose weights, tokenizer or template came out wrong
    # answers none of the prompts the same way
    assert exports["f16"]["identical"] >= N // 2, exports["f16"]


def test_the_file_carries_the_chat_template_system_prompt_and_generation_defaults(exported, tiny_adapter_dir):
    """What the check read from the file with gguf's GGUFReader (a second parse of the file costs seconds)."""
    record = json.loads((tiny_adapter_dir / "tuneline_adapter.json").read_text())
    check = json.loads((exported["root"] / "export" / "export_check.json").read_text())["exports"][0]["check"]
    value = check["metadata"]
    assert "<|im_start|>" in value["tokenizer.chat_template"]
    assert value["general.name"] == f"assistant v{exported['version']}"
    assert value["tuneline.source_uri"] == f"models:/assistant/{exported['version']}"
    assert value["tuneline.version"] == exported["version"]
    assert value["tuneline.quantization"] == "f16"
    assert value["tuneline.system_prompt"] == record["system_prompt"]
    assert value["tuneline.base_sha256"] == record["base_sha256"]
    assert value["tuneline.generation.max_new_tokens"] == record["generation"]["max_new_tokens"] == 16
    assert value["tuneline.generation.do_sample"] is False
    assert value["tuneline.converter"].startswith("llama-cpp-python==0.3.36")


def test_exports_are_registered_with_lineage_and_load_verified(exported):
    from mlflow import MlflowClient

    from components.common.registry_io import download_artifact_folder, resolve_version

    client = MlflowClient()
    source = client.get_model_version("assistant", exported["version"])
    for quant, export in exported["result"]["exports"].items():
        uri = export["registered"]
        assert source.tags[f"gguf.{quant}"] == uri
        ref = resolve_version(uri)
        tags = ref.tags
        assert tags["export.source_uri"] == f"models:/assistant/{exported['version']}"
        assert tags["export.quantization"] == quant and tags["export.sha256"] == export["sha256"]
        assert tags["base_model.sha256"] == source.tags["base_model.sha256"]
        assert tags["check.identical"] == f"{export['identical']}/{N}" and tags["check.passed"] == "true"
        assert float(tags["check.fact_accuracy_drop"]) <= 0.02 and "git.commit" in tags
        local = download_artifact_folder(ref, "gguf")  # checked against the sha256 the registry recorded
        assert file_sha256(next(Path(local).parent.rglob("*.gguf"))) == export["sha256"]


def test_the_gate_refuses_an_export_that_states_fewer_facts_and_registers_nothing(
    exported, capsys, monkeypatch
):
    """A worse answer set: the evaluated answers are the golden references (every key fact stated) and the export
    answers without a fact. `tuneline export gguf` exits 2, names the drop and registers nothing. (The engine is
    replaced here only to save a model load: the tests above decode the files for real.)"""
    import contextlib

    from mlflow import MlflowClient

    from components.export_gguf import check

    root, report = exported["root"], json.loads(json.dumps(exported["report"]))
    examples = {e.id: e for e in read_golden(GOLDEN, N)}
    for row in report["examples"]:
        row["candidate_answer"] = examples[row["id"]].reference
    (root / "better_report.json").write_text(json.dumps(report))

    class Unhelpful:
        label, command = "transformers", []

        def answer(self, conversations, generation):
            return ["Please contact support."] * len(conversations)

    monkeypatch.setattr(check, "open_engine", lambda *args: contextlib.nullcontext(Unhelpful()))
    before = MlflowClient().search_model_versions("name = 'assistant-gguf'")
    argv = ["export", "gguf", "--config", str(REPO / "configs" / "export.yaml"), *exported["overrides"],
            "quantizations=[q8_0]", f"eval_report={root / 'better_report.json'}"]  # fmt: skip
    assert tuneline(argv) == 2
    err = capsys.readouterr().err
    assert (
        "refused" in err
        and "q8_0: fact accuracy fell by 1.0000 (1.0000 -> 0.0000 on 4 golden prompts)" in err
    )
    assert len(MlflowClient().search_model_versions("name = 'assistant-gguf'")) == len(before)
    record = json.loads((root / "export" / "export_check.json").read_text())
    assert [e["check"]["passed"] for e in record["exports"]] == [False]
    assert record["exports"][0]["reused"] is True  # the Q8_0 file of the first export, not converted again


def test_a_failed_registration_leaves_the_registry_as_it_was(exported, monkeypatch):
    """The tracking server fails after the source version's `gguf.q8_0` tag was written: the export version made by
    this run is deleted again and the tag points where it pointed before. (Engine replaced, as above.)"""
    import contextlib

    from mlflow import MlflowClient

    from components.export_gguf import check

    answers = {json.dumps(e.prompt): a["candidate_answer"]
               for e, a in zip(read_golden(GOLDEN, N), exported["report"]["examples"], strict=True)}  # fmt: skip

    class AsEvaluated:
        label, command = "transformers", []

        def answer(self, conversations, generation):
            return [answers[json.dumps(c)] for c in conversations]

    failed = []

    def set_tag_once_failing(self, name, version, key, value):
        result = original(self, name, version, key, value)
        if key.startswith("gguf.") and not failed:  # written, but the reply is lost
            failed.append(key)
            raise OSError("tracking server went away")
        return result

    original = MlflowClient.set_model_version_tag
    monkeypatch.setattr(check, "open_engine", lambda *args: contextlib.nullcontext(AsEvaluated()))
    monkeypatch.setattr(MlflowClient, "set_model_version_tag", set_tag_once_failing)
    client = MlflowClient()
    before = sorted(v.version for v in client.search_model_versions("name = 'assistant-gguf'"))
    pointer = client.get_model_version("assistant", exported["version"]).tags["gguf.q8_0"]
    cfg = load_config(
        ExportConfig, REPO / "configs" / "export.yaml", [*exported["overrides"], "quantizations=[q8_0]"]
    )
    with pytest.raises(OSError, match="went away"):
        export_gguf(cfg)
    assert failed == ["gguf.q8_0"]
    assert sorted(v.version for v in client.search_model_versions("name = 'assistant-gguf'")) == before
    assert client.get_model_version("assistant", exported["version"]).tags["gguf.q8_0"] == pointer

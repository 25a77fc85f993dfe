"""The GGUF export's pure parts: the gate (decide_export), its fact rule against the evaluate metric, the
converter's pinning, and the metadata a file carries."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from components.common.chat_model import AdapterRecord
from components.common.datasets import GoldenExample, read_golden
from components.export_gguf.config import ConverterSettings
from components.export_gguf.converter import ExportError, ensure_converter, extract_converter, verify_sdist
from components.export_gguf.decision import (
    CheckNumbers,
    ExportPolicy,
    compare_answers,
    decide_export,
    fact_accurate,
)
from components.export_gguf.engines import chat_request
from components.export_gguf.metadata import export_metadata, record_from_metadata

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("source", "export", "identical", "policy", "passed", "reason"),
    [
        (0.125, 0.125, 112, ExportPolicy(), True, None),
        (0.125, 0.105, 100, ExportPolicy(), True, None),  # a 0.02 drop is allowed, not more
        (0.125, 0.100, 100, ExportPolicy(), False, "fell by 0.0250"),
        (
            0.125,
            0.200,
            50,
            ExportPolicy(),
            True,
            None,
        ),  # better facts, other words: passes unless agreement is gated
        (0.125, 0.200, 50, ExportPolicy(min_agreement=0.9), False, "below min_agreement 0.9"),
        (0.125, 0.125, 112, ExportPolicy(max_fact_accuracy_drop=-0.01), False, "more than the allowed -0.01"),
        (0.0, 0.0, 0, ExportPolicy(), True, None),  # a model that states no fact loses none
    ],
)
def test_decide_export(source, export, identical, policy, passed, reason):
    verdict = decide_export(CheckNumbers(112, identical, source, export), policy)
    assert verdict.passed is passed
    assert (reason is None) == (not verdict.reasons)
    if reason:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_nothing_checked_is_refused_and_every_failed_rule_is_named():
    assert decide_export(CheckNumbers(0, 0, 0.0, 0.0), ExportPolicy()).reasons == [
        "no golden prompt was checked"
    ]
    verdict = decide_export(CheckNumbers(10, 1, 0.5, 0.1), ExportPolicy(min_agreement=0.5))
    assert len(verdict.reasons) == 2


def test_fact_rule_is_the_evaluate_metric_rule():
    """fact_accurate scores each answer exactly as evaluate's fact_check metric does, on real golden rows."""
    from components.evaluate_model.metric_suite import load_metric

    rows = read_golden(REPO / "data" / "raw" / "golden.jsonl", 12)
    answers = [r.reference for r in rows[:4]]  # every key fact stated
    answers += [r.reference + " " + " ".join(r.wrong_facts) for r in rows[4:8]]  # plus a wrong one (if any)
    answers += [r.key_facts[0] for r in rows[8:]]  # one key fact only
    metric = load_metric("fact_check").compute(
        predictions=answers,
        key_facts=[list(r.key_facts) for r in rows],
        wrong_facts=[list(r.wrong_facts) for r in rows],
    )
    ours = [float(fact_accurate(a, r.key_facts, r.wrong_facts)) for a, r in zip(answers, rows, strict=True)]
    assert ours == metric["fact_accuracy_scores"]
    assert 0 < sum(ours) < len(ours)  # the cases differ: the comparison means something


def test_compare_answers_counts_identical_answers_and_facts_on_both_sides():
    rows = [
        GoldenExample(f"g{i}", "c", [{"role": "user", "content": "q"}], "r", ("$6",), ("$10",))
        for i in range(4)
    ]
    evaluated = {"g0": "It is $6.", "g1": "It is $6.", "g2": "No idea.", "g3": "It is $10."}
    numbers, differences = compare_answers(
        rows, evaluated, ["It is $6.", "About $6 a month", "$6", "$10 or $6"]
    )
    assert (numbers.checked, numbers.identical) == (4, 1)
    assert (numbers.source_fact_accuracy, numbers.export_fact_accuracy) == (0.5, 0.75)  # "$10 or $6": wrong
    assert numbers.fact_accuracy_drop == -0.25
    assert [d["id"] for d in differences] == ["g1", "g2", "g3"]
    with pytest.raises(ValueError, match="key_facts"):
        compare_answers([GoldenExample("x", "c", [], "r")], {"x": "a"}, ["a"])


def test_an_sdist_with_another_sha256_is_refused_before_anything_is_extracted(tmp_path):
    fake = tmp_path / "llama_cpp_python-0.3.36.tar.gz"
    fake.write_bytes(b"not the pinned sdist")
    settings = ConverterSettings(sdist=str(fake), cache_dir=str(tmp_path / "cache"))
    with pytest.raises(ExportError, match=r"has sha256 [0-9a-f]{64}, the pinned one is 832db069"):
        ensure_converter(settings)
    assert not list((tmp_path / "cache").glob("*/convert_hf_to_gguf.py"))
    with pytest.raises(ExportError, match="does not exist"):
        verify_sdist(tmp_path / "missing.tar.gz", settings.sha256)


def test_only_the_converter_files_are_extracted_and_a_tarball_without_them_is_refused(tmp_path):
    def tarball(path: Path, names: list[str]) -> Path:
        with tarfile.open(path, "w:gz") as archive:
            for name in names:
                info = tarfile.TarInfo(name)
                info.size = 2
                archive.addfile(info, io.BytesIO(b"x\n"))
        return path

    root = "llama_cpp_python-9/vendor/llama.cpp/"
    complete = [f"{root}convert_hf_to_gguf.py", f"{root}conversion/llama.py", f"{root}gguf-py/gguf/gguf.py",
                f"{root}LICENSE", f"{root}src/llama.cpp", "llama_cpp_python-9/setup.py"]  # fmt: skip
    extract_converter(tarball(tmp_path / "ok.tar.gz", complete), tmp_path / "out")
    found = sorted(
        p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()
    )
    assert found == ["LICENSE", "conversion/llama.py", "convert_hf_to_gguf.py", "gguf-py/gguf/gguf.py"]
    with pytest.raises(ExportError, match=r"no vendor/llama\.cpp/conversion/"):
        extract_converter(
            tarball(tmp_path / "old.tar.gz", [complete[0], complete[2], complete[3]]), tmp_path / "o2"
        )


def test_metadata_round_trips_into_the_record_a_check_decodes_with(tmp_path):
    from components.common.base_model import ResolvedBase
    from components.export_gguf.metadata import SourceVersion

    record = AdapterRecord(
        "smollm2-135m-instruct", "ab" * 32, "sft", "You are Quill.", {"max_new_tokens": 64}
    )
    base = ResolvedBase("smollm2-135m-instruct", "builtin", tmp_path, "ab" * 32)
    source = SourceVersion(
        "assistant", "3", "champion", tmp_path, record, base, "models:/tuneline-base/1", "f-p"
    )
    meta = export_metadata(source, "q8_0", "llama-cpp-python==0.3.36")
    assert meta["tuneline.source_uri"] == "models:/assistant/3" and meta["tuneline.quantization"] == "q8_0"
    assert meta["tuneline.generation.max_new_tokens"] == 64 and meta["tuneline.generation.do_sample"] is False
    back = record_from_metadata(tmp_path / "x.gguf", meta)
    assert (back.system_prompt, back.generation["max_new_tokens"], back.base_sha256) == (
        "You are Quill.",
        64,
        "ab" * 32,
    )
    with pytest.raises(ValueError, match="not written by `tuneline export gguf`"):
        record_from_metadata(tmp_path / "x.gguf", {"general.name": "x"})


def test_llama_server_requests_answer_as_tuneline_does():
    ask = [{"role": "user", "content": "How do I export a page?"}]
    greedy = chat_request(
        ask, "You are Quill.", {"max_new_tokens": 64, "do_sample": False, "temperature": 0.7}
    )
    assert greedy["messages"][0] == {"role": "system", "content": "You are Quill."}
    assert (greedy["temperature"], greedy["max_tokens"]) == (0.0, 64) and "ignore_eos" not in greedy
    own = [{"role": "system", "content": "Be brief."}, *ask]
    fixed = chat_request(own, "You are Quill.", {"max_new_tokens": 32, "min_new_tokens": 32})
    assert fixed["messages"] == own and fixed["ignore_eos"] is True

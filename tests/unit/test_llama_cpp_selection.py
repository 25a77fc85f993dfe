"""The llama_cpp backend's pure parts: which GGUF export a version may be served from (the export check is the
gate), the llama-server command (the check's flags kept), and the request sent to it (the check's request)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from components.common.chat_model import GenerationDefaults
from components.export_gguf.config import LlamaServerSettings
from components.export_gguf.engines import chat_request, llama_server_command
from serving.gguf_exports import ExportCandidate, pick_export
from serving.llama_cpp_proxy import upstream_body
from serving.llama_server import check_flags, serve_command
from serving.schemas import ApiError, ChatCompletionRequest
from serving.settings import ServingSettings

SOURCE = "models:/assistant/3"


def export(version: str, source: str = SOURCE, quant: str = "q8_0", passed: str = "true",
           engine: str = "llama-server", state: str = "complete", sha: str = "ab" * 32) -> ExportCandidate:  # fmt: skip
    tags = {"export.source_uri": source, "export.quantization": quant, "check.passed": passed,
            "check.engine": engine, "tuneline.state": state, "export.sha256": sha}  # fmt: skip
    return ExportCandidate(version, tags)


def pick(*candidates: ExportCandidate, quant: str = "q8_0"):
    return pick_export(SOURCE, quant, "assistant-gguf", list(candidates))


def test_the_newest_passed_llama_server_checked_export_of_that_version_and_quantization_is_served():
    choice = pick(
        export("1"), export("4"), export("2", quant="f16"), export("9", source="models:/assistant/30")
    )
    assert choice.version == "4" and choice.reason is None
    assert pick(export("2", quant="f16"), quant="F16").version == "2"  # quantization names ignore case


@pytest.mark.parametrize(
    ("candidates", "says"),
    [
        ([], "models:/assistant/3 has no GGUF export in assistant-gguf"),
        ([export("1", source="models:/assistant/2")], "has no GGUF export"),
        ([export("1", quant="f16")], "has GGUF exports in F16 but none in Q8_0 (assistant-gguf v1)"),
        ([export("1", state="incomplete")], "no Q8_0 export whose registration finished"),
        ([export("1", sha="")], "no Q8_0 export whose registration finished with its file's sha256"),
        ([export("1", passed="false"), export("2", passed="")], "no Q8_0 export whose export check passed (assistant-gguf v1, v2)"),
        ([export("1", engine="transformers")], "checked through transformers, none through llama-server"),
    ],
)  # fmt: skip
def test_a_version_without_a_passed_llama_server_check_is_refused_with_the_reason_and_the_fix(
    candidates, says
):
    choice = pick(*candidates)
    assert choice.version is None
    assert says in choice.reason
    assert "tuneline export gguf" in choice.reason and f"source={SOURCE}" in choice.reason
    assert "quantizations=[q8_0] engine=llama-server" in choice.reason


def test_served_command_keeps_the_checks_flags_and_sets_only_the_runs_own():
    settings = LlamaServerSettings(binary="/bin/true", args=["-t", "2", "--temp", "0"], context=4096)
    checked = llama_server_command(settings, Path("/exports/a.gguf"), 5555)  # what the check ran and recorded
    assert check_flags(checked) == ["-t", "2", "--temp", "0"]
    command = serve_command(Path("/opt/llama-server"), Path("/cache/a.gguf"), 6000, checked, 4, 2560, 0)
    assert command == ["/opt/llama-server", "-m", "/cache/a.gguf", "--host", "127.0.0.1", "--port", "6000",
                       "-np", "4", "-c", "10240", "-t", "2", "--temp", "0"]  # fmt: skip
    assert serve_command(Path("/l"), Path("/a.gguf"), 1, checked, 1, 512, 8)[-2:] == [
        "-t",
        "8",
    ]  # last -t wins


def served(**defaults) -> SimpleNamespace:
    return SimpleNamespace(
        system_prompt="You are Quill.", defaults=GenerationDefaults(**defaults), min_new_tokens=0
    )


def request(**fields) -> ChatCompletionRequest:
    return ChatCompletionRequest(model="assistant", messages=[{"role": "user", "content": "Hi"}], **fields)


def test_a_greedy_request_is_sent_as_the_export_check_sent_it():
    messages = [{"role": "user", "content": "Hi"}]
    body = upstream_body(request(max_tokens=8), served(max_new_tokens=16), messages, 64)
    evaluation = {"max_new_tokens": 8, "do_sample": False, "temperature": 1.0, "top_p": 1.0,
                  "repetition_penalty": 1.0}  # fmt: skip
    checked = chat_request(messages, "You are Quill.", evaluation)
    assert body == checked | {"stream": True, "stream_options": {"include_usage": True}}
    assert (
        body["messages"][0] == {"role": "system", "content": "You are Quill."} and body["temperature"] == 0.0
    )
    # no max_tokens: the version's default, capped by the server's limit
    assert upstream_body(request(), served(max_new_tokens=16), messages, 64)["max_tokens"] == 16
    assert upstream_body(request(), served(max_new_tokens=900), messages, 64)["max_tokens"] == 64


def test_request_settings_reach_llama_server_and_what_it_cannot_do_is_refused():
    messages = [{"role": "user", "content": "Hi"}]
    sampled = upstream_body(
        request(temperature=0.7, stop="END", logprobs=True, top_logprobs=2), served(), messages, 64
    )
    assert sampled["temperature"] == 0.7 and "seed" not in sampled  # sampled, unseeded: a fresh draw
    assert sampled["stop"] == ["END"] and sampled["logprobs"] is True and sampled["top_logprobs"] == 2
    assert upstream_body(request(temperature=0.7, seed=5), served(), messages, 64)["seed"] == 5
    assert upstream_body(request(max_tokens=8, min_tokens=8), served(), messages, 64)["ignore_eos"] is True
    with pytest.raises(ApiError, match="min_tokens=4 below max_tokens=8 is not served by the llama_cpp"):
        upstream_body(request(max_tokens=8, min_tokens=4), served(), messages, 64)


def test_canary_and_shadow_routing_are_refused_with_llama_cpp():
    for routing in ("canary", "shadow"):
        with pytest.raises(
            ValidationError, match=f"routing={routing} is not supported with backend=llama_cpp"
        ):
            ServingSettings(backend="llama_cpp", routing=routing)
    assert ServingSettings(backend="llama_cpp").llama_cpp_quantization == "q8_0"


def test_the_header_reader_returns_what_ggufs_own_reader_returns(tmp_path):
    """gguf_metadata skips the vocabulary GGUFReader parses into objects (seconds per swap); same key/values."""
    from gguf import GGUFWriter

    from components.export_gguf.metadata import read_gguf
    from serving.gguf_exports import gguf_metadata

    path = tmp_path / "tiny.gguf"
    writer = GGUFWriter(str(path), "llama")
    writer.add_name("assistant v3")
    writer.add_file_type(7)
    writer.add_string("tuneline.system_prompt", "You are Quill. Ünïcode ✓")
    writer.add_string("tuneline.version", "3")
    writer.add_uint32("tuneline.generation.max_new_tokens", 16)
    writer.add_bool("tuneline.generation.do_sample", False)
    writer.add_float32("tuneline.generation.temperature", 0.5)
    writer.add_array("tokenizer.ggml.tokens", ["<|im_start|>", "a", "ü"] * 500)
    writer.add_array("tokenizer.ggml.scores", [0.25] * 300)
    writer.add_array("tuneline.stops", ["END", "STOP"])
    writer.add_chat_template("{% for m in messages %}{{ m.content }}{% endfor %}")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    metadata = gguf_metadata(path)
    assert metadata == read_gguf(path).metadata
    assert metadata["tuneline.system_prompt"] == "You are Quill. Ünïcode ✓" and metadata[
        "tuneline.stops"
    ] == ["END", "STOP"]
    assert "tokenizer.ggml.tokens" not in metadata

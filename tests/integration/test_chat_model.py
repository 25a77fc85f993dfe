"""ChatModel: loads a base or an adapter folder the same way, applies the versioned prompt, batches greedily."""

from __future__ import annotations

import json
import shutil

import pytest

from components.common.chat_model import ADAPTER_RECORD, AdapterRecord, ChatModel, ModelLoadError

QUESTIONS = [
    [{"role": "user", "content": "How do I export a page?"}],
    [{"role": "user", "content": "What does QN-401 mean and how do I fix it on my phone?"}],
]


def test_adapter_changes_outputs_and_carries_its_prompt_and_defaults(tiny_model_dir, tiny_adapter_dir):
    base = ChatModel.load(str(tiny_model_dir))
    tuned = ChatModel.load(tiny_adapter_dir)
    assert tuned.system_prompt.startswith("You are Quill") and base.system_prompt == ""
    assert tuned.defaults.max_new_tokens == 16
    assert "You are Quill" in tuned.render(QUESTIONS[0])
    out_base, out_tuned = base.generate(QUESTIONS, max_new_tokens=8), tuned.generate(QUESTIONS)
    assert [c.text for c in out_base] != [c.text for c in out_tuned]
    assert all(c.completion_tokens <= 16 for c in out_tuned)
    assert base.fingerprint != tuned.fingerprint


def test_batched_greedy_equals_one_at_a_time(tiny_adapter_dir):
    chat = ChatModel.load(tiny_adapter_dir)
    together = [c.text for c in chat.generate(QUESTIONS)]
    alone = [chat.generate([q])[0].text for q in QUESTIONS]
    assert together == alone


def test_one_backend_call_answers_as_the_batch_would_whatever_the_order_and_settings(tiny_adapter_dir):
    """Rows decode in a canonical order; different sampling settings go to separate `generate` calls; a
    seeded sampled request decodes alone (so its seed reproduces it); streamed deltas join to the text."""
    from components.common.generation import GenerationRequest, SamplingParams

    chat = ChatModel.load(tiny_adapter_dir)
    greedy = [c.text for c in chat.generate(QUESTIONS)]
    assert [c.text for c in chat.generate(QUESTIONS[::-1])] == greedy[::-1]
    sampled = SamplingParams(max_new_tokens=8, do_sample=True, temperature=1.0, seed=5)
    events = []
    mixed = chat.backend.decode(
        [
            GenerationRequest(chat.prompt_ids(QUESTIONS[1]), chat.sampling()),
            GenerationRequest(chat.prompt_ids(QUESTIONS[0]), sampled, on_event=events.append),
            GenerationRequest(chat.prompt_ids(QUESTIONS[0]), chat.sampling(stop=None)),
        ]
    )
    alone = chat.backend.decode([GenerationRequest(chat.prompt_ids(QUESTIONS[0]), sampled)])[0]
    assert (mixed[0].text, mixed[2].text) == (greedy[1], greedy[0]) and mixed[1].text == alone.text
    assert (
        "".join(e.text for e in events) == mixed[1].text
        and events[-1].finish_reason == mixed[1].finish_reason
    )


def test_base_mismatch_is_refused(tiny_adapter_dir, tmp_path):
    copy = shutil.copytree(tiny_adapter_dir, tmp_path / "adapter")
    record = json.loads((copy / ADAPTER_RECORD).read_text())
    record["base_sha256"] = "0" * 64
    (copy / ADAPTER_RECORD).write_text(json.dumps(record))
    with pytest.raises(ModelLoadError, match="base sha256"):
        ChatModel.load(copy)


def test_record_round_trip_keeps_unknown_fields(tmp_path):
    AdapterRecord("b", "f" * 64, extra={"mlflow_run_id": "abc"}).write(tmp_path)
    record = AdapterRecord.read(tmp_path)
    assert record.extra == {"mlflow_run_id": "abc"} and record.base_sha256 == "f" * 64


def test_rows_of_two_adapters_in_one_batch_answer_as_each_adapter_alone(
    tiny_model_dir, tiny_adapter_dir, make_tiny_adapter, tmp_path, monkeypatch
):
    """A batch mixing two adapters' rows (canary serving) gives each row its adapter's answer alone, and
    leaves the model as it found it (the active adapter, float scales, no stacked adapter); an adapter
    deleted and loaded again with other weights is what the next mixed batch uses."""
    from peft.tuners.lora import LoraLayer

    from components.common import row_adapters
    from components.common.generation import GenerationRequest

    chat = ChatModel.load(tiny_adapter_dir)
    other = make_tiny_adapter(tiny_model_dir, tmp_path / "other", seed=7)
    chat.model.load_adapter(str(other), adapter_name="other")
    prompts = [chat.prompt_ids(q) for q in QUESTIONS]

    def decode(names: list[str]) -> list[str]:
        rows = [GenerationRequest(p, chat.sampling(), adapter=n) for p, n in zip(prompts, names, strict=True)]
        return [c.text for c in chat.backend.decode(rows)]

    default = chat.model.active_adapter
    alone = {name: decode([name, name]) for name in (default, "other")}
    assert alone[default] != alone["other"]
    assert decode([default, "other"]) == [alone[default][0], alone["other"][1]]
    assert decode(["other", default]) == [alone["other"][0], alone[default][1]]
    assert chat.model.active_adapter == default
    layer = next(m for m in chat.model.modules() if isinstance(m, LoraLayer))
    assert all(isinstance(scale, float) for scale in layer.scaling.values())
    assert set(layer.lora_A) == {default, "other"}

    with chat.model.disable_adapter():
        base = [c.text for c in chat.backend.decode([GenerationRequest(p, chat.sampling()) for p in prompts])]
    monkeypatch.setattr(row_adapters, "MAX_STACKS", 1)
    assert decode(["__base__", "other"]) == [base[0], alone["other"][1]]
    assert list(row_adapters._STACKS[chat.model]) == [("other",)]  # the (default, other) stack was dropped

    chat.model.delete_adapter("other")
    third = make_tiny_adapter(tiny_model_dir, tmp_path / "third", seed=8)
    chat.model.load_adapter(str(third), adapter_name="other")
    again = decode(["other", "other"])
    assert again != alone["other"]
    assert decode([default, "other"]) == [alone[default][0], again[1]]


def test_a_mixed_batch_runs_no_adapter_in_layers_its_rows_adapters_leave_alone(tiny_adapter_dir, tmp_path):
    """Rows of an adapter on layer 0 only, beside base rows, while the active adapter adapts every layer:
    the other layers run no adapter, as in a batch of that adapter alone."""
    import torch
    from peft import LoraConfig, get_peft_model

    from components.common.generation import GenerationRequest

    chat = ChatModel.load(tiny_adapter_dir)
    torch.manual_seed(3)
    partial = get_peft_model(
        chat.base.load_model(),
        LoraConfig(
            r=4,
            lora_alpha=8,
            target_modules=["q_proj", "v_proj", "down_proj"],
            layers_to_transform=[0],
            init_lora_weights=False,
        ),
    )
    partial.save_pretrained(tmp_path / "partial")
    chat.model.load_adapter(str(tmp_path / "partial"), adapter_name="partial")
    prompts = [chat.prompt_ids(q) for q in QUESTIONS]

    def decode(names: list[str]) -> list[str]:
        rows = [GenerationRequest(p, chat.sampling(), adapter=n) for p, n in zip(prompts, names, strict=True)]
        return [c.text for c in chat.backend.decode(rows)]

    alone, base = decode(["partial", "partial"]), decode(["__base__", "__base__"])
    assert decode(["partial", "__base__"]) == [alone[0], base[1]]
    assert decode(["__base__", "partial"]) == [base[0], alone[1]]

"""Continuous batching (components/common/continuous.py): a batch decodes the same bytes every time, each row
keeps its own stops, length and stream, and what the manager cannot decode exactly goes to `generate`.

The tiny random model's logits nearly tie, so a greedy token can differ between engines and between batch
compositions; SmolLM2's answers do not (bench/batch_invariance.py). The assertions hold on any model."""

from __future__ import annotations

import threading

import pytest

from components.common.chat_model import ChatModel, ModelLoadError
from components.common.continuous import ContinuousBackend
from components.common.generation import GenerationRequest, SamplingParams, TransformersBackend

QUESTIONS = [
    "How do I export a page?",
    "What does QN-401 mean and how do I fix it on my phone?",
    "Can I share a notebook with someone outside my team?",
    "Hi",
    "Where do I change the language of the app, and does it sync to my other devices?",
]
SIZES = {"max_in_flight": 4, "max_tokens": 256}


@pytest.fixture(scope="module")
def merged(tiny_adapter_dir):
    """The tiny adapter merged, decoding through continuous batching, and a `generate` backend beside it."""
    chat = ChatModel.load(tiny_adapter_dir, merge=True, continuous=SIZES)
    return chat, TransformersBackend(chat.model, chat.tokenizer)


def requests(chat, params: SamplingParams, **kwargs) -> list[GenerationRequest]:
    return [
        GenerationRequest(chat.prompt_ids([{"role": "user", "content": q}]), params, **kwargs)
        for q in QUESTIONS
    ]


def same(a, b) -> bool:
    key = lambda c: (c.text, c.completion_tokens, c.finish_reason, c.prompt_tokens)  # noqa: E731
    return [key(c) for c in a] == [key(c) for c in b]


def test_a_batch_decodes_the_same_bytes_in_any_order_and_as_submitted_together(merged):
    chat, _ = merged
    assert isinstance(chat.backend, ContinuousBackend)
    params = SamplingParams(max_new_tokens=24)
    got = chat.backend.decode(requests(chat, params))  # a manager sized for these 5, started and stopped
    assert not chat.backend.running and any(c.finish_reason == "length" for c in got)
    assert same(chat.backend.decode(requests(chat, params)[::-1]), got[::-1])  # canonical order inside
    with chat.backend.session():  # serving's path: a running manager, the batch added at one step
        assert same([p.result() for p in chat.backend.submit_all(requests(chat, params))], got)


def test_stop_sequences_end_rows_where_the_text_has_them(merged):
    chat, _ = merged
    plain = chat.backend.decode(requests(chat, SamplingParams(max_new_tokens=24)))
    stop = next(
        c.text[5:8] for c in plain if len(c.text) > 10
    )  # a piece of some answer: that row stops there
    got = chat.backend.decode(requests(chat, SamplingParams(max_new_tokens=24, stop=(stop,))))
    for full, cut in zip(plain, got, strict=True):
        at = full.text.find(stop)
        assert (cut.text, cut.finish_reason) == (
            (full.text[:at], "stop") if at >= 0 else (full.text, full.finish_reason)
        )


def test_settings_the_manager_cannot_decode_go_to_generate(merged):
    chat, generate = merged
    for params in (
        SamplingParams(max_new_tokens=8, do_sample=True, temperature=0.8, seed=3),
        SamplingParams(max_new_tokens=8, logprobs=True, top_logprobs=2),
        SamplingParams(max_new_tokens=8, repetition_penalty=1.3),
        SamplingParams(max_new_tokens=8, min_new_tokens=4),
        SamplingParams(max_new_tokens=8, min_new_tokens=8),  # benchmarks pin min = max: end of turn masked
    ):
        got = chat.backend.decode(requests(chat, params)[:2])
        assert same(got, generate.decode(requests(chat, params)[:2])), params
        assert [c.logprobs for c in got] == [c.logprobs for c in generate.decode(requests(chat, params)[:2])]


def test_submitted_requests_stream_join_at_the_next_step_and_cancel(merged):
    """Serving's path: a started manager; each request streams its deltas; a request added while another
    decodes finishes first when it is shorter; a cancelled one stops and frees its slot."""
    chat, _ = merged
    backend = chat.backend
    long_params, events, first_event = (
        SamplingParams(max_new_tokens=40, min_new_tokens=40),
        [],
        threading.Event(),
    )

    def on_event(event) -> None:
        events.append(event)
        first_event.set()

    prompt = chat.prompt_ids([{"role": "user", "content": QUESTIONS[0]}])
    long_one = GenerationRequest(prompt, long_params, on_event=on_event)
    with backend.session():
        pending = backend.submit(long_one)
        assert first_event.wait(60)  # it decodes; now a short request joins and ends before it
        streamed: list = []
        joined = GenerationRequest(prompt, SamplingParams(max_new_tokens=4), on_event=streamed.append)
        short = backend.submit(joined).result()
        assert short.completion_tokens <= 4 and not pending.done.is_set()
        assert (
            "".join(e.text for e in streamed) == short.text
            and streamed[-1].finish_reason == short.finish_reason
        )
        long_one.cancelled = True
        cancelled = pending.result()
        assert backend.in_flight == 0 and 4 < cancelled.completion_tokens < 40
        assert "".join(e.text for e in events) == cancelled.text and events[-1].finish_reason is not None
    assert not backend.running


def test_an_unmerged_adapter_is_refused_with_what_to_do(tiny_adapter_dir):
    with pytest.raises(ModelLoadError, match="merge=True"):
        ChatModel.load(tiny_adapter_dir, continuous=SIZES)

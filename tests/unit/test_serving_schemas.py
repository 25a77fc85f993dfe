"""Serving's pure pieces: request schema, defaults vs overrides, API keys, stop sequences and streamed text."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from components.common.chat_model import GenerationDefaults
from components.common.generation import GenerationRequest, RowState, SamplingParams, find_stop, held_back
from serving.schemas import ApiError, ChatCompletionRequest, sse, to_sampling_params
from serving.security import api_key_accepted, parse_chat_request
from serving.settings import ServingSettings

ASK = [{"role": "user", "content": "hi"}]


def request(**fields) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"model": "m", "messages": ASK, **fields})


def test_request_accepts_openai_shapes():
    req = request(
        stop="END",
        messages=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        ],
    )
    assert req.stop == ["END"]
    assert [m.as_template_message() for m in req.messages] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "ab"},
    ]
    assert request(max_completion_tokens=7, max_tokens=99).requested_max_tokens == 7


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"n": 2}, "n"),
        ({"top_logprobs": 2}, "top_logprobs requires logprobs"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"tools": [{"type": "function"}]}, "tools"),
        ({"temperature": -0.1}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"messages": []}, "messages"),
    ],
)
def test_request_rejects_what_it_cannot_honour(fields, field):
    with pytest.raises(ValidationError, match=field):
        request(**fields)


def version(defaults: GenerationDefaults, min_new_tokens: int = 0) -> SimpleNamespace:
    """What to_sampling_params reads of the answering ChatModel."""
    return SimpleNamespace(defaults=defaults, min_new_tokens=min_new_tokens)


def test_version_defaults_apply_unless_the_request_overrides():
    defaults = version(GenerationDefaults(max_new_tokens=40, repetition_penalty=1.2))
    plain = to_sampling_params(request(), defaults, max_tokens_limit=512)
    assert (plain.max_new_tokens, plain.do_sample, plain.repetition_penalty) == (40, False, 1.2)
    capped = to_sampling_params(request(), defaults, max_tokens_limit=32)
    assert capped.max_new_tokens == 32
    hot = to_sampling_params(request(temperature=0.7, top_p=0.9, seed=3, max_tokens=8), defaults, 512)
    assert (hot.do_sample, hot.temperature, hot.top_p, hot.seed, hot.max_new_tokens) == (True, 0.7, 0.9, 3, 8)
    sampling_version = version(GenerationDefaults(do_sample=True, temperature=0.5))
    assert to_sampling_params(request(temperature=0), sampling_version, 512).do_sample is False
    pinned = to_sampling_params(request(max_tokens=10), version(defaults.defaults, 32), max_tokens_limit=512)
    assert pinned.min_new_tokens == 10  # never more than max


def test_api_keys_come_from_a_comma_separated_env_and_compare_exactly(monkeypatch):
    monkeypatch.setenv("TUNELINE_API_KEYS", " key-a, key-b ,")
    keys = ServingSettings().api_keys
    assert keys == ["key-a", "key-b"]
    assert "key-a" not in repr(ServingSettings())
    assert api_key_accepted("Bearer key-b", keys) and api_key_accepted("bearer key-a", keys)
    for header in (None, "", "Bearer", "Bearer key-c", "Basic key-a", "Bearer key-a2", "key-a"):
        assert not api_key_accepted(header, keys), header
    assert api_key_accepted(None, [])  # no keys configured: open (the default binds 127.0.0.1 only)


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        (b"{not json", 400, None),
        (b"[1, 2]", 400, None),
        (json.dumps({"model": "m", "messages": ASK, "temperature": "hot"}).encode(), 422, "temperature"),
        (json.dumps({"messages": ASK}).encode(), 422, "model"),
    ],
)
def test_malformed_bodies_become_client_errors_naming_the_field(body, status, param):
    with pytest.raises(ApiError) as err:
        parse_chat_request(body)
    assert err.value.status == status and err.value.param == param
    assert err.value.body()["error"]["message"]


def test_stop_search_and_hold_back():
    assert find_stop("hello world", ["wor", "lo"]) == 3
    assert find_stop("hello", ["x"]) is None
    assert held_back("answer: E", ["END"]) == 1
    assert held_back("answer: EN", ["END", "NEXT"]) == 2
    assert held_back("answer", ["END"]) == 0


PIECES = {0: "<end>", 1: "Hel", 2: "lo", 3: " wo", 4: "rld", 5: "\ufffd", 6: "é", 7: "ST", 8: "OP"}


class FakeTokenizer:
    """Each id decodes to a fixed piece; id 0 ends the turn."""

    def decode(self, ids, skip_special_tokens=True):
        text = "".join(PIECES[i] for i in ids if not (skip_special_tokens and i == 0))
        return text.replace("\ufffdé", "é")  # id 5 then 6: one character split over two tokens

    def convert_ids_to_tokens(self, token_id):
        return PIECES[token_id]


def decode_stream(tokens, **params):
    events = []
    request = GenerationRequest(
        [9], SamplingParams(**{"max_new_tokens": 10, **params}), on_event=events.append
    )
    state = RowState(request, FakeTokenizer(), {0})
    for token in tokens:
        state.push(token)
        if state.finished:
            break
    assert state.completion().text == "".join(e.text for e in events)  # what evaluation records = the stream
    return [e.text for e in events], events[-1].finish_reason if events else None


def test_streamed_text_is_whole_characters_and_never_leaks_a_stop_sequence():
    assert decode_stream([1, 2, 3, 4, 0]) == (["Hel", "lo", " wo", "rld", ""], "stop")
    assert decode_stream([1, 5, 6, 0])[0] == ["Hel", "é", ""]  # half a character is held, not sent
    deltas, reason = decode_stream([1, 2, 7, 8, 3], stop=("STOP",))
    assert "".join(deltas) == "Hello" and reason == "stop" and not any("S" in d for d in deltas)
    assert decode_stream([1, 2, 3], max_new_tokens=3) == (["Hel", "lo", " wo"], "length")


def test_sse_lines():
    assert sse("[DONE]") == b"data: [DONE]\n\n"
    assert json.loads(sse({"a": 1}).decode()[len("data: ") :]) == {"a": 1}

"""The MLflow signature of tuneline's pyfunc flavors: chat conversations in, one answer each, generation params.

    mlflow.pyfunc.log_model(..., input_example=input_example(record.generation))
    def predict(self, context, model_input: list[Conversation], params=None) -> list[str]:
        chat.generate(conversations_from(model_input), **generation_settings(params))

MLflow infers the input and output schema from the type hints on a flavor's `predict` (the adapter version's
components/register/flavor.py, the GGUF export's components/export_gguf/flavor.py), and the params schema,
with defaults, from the input example's params: the version's own generation defaults, so a caller who
leaves a setting out gets what evaluation and `tuneline serve` use.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

UNSEEDED = -1  # params default for `seed` (a params schema needs a value): sample without a fixed seed
NO_STOP = [""]  # params default for `stop` (an empty list has no type to infer): no stop sequence


class Message(BaseModel):
    role: str = "user"
    content: str


class Conversation(BaseModel):
    messages: list[Message]


def example_params(generation: dict[str, Any]) -> dict[str, Any]:
    """The params an input example carries, i.e. the signature's params schema and its defaults: the
    version's generation defaults (`generation` as in tuneline_adapter.json) for every setting."""
    from components.common.chat_model import GenerationDefaults

    defaults = GenerationDefaults().merged(**generation)
    return {
        "max_new_tokens": int(defaults.max_new_tokens),
        "min_new_tokens": int(generation.get("min_new_tokens", 0)),
        "do_sample": bool(defaults.do_sample),
        "temperature": float(defaults.temperature),
        "top_p": float(defaults.top_p),
        "repetition_penalty": float(defaults.repetition_penalty),
        "seed": UNSEEDED,
        "stop": NO_STOP,
    }


def input_example(generation: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
    """(inputs, params) for `log_model(input_example=...)`: MLflow keeps it beside the model, runs it once to
    check the output against the type hints (one answer at the version's settings), and takes the params
    schema from it: the example's params are the schema's defaults."""
    question = {"role": "user", "content": "How do I export a page?"}
    return [{"messages": [question]}], example_params(generation)


def generation_settings(params: dict[str, Any] | None) -> dict[str, Any]:
    """pyfunc params -> ChatModel.generate settings (the schema's placeholders for "no seed", "no stop" dropped)."""
    settings = dict(params or {})
    if settings.get("seed") == UNSEEDED:
        settings.pop("seed")
    settings["stop"] = [s for s in settings.get("stop") or () if s]
    return settings


def conversations_from(model_input: Any) -> list[list[dict[str, str]]]:
    """Accept a list of {"messages": [...]} (dicts or `Conversation`s), a list of message lists, or a DataFrame
    with a `messages` column (a message without a role is a user turn); each conversation is checked like
    every other in tuneline."""
    from components.common.messages import parse_messages

    if hasattr(model_input, "to_dict"):  # pandas DataFrame
        model_input = model_input.to_dict(orient="records")
    if isinstance(model_input, dict | BaseModel):
        model_input = [model_input]
    conversations = []
    for index, item in enumerate(model_input):
        item = item.model_dump() if isinstance(item, BaseModel) else item
        messages = item.get("messages") if isinstance(item, dict) else item
        if isinstance(messages, list):
            messages = [{"role": "user", **m} if isinstance(m, dict) else m for m in messages]
        conversations.append(parse_messages(messages, f"input {index}", "messages"))
    return conversations

"""The registered version's MLflow signature: chat conversations in, one answer each, generation params.

    mlflow.pyfunc.log_model(..., input_example=input_example(record.generation))

MLflow infers the input and output schema from the type hints on `AdapterChatModel.predict` (flavor.py),
and the params schema, with defaults, from the input example's params: the version's own generation
defaults, so a caller who leaves a setting out gets what evaluation and `tuneline serve` use.
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

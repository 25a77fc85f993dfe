"""The adapter-only pyfunc flavor, logged as *model from code* (this file is the model; nothing is pickled).

A registered version holds `artifacts/adapter/` (LoRA safetensors, tokenizer, tuneline_adapter.json with the
system prompt and generation defaults) and `artifacts/base_ref.json` (the base's content hash, its spec and
its own registered version). Loading resolves the base locally when a source with that exact hash exists,
otherwise it fetches the registered base version (`registry_io.base_from_ref`, the loader tuneline itself uses
through `ChatModel.load("models:/...")`); the base is never copied into an adapter version.

    model = mlflow.pyfunc.load_model("models:/tuneline-assistant@champion")
    model.predict([{"messages": [{"role": "user", "content": "How do I export a page?"}]}],
                  params={"max_new_tokens": 64, "temperature": 0.7, "do_sample": True, "seed": 1})
    # -> ["Open the page menu ..."]

    mlflow models serve -m models:/tuneline-assistant@champion --env-manager local -p 5001
    curl 127.0.0.1:5001/invocations -H 'content-type: application/json' \
      -d '{"inputs": [{"messages": [{"role": "user", "content": "Hi"}]}], "params": {"max_new_tokens": 16}}'

The version's signature: input a list of conversations ({"messages": [{"role", "content"}, ...]}, from the
type hints on `predict`), output one answer each, and params = the generation settings with the version's
own defaults (components/register/signature.py): what a caller leaves out is what evaluation and `tuneline serve` use. The
version loads merged, as `tuneline serve` serves one version, so the same batch gives the same bytes (the
serving parity test checks predict and `mlflow models serve` against the evaluation report).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel
from pydantic import BaseModel

from components.register.signature import UNSEEDED, Conversation


def conversations_from(model_input: Any) -> list[list[dict[str, str]]]:
    """Accept a list of {"messages": [...]}, a list of message lists, or a DataFrame with a `messages` column
    (a message without a role is a user turn); each conversation is checked like every other in tuneline."""
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


class AdapterChatModel(PythonModel):
    """pyfunc wrapper around ChatModel: base by reference + adapter from the version's artifacts."""

    def load_context(self, context) -> None:
        from components.common.chat_model import ChatModel
        from components.common.registry_io import base_from_ref

        if "adapter" not in context.artifacts:  # a registered base version: the base alone is the model
            self.chat = ChatModel.load(context.artifacts["base"])
            return
        ref = json.loads(Path(context.artifacts["base_ref"]).read_text())
        self.chat = ChatModel.load(context.artifacts["adapter"], base_override=base_from_ref(ref), merge=True)

    def predict(
        self, context, model_input: list[Conversation], params: dict[str, Any] | None = None
    ) -> list[str]:
        """One answer per conversation, the batch decoded together (as evaluation and serving decode it)."""
        settings = dict(params or {})
        if settings.get("seed") == UNSEEDED:
            settings.pop("seed")
        settings["stop"] = [s for s in settings.get("stop") or () if s]
        completions = self.chat.generate(conversations_from(model_input), **settings)
        return [c.text for c in completions]


mlflow.models.set_model(AdapterChatModel())

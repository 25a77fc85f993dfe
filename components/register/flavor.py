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
own defaults (components/common/pyfunc_signature.py): what a caller leaves out is what evaluation and
`tuneline serve` use. The version loads merged, as `tuneline serve` serves one version, so the same batch
gives the same bytes (the serving parity test checks predict and `mlflow models serve` against the
evaluation report).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel

from components.common.pyfunc_signature import Conversation, conversations_from, generation_settings


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
        completions = self.chat.generate(conversations_from(model_input), **generation_settings(params))
        return [c.text for c in completions]


mlflow.models.set_model(AdapterChatModel())

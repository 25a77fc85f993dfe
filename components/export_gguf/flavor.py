"""The GGUF export pyfunc flavor, logged as *model from code* (this file is the model; nothing is pickled).

A registered export holds `artifacts/gguf/<file>.gguf`: weights with the adapter merged in, tokenizer, chat
template, and the version's system prompt and generation defaults in the file's metadata. llama.cpp serves
the file directly (`llama-server -m <file>`); this flavor lets MLflow load it too, through transformers:

    model = mlflow.pyfunc.load_model("models:/tuneline-assistant-gguf/2")
    model.predict([{"messages": [{"role": "user", "content": "How do I export a page?"}]}])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel

from components.common.pyfunc_signature import conversations_from, generation_settings


class GgufChatModel(PythonModel):
    def load_context(self, context) -> None:
        from components.common.hashing import file_sha256
        from components.export_gguf.engines import gguf_chat, load_gguf_model
        from components.export_gguf.metadata import read_metadata

        path = Path(context.artifacts["gguf"])
        model, tokenizer, _ = load_gguf_model(path)
        self.chat = gguf_chat(path, read_metadata(path), file_sha256(path), model, tokenizer)

    def predict(self, context, model_input, params: dict[str, Any] | None = None) -> list[str]:
        """One answer per conversation, at the file's own generation defaults. No signature (so no params and
        no type hints) on purpose: MLflow would run the input example through a GGUF load at every export's
        registration; the adapter version's flavor has the signature (components/register/flavor.py)."""
        completions = self.chat.generate(conversations_from(model_input), **generation_settings(params))
        return [c.text for c in completions]


mlflow.models.set_model(GgufChatModel())

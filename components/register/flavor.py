"""The adapter-only pyfunc flavor, logged as *model from code* (this file is the model; nothing is pickled).

A registered version holds `artifacts/adapter/` (LoRA safetensors, tokenizer, tuneline_adapter.json with the
system prompt and generation defaults) and `artifacts/base_ref.json` (the base's content hash, its spec and
its own registered version). Loading resolves the base locally when a source with that exact hash exists,
otherwise it fetches the registered base version; the base is never copied into an adapter version.

    model = mlflow.pyfunc.load_model("models:/tuneline-assistant@champion")
    model.predict([{"messages": [{"role": "user", "content": "How do I export a page?"}]}])
    # -> ["Open the page menu ..."]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel


def load_base_from_ref(ref: dict[str, Any]):
    """The base an adapter version was trained on: local source if its hash matches, else the registry's."""
    from components.common.base_model import BaseModelError, resolve_base_model
    from components.common.chat_model import ModelLoadError
    from components.common.registry_io import download_artifact_folder

    try:
        local = resolve_base_model(ref["spec"])
        if local.sha256 == ref["sha256"]:
            return local
    except BaseModelError:
        pass  # not on this machine: fetch the registered base below
    if not ref.get("uri"):
        raise ModelLoadError(
            f"base {ref['spec']!r} (sha256 {ref['sha256'][:16]}...) is not available locally"
        )
    base = resolve_base_model(str(download_artifact_folder(ref["uri"], "base")))  # a .gguf file or a folder
    if base.sha256 != ref["sha256"]:
        raise ModelLoadError(
            f"registered base {ref['uri']} has sha256 {base.sha256[:16]}..., expected {ref['sha256'][:16]}..."
        )
    return base


def fetch_registered_version(model_uri: str) -> tuple[Path, dict[str, Any]]:
    """A version's local adapter folder and its base reference ({spec, sha256, uri})."""
    from components.common.registry_io import download_artifact_folder, download_version

    adapter_dir = download_version(model_uri)
    return adapter_dir, json.loads(download_artifact_folder(model_uri, "base_ref").read_text())


def load_registered_version(model_uri: str, merge: bool = False):
    """A registered adapter version as serving loads it: the adapter from the registry, the base by reference."""
    from components.common.chat_model import ChatModel

    adapter_dir, base_ref = fetch_registered_version(model_uri)
    return ChatModel.load(adapter_dir, base_override=load_base_from_ref(base_ref), merge=merge)


def conversations_from(model_input: Any) -> list[list[dict[str, str]]]:
    """Accept a list of {"messages": [...]}, a list of message lists, or a DataFrame with a `messages` column."""
    if hasattr(model_input, "to_dict"):  # pandas DataFrame
        model_input = model_input.to_dict(orient="records")
    if isinstance(model_input, dict):
        model_input = [model_input]
    conversations = []
    for item in model_input:
        messages = item.get("messages") if isinstance(item, dict) else item
        if not isinstance(messages, list) or not all(
            isinstance(m, dict) and "content" in m for m in messages
        ):
            raise ValueError("each input must be a list of chat messages or {'messages': [...]} ")
        conversations.append([{"role": m.get("role", "user"), "content": m["content"]} for m in messages])
    return conversations


class AdapterChatModel(PythonModel):
    """pyfunc wrapper around ChatModel: base by reference + adapter from the version's artifacts."""

    def load_context(self, context) -> None:
        from components.common.chat_model import ChatModel

        if "adapter" not in context.artifacts:  # a registered base version: the base alone is the model
            self.chat = ChatModel.load(context.artifacts["base"])
            return
        ref = json.loads(Path(context.artifacts["base_ref"]).read_text())
        self.chat = ChatModel.load(context.artifacts["adapter"], base_override=load_base_from_ref(ref))

    def predict(self, context, model_input, params: dict[str, Any] | None = None) -> list[str]:
        completions = self.chat.generate(conversations_from(model_input), **(params or {}))
        return [c.text for c in completions]


mlflow.models.set_model(AdapterChatModel())

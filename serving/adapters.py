"""Several registry versions over one base in memory: one PeftModel, one named LoRA adapter per version.

    host = find_host(manager.served.values(), base_sha256)        # a served version over that base, or None
    served = attach_version(host, ref, "challenger", adapter_dir)  # its adapter, loaded beside the others
    release(old, still_served)                                     # retire; drop the adapter once unused

Used while routing is on, and when several registered models are served (serving/model_set.py): a champion
and its challenger, or two products' assistants, usually differ only in their LoRA adapter, so the base is
held once and a batch names each row's adapter (adapters stay unmerged; a batch of several adapters runs
them as one stacked adapter masked per row: components/common/row_adapters.py).
Adapters are loaded and deleted under the lock the versions share, so never during a batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from components.common.chat_model import AdapterRecord, ChatModel, adapter_base
from components.common.registry_io import VersionRef
from serving.served import ServedModel


def adapter_id(ref: VersionRef) -> str:
    """The PeftModel adapter name of a version: unique across the registered models sharing one base."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{ref.name}-v{ref.version}")


def find_host(served: Iterable[ServedModel], base_sha256: str) -> ServedModel | None:
    """A served version whose model is an unmerged PeftModel over that base (it can take another adapter)."""
    return next(
        (s for s in served if s.adapter_name and not s.retired and s.chat.base.sha256 == base_sha256), None
    )


def attach_version(host: ServedModel, ref: VersionRef, alias: str, adapter_dir: Path) -> ServedModel:
    """Load `ref`'s adapter into `host`'s PeftModel as adapter `<name>-v<version>`; the base is not loaded again."""
    from transformers import AutoTokenizer

    record = AdapterRecord.read(adapter_dir)
    base = adapter_base(record, ref.uri, host.chat.base)
    name, model = adapter_id(ref), host.chat.model
    with host.lock:
        try:
            model.load_adapter(str(adapter_dir), adapter_name=name)
        except Exception:  # peft adds the adapter's layers before loading its weights: take them out again
            if name in model.peft_config:
                model.delete_adapter(name)
            raise
    tokenizer_dir = adapter_dir if (adapter_dir / "tokenizer_config.json").is_file() else base.path
    chat = ChatModel(model, AutoTokenizer.from_pretrained(tokenizer_dir), base, adapter_dir, record)
    return ServedModel(chat, ref, alias, adapter_name=name, lock=host.lock)


def release(old: ServedModel, still_served: Iterable[ServedModel]) -> None:
    """Retire a replaced version; delete its adapter if its model lives on and no served version uses it.

    A batch that picked `old` before the swap either already runs (the lock waits for it) or finds it
    retired and picks again; requests already in its continuous batch finish there. When no served version
    uses the model any more, dropping references frees it.
    """
    users = [s for s in still_served if s.chat.model is old.chat.model]
    with old.lock:
        old.retired = True
        if old.adapter_name and users and all(s.adapter_name != old.adapter_name for s in users):
            old.chat.model.delete_adapter(old.adapter_name)
    if not users:
        old.chat.close()  # continuous batching: its requests in flight finish, then its thread stops

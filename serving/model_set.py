"""Several registered models over one base in one server: one ModelManager (and alias controller) per model.

    models = ModelSet(settings, metrics, ["tuneline-assistant", "parcelpoint-assistant"])
    models.member("parcelpoint-assistant").current.version   # that model's champion
    models.get("challenger", model="parcelpoint-assistant")  # what the batcher asks for a row

Each registered model keeps its own aliases (champion, challenger), controller, hot swap, canary and shadow:
its manager is the single-model ModelManager with the registered name swapped in. What they share: every
version is an unmerged LoRA adapter, and a version whose base another served version already holds is added
to that version's PeftModel, so the base is in memory once and the batcher decodes rows of different models
in one forward pass (each row names its adapter). Loads take one lock, so two controllers starting together
do not both load the base. The first model is the primary: the one a request without a routing policy gets,
and the one /ready reports first. Chosen by name (the OpenAI `model` field) or by the context router
(serving/context_router.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

from components.common.registry_io import VersionRef
from serving.controller import CheckResult
from serving.metrics import ServingMetrics
from serving.model import ModelManager
from serving.served import ServedModel
from serving.settings import ServingSettings


class ModelSet:
    """The ModelManager interface the app uses, over one manager per registered model."""

    def __init__(self, settings: ServingSettings, metrics: ServingMetrics, names: list[str]):
        self.settings, self.metrics = settings, metrics
        lock = threading.Lock()
        self.managers = {
            name: ModelManager(
                settings.model_copy(update={"registered_model_name": name}), metrics, self.all_served, lock
            )
            for name in dict.fromkeys(names)
        }
        self.primary = next(iter(self.managers.values()))
        self.aliases = self.primary.aliases

    def all_served(self) -> list[ServedModel]:
        return [s for m in self.managers.values() for s in m.served.values()]

    @property
    def members(self) -> list[ModelManager]:
        return list(self.managers.values())

    def member(self, name: str) -> ModelManager | None:
        return self.managers.get(name)

    @property
    def served(self) -> dict[str, ServedModel]:
        return self.primary.served

    @property
    def current(self) -> ServedModel | None:
        return self.primary.current

    @property
    def challenger(self) -> ServedModel | None:
        return self.primary.challenger

    @property
    def ready(self) -> bool:
        """Every model's champion is loaded and every alias was tried once."""
        return all(m.ready for m in self.managers.values())

    def champion_version(self, name: str) -> str | None:
        """The version answering for `name`'s served alias now (None: not loaded, or not served here)."""
        manager = self.managers.get(name)
        served = manager.current if manager is not None else None
        return served.version if served is not None else None

    def get(self, alias: str, model: str | None = None) -> ServedModel | None:
        manager = self.managers.get(model) if model else self.primary
        return manager.get(alias) if manager is not None else None

    def start(self) -> None:
        for manager in self.managers.values():
            manager.start()

    def stop(self) -> None:
        for manager in self.managers.values():
            manager.stop()

    def check(self, force: bool = False) -> CheckResult:
        """The primary's result; the other models' aliases in `.others`, named `<model>@<alias>`."""
        primary, *rest = [m.check(force) for m in self.managers.values()]
        for manager, result in zip(self.members[1:], rest, strict=True):
            for each in (result, *result.others):
                each.alias = f"{manager.settings.registered_model_name}@{each.alias}"
                primary.others.append(each)
            result.others = []
        return primary

    def owner(self, name: str) -> ModelManager:
        """The manager serving the adapter name (model id) `name`; KeyError listing what is served."""
        for manager in self.managers.values():
            try:
                manager.alias_of(name)
            except KeyError:
                continue
            return manager
        served = ", ".join(sorted(n for m in self.managers.values() for n in m.loaded_names()))
        raise KeyError(f"adapter name {name!r} is not served here; this server serves {served}")

    def alias_of(self, name: str) -> str:
        return self.owner(name).alias_of(name)

    def is_loaded(self, name: str) -> bool:
        return self.owner(name).is_loaded(name)

    def load_adapter(self, name: str, path: Path, ref: VersionRef) -> None:
        self.owner(name).load_adapter(name, path, ref)

    def unload_adapter(self, name: str) -> None:
        self.owner(name).unload_adapter(name)

    def loaded_names(self) -> set[str]:
        return {n for m in self.managers.values() for n in m.loaded_names()}

"""Each row of a batch answers with its own LoRA adapter of one unmerged PeftModel (a canary batch).

    with row_adapters(model, ["champion-v3", "challenger-v4", "__base__", ...]):   # one name per row
        model.generate(**batch)

One adapter for every row: that adapter is active alone, peft's plain LoRA forward. Rows that differ: the
batch's adapters run as one *stacked* adapter per LoRA layer, built once per set of adapters and kept:

    A = [A_1; A_2]      (r_1 + r_2, in)      the adapters' down-projections, one above the other
    B = [B_1 | B_2]     (out, r_1 + r_2)     their up-projections, side by side
    result = base(x) + B((A x) * mask) * scale

where `mask` (batch, 1, r_1 + r_2) is 1 on the rank slots of the row's own adapter and 0 elsewhere, and
`scale` (batch, 1, 1) is the row's adapter's alpha / r. A row's output is then B_k (A_k x) * s_k, plus exact
zeros: bit for bit what a batch of that adapter alone gives (the parity tests check it over HTTP; the
adapter slots are separate outputs of A, and B sums the other slots' zeros). peft's own per-row route
(`generate(adapter_names=...)`) gathers and scatters each adapter's rows in every layer at every step, and
keeping every adapter active with a per-row 0/1 scale runs each adapter over every row; the stack runs
one LoRA's worth of operations, as many as one adapter alone (`python bench/lora_mixing.py`).

The stack holds a copy of its adapters' LoRA weights (megabytes). It is rebuilt when one of them is deleted
or loaded again, and a stack whose adapter is gone is dropped at the next mixed batch. Callers decode one batch at
a time per model (serving holds the versions' lock), since the active adapter is model state.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

_STACKS: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], _Stack]] = weakref.WeakKeyDictionary()
STACK = "tuneline-rows"  # the stacked adapter's name in each LoRA layer, during a mixed batch only
MAX_STACKS = 4  # stacks kept per model (each holds a copy of its adapters' LoRA weights)


@dataclass
class _Stack:
    """The stacked adapter of some adapters: per LoRA layer its modules, and the mask of each layer layout."""

    anchors: list[tuple[Any, str, Any]] = field(default_factory=list)  # (layer, member, its lora_A)
    layers: list[tuple[Any, Any, Any]] = field(default_factory=list)  # (LoRA layer, stacked A, stacked B)
    idle: list[Any] = field(default_factory=list)  # LoRA layers none of the members adapts: no adapter runs
    layouts: dict[tuple, Any] = field(default_factory=dict)  # ((member, r), ...) -> its RowMask

    def current(self) -> bool:
        """False once a member was deleted or loaded again (its lora_A module is another one)."""
        return all(
            member in layer.lora_A and layer.lora_A[member] is module
            for layer, member, module in self.anchors
        )


@cache
def _classes():
    import torch
    import torch.nn.functional as F

    class RowMask:
        """The (batch, 1, rank) 0/1 mask shared by the stacked layers of one layout; set per batch."""

        def __init__(self):
            self.mask = None

    class MaskedLinear(torch.nn.Linear):
        """A stacked down-projection: each row keeps only its own adapter's rank slots."""

        def __init__(self, weight, rows: RowMask | None = None):
            super().__init__(weight.shape[1], weight.shape[0], bias=False, device="meta")
            self.weight = torch.nn.Parameter(weight, requires_grad=False)
            self.rows = rows

        def forward(self, x):
            out = F.linear(x, self.weight)
            return out if self.rows is None else out * self.rows.mask

    return RowMask, MaskedLinear


def _build(model, members: tuple[str, ...]) -> _Stack:
    import torch
    from peft.tuners.lora import LoraLayer

    RowMask, MaskedLinear = _classes()
    stack, anchored = _Stack(), set()
    for layer in (m for m in model.modules() if isinstance(m, LoraLayer)):
        here = [m for m in members if m in layer.lora_A]
        if not here:  # another adapter (the active one, say) may adapt it: none may run in this batch
            stack.idle.append(layer)
            continue
        variant = [m for m in here if m in getattr(layer, "lora_variant", {}) or layer.use_dora.get(m)]
        if (
            variant
            or set(members) & set(layer.lora_embedding_A)
            or not all(type(layer.lora_A[m]) is torch.nn.Linear for m in here)
        ):
            raise ValueError(
                f"adapters {list(here)} cannot share a batch: mixed batches take plain LoRA on linear "
                "layers (no DoRA or other variant); serve these versions one at a time"
            )
        for m in set(here) - anchored:
            stack.anchors.append((layer, m, layer.lora_A[m]))
            anchored.add(m)
        layout = tuple((m, layer.r[m]) for m in here)
        rows = stack.layouts.setdefault(layout, RowMask())
        up = torch.cat([layer.lora_B[m].weight for m in here], dim=1)
        down = MaskedLinear(torch.cat([layer.lora_A[m].weight for m in here], dim=0), rows)
        stack.layers.append((layer, down, MaskedLinear(up)))
    return stack


def _stack_for(model, members: tuple[str, ...]) -> _Stack:
    """The model's stack of these adapters, built on first use. Stacks of a deleted adapter are dropped, and
    at most MAX_STACKS are kept (the least recently used goes: many served models mix in many ways)."""
    stacks = _STACKS.setdefault(model, {})
    for key in [k for k, s in stacks.items() if not s.current()]:
        del stacks[key]
    stack = stacks.pop(members, None) or _build(model, members)
    while len(stacks) >= MAX_STACKS:
        del stacks[next(iter(stacks))]
    stacks[members] = stack  # last = most recently used
    return stack


def _masks(stack: _Stack, names: list[str], like) -> None:
    import torch

    for layout, rows in stack.layouts.items():
        slots = [[float(n == m) for m, r in layout for _ in range(r)] for n in names]
        rows.mask = torch.tensor(slots, dtype=like.dtype).to(like.device).unsqueeze(1)


@contextmanager
def row_adapters(model, names: list[str]) -> Iterator[None]:
    """Row i answers with adapter `names[i]` (peft's "__base__", or any name the model lacks: no adapter).

    Restores the model's active adapter after; a mixed batch's stacked adapter exists only during it."""
    import torch

    previous = model.active_adapter
    unique = tuple(sorted(set(names) & set(model.peft_config)))
    if not unique:
        with model.disable_adapter():
            yield
        return
    if set(names) == {unique[0]}:  # one adapter for every row: peft's plain forward
        model.base_model.set_adapter(list(unique), inference_mode=True)
        try:
            yield
        finally:
            model.base_model.set_adapter(previous, inference_mode=True)
        return
    stack = _stack_for(model, unique)
    like = next(model.parameters())
    _masks(stack, names, like)
    scales: dict[tuple[float, ...], Any] = {}  # per-row alpha / r, one tensor per distinct column
    identity = torch.nn.Identity()  # the stack's dropout (none at inference)
    try:
        for layer, down, up in stack.layers:
            column = tuple(float(layer.scaling.get(n, 0.0)) for n in names)
            if column not in scales:
                scales[column] = torch.tensor(column, dtype=like.dtype).to(like.device).view(-1, 1, 1)
            layer.lora_A[STACK], layer.lora_B[STACK] = down, up
            layer.lora_dropout[STACK] = identity
            layer.scaling[STACK] = scales[column]
            layer.set_adapter([STACK], inference_mode=True)
        for layer in stack.idle:
            layer.set_adapter([STACK], inference_mode=True)  # a name it lacks: peft's forward adds nothing
        yield
    finally:
        for layer, *_ in stack.layers:
            for attr in ("lora_A", "lora_B", "lora_dropout", "scaling"):
                if STACK in getattr(layer, attr):
                    del getattr(layer, attr)[STACK]
        for rows in stack.layouts.values():
            rows.mask = None
        model.base_model.set_adapter(previous, inference_mode=True)

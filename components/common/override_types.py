"""Typed `key=value` overrides: an override's text is converted by the type of the field it sets.

    field_type(FinetuneConfig, ["trainer", "eval_strategy"])   # TRL's own annotation for trainer.* keys
    typed_value("trainer.eval_strategy=no", "no", that_type)   # -> "no", not YAML 1.1's False

`name=no` stays the string "no" for a str field, `packing=no` is False for a bool, `null` is None only where the
field is Optional, and `[a, b]` / `{k: v}` are read as YAML element by element by type; only fields typed `Any`
(or unknown keys) take the whole value as YAML. Used by `components.common.config.load_config`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import importlib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError


class OverrideValueError(ValueError):
    """An override's value does not fit its field's type; the message is one line naming key, value and type."""


@dataclasses.dataclass(frozen=True)
class TrlFields:
    """Marks a `dict` field as holding a TRL config dataclass's fields (`Annotated[dict[str, Any],
    TrlFields("trl:SFTConfig")]`), so `trainer.x=v` gets the type TRL declares for `x`. The class is named as
    "module:Class" or by a function returning it, imported only when needed (importing TRL is slow)."""

    config_class: str | Callable[[], type]

    def load(self) -> type:
        """The TRL config dataclass."""
        if callable(self.config_class):
            return self.config_class()
        module, _, name = self.config_class.partition(":")
        return getattr(importlib.import_module(module), name)

    def field_type(self, name: str) -> Any:
        """The annotation of the TRL class's field `name` (`_UNKNOWN` for a key TRL does not have)."""
        cls = self.load()
        if name not in {f.name for f in dataclasses.fields(cls) if f.init}:
            return _UNKNOWN
        hint = typing.get_type_hints(cls)[name]
        # TRL takes one value for a list field itself (DPOConfig.loss_type=ipo means [ipo]): kept as given
        return hint | typing.get_args(hint)[0] if typing.get_origin(hint) is list else hint


_UNKNOWN = object()  # a key no field declares: its value is read as YAML and validation names the key
_WORDS = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


class _Mismatch(Exception):
    """A value (`args[1]`, as written) that is not of the type (`args[0]`) its field declares."""


def _members(tp: Any) -> tuple[list[Any], bool]:
    """The types of a union (one for a plain type), `Annotated` unwrapped, and whether None is allowed."""
    tp = _unannotated(tp)
    args = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    return [_unannotated(a) for a in args if a is not type(None)], type(None) in args


def _unannotated(tp: Any) -> Any:
    return typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, TrlFields) or (isinstance(tp, type) and issubclass(tp, BaseModel))


def _container(tp: Any) -> type | None:
    """dict for mappings, models and TRL sections; list for lists, tuples and sets; None for scalars."""
    origin = dict if _is_model(tp) else typing.get_origin(tp) or tp
    if not isinstance(origin, type) or issubclass(origin, (str, bytes)):
        return None
    if issubclass(origin, Mapping):
        return dict
    return list if issubclass(origin, Sequence | AbstractSet) else None


def field_type(tp: Any, parts: list[str]) -> Any:
    """The type of the field a dotted key (`parts`) reaches from config model `tp` (`_UNKNOWN`: none does)."""
    for part in parts:
        tp = next((_child_type(m, part) for m in _members(tp)[0] if _container(m) is dict), _UNKNOWN)
    return tp


def _child_type(tp: Any, part: str) -> Any:
    if isinstance(tp, TrlFields):
        return tp.field_type(part)
    if not _is_model(tp):
        return (typing.get_args(tp) or (Any, Any))[-1]
    field = tp.model_fields.get(part)
    if field is None:
        return _UNKNOWN
    return next((m for m in field.metadata if isinstance(m, TrlFields)), field.annotation)


def _adapter(tp: Any) -> TypeAdapter | None:
    try:
        return TypeAdapter(tp)
    except Exception:  # pydantic raises several kinds of error for a type it cannot check
        return None


def _is_any(tp: Any) -> bool:
    """No type to convert by: an unknown key, `Any`, or a type pydantic cannot check (an arbitrary class)."""
    members = _members(tp)[0]
    if tp is _UNKNOWN or any(m in (Any, object) for m in members):
        return True
    return not any(_is_model(m) for m in members) and _adapter(tp) is None


def typed_value(item: str, raw: str, tp: Any) -> Any:
    """Convert an override's text by its field's type; a value that does not fit is a one-line error."""
    if _is_any(tp):
        return yaml_value(item, raw)
    try:
        if raw.lstrip()[:1] in ("[", "{") and any(_container(m) for m in _members(tp)[0]):
            try:
                node = yaml.compose(raw, Loader=yaml.SafeLoader)
            except yaml.YAMLError as exc:
                raise OverrideValueError(f"override {item!r}: value is not valid YAML ({exc})") from exc
            return _from_node(node, tp)
        return _from_text(raw, tp)
    except _Mismatch as bad:
        expected, written = bad.args
        raise OverrideValueError(
            f"override {item}: expected {describe_type(expected)}, got {written!r}"
        ) from None


def _from_text(text: str, tp: Any) -> Any:
    """A scalar's text as `tp`: None only where allowed, the text as written where a string is allowed."""
    members, optional = _members(tp)
    if optional and text.strip().lower() in ("null", "none", "~"):
        return None
    if str in members:
        return _number_or_bool(text, members) if any(m in (int, float, bool) for m in members) else text
    try:
        return _adapter(tp).validate_python(text)
    except ValidationError:
        raise _Mismatch(tp, text) from None


def _number_or_bool(text: str, members: list[Any]) -> Any:
    """In a union with str (`int | str`), only true/false, integers and decimals are not left as the string."""
    word = text.strip().lower()
    candidates: list[Any] = [word == "true"] if word in ("true", "false") else []
    with contextlib.suppress(ValueError):
        candidates.append(int(word) if word.lstrip("+-").isdigit() else float(word))
    for value in candidates:
        for adapter in filter(None, (_adapter(m) for m in members if m is not str)):
            with contextlib.suppress(ValidationError):
                return adapter.validate_python(value, strict=True)
    return text


def _from_node(node: yaml.Node, tp: Any) -> Any:
    """A parsed YAML list/mapping converted element by element by the container's own types."""
    members = _members(tp)[0]
    if _is_any(tp):
        return yaml.SafeLoader("").construct_document(node)
    if isinstance(node, yaml.ScalarNode):
        quoted = node.style in ("'", '"') and str in members
        return node.value if quoted else _from_text(node.value, tp)
    kind = list if isinstance(node, yaml.SequenceNode) else dict
    member = next((m for m in members if _container(m) is kind), None)
    if member is None:
        raise _Mismatch(tp, yaml.serialize(node).strip())
    if _is_model(member):
        return {str(k.value): _from_node(v, _child_type(member, str(k.value))) for k, v in node.value}
    args = typing.get_args(member) or (Any, Any)
    if kind is list:
        value: Any = [_from_node(n, args[0]) for n in node.value]
    else:
        value = {_from_node(k, args[0]): _from_node(v, args[-1]) for k, v in node.value}
    try:
        return TypeAdapter(member).validate_python(value)
    except ValidationError:
        raise _Mismatch(member, yaml.serialize(node).strip()) from None


def describe_type(tp: Any) -> str:
    """A type in words for error messages: `int` -> "an integer (int)", `Literal["a", "b"]` -> "one of a, b"."""
    members, optional = _members(tp)
    return " or ".join([_describe_one(m) for m in members] + (["null"] if optional else []))


def _describe_one(tp: Any) -> str:
    name = tp.__name__ if isinstance(tp, type) else str(tp).replace("typing.", "")
    if tp in _WORDS:
        return f"{_WORDS[tp]} ({name})"
    if typing.get_origin(tp) is typing.Literal:
        return "one of " + ", ".join(str(v) for v in typing.get_args(tp))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(str(e.value) for e in tp)
    if _container(tp) is dict:
        return f"a mapping ({name}), e.g. {{key: value}}"
    return f"a list ({name}), e.g. [a, b]" if _container(tp) else name


def yaml_value(item: str, raw: str) -> Any:
    try:
        return yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as exc:
        raise OverrideValueError(f"override {item!r}: value is not valid YAML ({exc})") from exc

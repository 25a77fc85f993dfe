"""Per-record checks: what is wrong with one parsed JSONL record, rule by rule, in plain words.

    problems = check_record("sft", {"messages": [{"role": "user", "content": ""}]}, ROLES)
    # {"ends_with_assistant": "messages ends with a 'user' turn", "empty_content": "messages[0] (user) ..."}

Each rule keeps only the first problem it finds in a record; the feature frame stores it in the rule's
column so the report can quote it next to the line number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from components.common.facts import states

SCHEMAS: dict[str, dict[str, dict[str, type]]] = {
    "sft": {"required": {"messages": list}, "optional": {"id": str, "category": str}},
    "preference": {
        "required": {"prompt": list, "chosen": list, "rejected": list},
        "optional": {"id": str, "category": str, "rejection_type": str},
    },
    "golden": {
        "required": {"prompt": list, "reference": str},
        "optional": {"id": str, "category": str, "key_facts": list, "wrong_facts": list},
    },
}
STANDARD_ROLES = frozenset({"system", "user", "assistant"})
JSON_TYPE = {str: "string", list: "array", dict: "object", int: "integer", float: "number", bool: "boolean"}

Problems = dict[str, str]


def json_type(value: Any) -> str:
    return "null" if value is None else JSON_TYPE.get(type(value), type(value).__name__)


def normalise(text: str) -> str:
    """Lowercase, drop punctuation, collapse whitespace: the form used for contamination matching."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def fold(text: str) -> str:
    """Lowercase and collapse whitespace: the form used to compare chosen with rejected."""
    return " ".join(text.lower().split())


def content_text(messages: Any) -> str:
    """The contents of a list of well-formed messages, joined."""
    return "\n".join(m["content"] for m in messages)


def check_fields(kind: str, record: dict[str, Any], problems: Problems) -> None:
    schema = SCHEMAS[kind]
    missing = [name for name in schema["required"] if name not in record]
    if missing:
        problems["required_fields"] = "missing " + ", ".join(f"'{name}'" for name in missing)
    for name, expected in {**schema["required"], **schema["optional"]}.items():
        if name in record and not isinstance(record[name], expected):
            problems.setdefault(
                "field_types",
                f"'{name}' is {json_type(record[name])}, expected {JSON_TYPE[expected]}",
            )


def _message_problem(field: str, index: int, message: Any) -> str | None:
    where = f"{field}[{index}]"
    if not isinstance(message, dict):
        return f"{where} is {json_type(message)}, expected an object with role and content"
    for key in ("role", "content"):
        if key not in message:
            return f"{where} has no '{key}'"
        if not isinstance(message[key], str):
            return f"{where}.{key} is {json_type(message[key])}, expected string"
    return None


def check_messages(
    field: str, messages: list, shape: str, allowed_roles: Iterable[str], problems: Problems
) -> bool:
    """Check one message list; shape is `conversation` (SFT), `prompt` or `answer`. True when well formed."""
    allowed = set(allowed_roles)
    if not messages:
        problems.setdefault("empty_content", f"'{field}' is an empty list")
        return False
    well_formed = True
    for index, message in enumerate(messages):
        problem = _message_problem(field, index, message)
        if problem:
            problems.setdefault("message_format", problem)
            well_formed = False
            continue
        if message["role"] not in allowed:
            problems.setdefault(
                "roles_allowed",
                f"{field}[{index}] has role '{message['role']}' (allowed: {', '.join(sorted(allowed))})",
            )
            well_formed = False
        if not message["content"].strip():
            problems.setdefault("empty_content", f"{field}[{index}] ({message['role']}) content is empty")
    if well_formed:
        order = _order_problem(field, [m["role"] for m in messages], shape)
        if order:
            problems.setdefault(*order)
    return well_formed


def _order_problem(field: str, roles: list[str], shape: str) -> tuple[str, str] | None:
    """(rule, first violation of the turn order), or None. Non-standard roles (e.g. `tool`) skip it."""
    if not set(roles) <= STANDARD_ROLES:
        return None
    if shape == "answer":
        bad = next((i for i, role in enumerate(roles) if role != "assistant"), None)
        return (
            None if bad is None else ("role_order", f"{field}[{bad}] is '{roles[bad]}', expected 'assistant'")
        )
    start = 1 if roles[0] == "system" else 0
    for index in range(start, len(roles)):
        expected = "user" if (index - start) % 2 == 0 else "assistant"
        if roles[index] != expected:
            before = f"after '{roles[index - 1]}'" if index else "first"
            return "role_order", f"{field}[{index}] is '{roles[index]}' {before}, expected '{expected}'"
    last = roles[-1]
    if shape == "conversation" and last != "assistant":
        return "ends_with_assistant", f"{field} ends with a '{last}' turn, expected 'assistant'"
    if shape == "prompt" and last != "user":
        return "role_order", f"{field} ends with '{last}', expected a user turn"
    return None


def facts_problem(record: dict[str, Any]) -> str | None:
    """Declared facts of a golden row: key facts are stated by its reference, wrong facts are not (with the
    evaluation's own matcher, components/common/facts.py). None when fine or when none are declared."""
    reference = record["reference"]
    for field in ("key_facts", "wrong_facts"):
        values = record.get(field, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            return f"'{field}' must be a list of non-empty strings"
    if "key_facts" in record and not record["key_facts"]:
        return "'key_facts' is empty: list the facts a right answer states, or leave the field out"
    missing = [fact for fact in record.get("key_facts", []) if not states(fact, reference)]
    if missing:
        return f"key fact {missing[0]!r} is not stated in the reference"
    contradicting = [fact for fact in record.get("wrong_facts", []) if states(fact, reference)]
    if contradicting:
        return f"wrong fact {contradicting[0]!r} is stated in the reference itself"
    return None


def check_record(
    kind: str, record: dict[str, Any], allowed_roles: Iterable[str]
) -> tuple[Problems, dict[str, bool]]:
    """Problems by rule name, plus which message fields are well formed (for later text checks)."""
    problems: Problems = {}
    check_fields(kind, record, problems)
    shapes = {"messages": "conversation", "prompt": "prompt", "chosen": "answer", "rejected": "answer"}
    ok: dict[str, bool] = {}
    for field, shape in shapes.items():
        if field in SCHEMAS[kind]["required"] and isinstance(record.get(field), list):
            ok[field] = check_messages(field, record[field], shape, allowed_roles, problems)
    if kind == "golden" and isinstance(record.get("reference"), str) and not record["reference"].strip():
        problems.setdefault("empty_content", "'reference' is empty")
    if kind == "golden" and isinstance(record.get("reference"), str):
        problem = facts_problem(record)
        if problem:
            problems["key_facts"] = problem
    pair = kind == "preference" and ok.get("chosen") and ok.get("rejected")
    if pair and fold(content_text(record["chosen"])) == fold(content_text(record["rejected"])):
        problems["chosen_differs"] = "chosen equals rejected (ignoring case and whitespace)"
    return problems, ok

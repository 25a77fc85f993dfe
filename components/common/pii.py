"""Find and redact personal data in text: e-mail addresses, phone numbers, card numbers, IP addresses.

    find_pii("mail jane@ex.org or call +1 415-555-0132")   # -> [PiiMatch("email", ...), PiiMatch("phone", ...)]
    redact_record(record, kinds)                           # -> (copy with [EMAIL] etc., findings by field)

Card numbers are 13-19 digits (spaces or dashes allowed) that pass the Luhn checksum, so order numbers
and ids rarely trip it. Phone numbers need 10-15 digits and either a leading `+` or two separators
(`415-555-0132`, `(415) 555 0132`), so dates, prices and version numbers do not. Reports only ever hold a
masked form of what was found.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

PII_KINDS = ("email", "phone", "credit_card", "ip_address")
PLACEHOLDER = {kind: f"[{kind.upper()}]" for kind in PII_KINDS}
SKIPPED_KEYS = frozenset({"id", "role"})  # identifiers and role names are not free text

EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![\w-])")
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
PHONE = re.compile(
    r"(?<![\w+-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){1,4}(?![\w-])"
)
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data: its kind and where it sits in the text."""

    kind: str
    start: int
    end: int
    text: str

    @property
    def masked(self) -> str:
        return mask(self.kind, self.text)


@dataclass(frozen=True)
class PiiFinding:
    """A match located in a record: `field` is a path such as `messages[2].content`."""

    field: str
    kind: str
    masked: str

    def describe(self) -> str:
        return f"{self.kind} {self.masked} in {self.field}"


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number satisfies (non-digits are ignored)."""
    numbers = [int(c) for c in digits if c.isdigit()]
    if len(numbers) < 2:
        return False
    total = 0
    for position, digit in enumerate(reversed(numbers)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def mask(kind: str, text: str) -> str:
    """A form of the value safe to put in reports: enough to find it, not enough to reuse it."""
    if kind == "email":
        local, _, domain = text.partition("@")
        return f"{local[:2]}***@{domain}"
    if kind in ("credit_card", "phone"):
        digits = re.sub(r"\D", "", text)
        return f"***{digits[-4:]}"
    if kind == "ip_address":
        sep = "." if "." in text else ":"
        return sep.join(text.split(sep)[:2]) + f"{sep}***"
    return "***"


def _emails(text: str, allowed_domains: Iterable[str]) -> Iterator[PiiMatch]:
    allowed = tuple(d.lower().lstrip("@") for d in allowed_domains)
    for m in EMAIL.finditer(text):
        domain = m.group(1).lower()
        if not any(domain == d or domain.endswith(f".{d}") for d in allowed):
            yield PiiMatch("email", m.start(), m.end(), m.group())


def _cards(text: str) -> Iterator[PiiMatch]:
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            yield PiiMatch("credit_card", m.start(), m.end(), m.group())


def _phones(text: str) -> Iterator[PiiMatch]:
    for m in PHONE.finditer(text):
        value = m.group()
        digits = sum(c.isdigit() for c in value)
        separators = len(re.findall(r"[ .()-]+", value.lstrip("+")))
        if 10 <= digits <= 15 and (value.startswith("+") or separators >= 2):
            yield PiiMatch("phone", m.start(), m.end(), value)


def _ips(text: str) -> Iterator[PiiMatch]:
    for pattern in (IPV4, IPV6):
        for m in pattern.finditer(text):
            try:
                ipaddress.ip_address(m.group())
            except ValueError:
                continue
            yield PiiMatch("ip_address", m.start(), m.end(), m.group())


def find_pii(
    text: str, kinds: Iterable[str] = PII_KINDS, allowed_email_domains: Iterable[str] = ()
) -> list[PiiMatch]:
    """Non-overlapping matches in text order; card numbers win over phone numbers on the same digits."""
    wanted = set(kinds)
    candidates: list[PiiMatch] = []
    if "email" in wanted:
        candidates += _emails(text, allowed_email_domains)
    if "credit_card" in wanted:
        candidates += _cards(text)
    if "ip_address" in wanted:
        candidates += _ips(text)
    if "phone" in wanted:
        candidates += _phones(text)
    chosen: list[PiiMatch] = []
    for match in candidates:  # earlier detectors take precedence where spans overlap
        if all(match.end <= c.start or match.start >= c.end for c in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def redact_text(text: str, matches: list[PiiMatch]) -> str:
    """Replace each match with its placeholder, e.g. `[EMAIL]`."""
    for match in sorted(matches, key=lambda m: m.start, reverse=True):
        text = text[: match.start] + PLACEHOLDER[match.kind] + text[match.end :]
    return text


def redact_record(
    record: Any, kinds: Iterable[str] = PII_KINDS, allowed_email_domains: Iterable[str] = (), path: str = ""
) -> tuple[Any, list[PiiFinding]]:
    """Walk every string in a JSON value; return a redacted copy and what was found where."""
    kinds = tuple(kinds)
    if isinstance(record, str):
        matches = find_pii(record, kinds, allowed_email_domains)
        findings = [PiiFinding(path or "<value>", m.kind, m.masked) for m in matches]
        return (redact_text(record, matches) if matches else record), findings
    findings: list[PiiFinding] = []
    if isinstance(record, dict):
        copy: dict[str, Any] = {}
        for key, value in record.items():
            if key in SKIPPED_KEYS:
                copy[key] = value
                continue
            copy[key], found = redact_record(value, kinds, allowed_email_domains, f"{path}.{key}".lstrip("."))
            findings += found
        return copy, findings
    if isinstance(record, list):
        items = []
        for index, value in enumerate(record):
            item, found = redact_record(value, kinds, allowed_email_domains, f"{path}[{index}]")
            items.append(item)
            findings += found
        return items, findings
    return record, findings

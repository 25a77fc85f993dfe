"""Fact matching for support answers: which key facts an answer states, and which of its claims a reference
does not support. Pure text functions, shared by evaluation (the fact metrics) and data validation (a
golden row's key facts must occur in its reference).

    facts_stated(["14 days", "Settings > Billing > Request refund"], answer)  # -> the ones the answer states
    extract_claims("Refunds within 30 days at Settings > Billing.")          # -> ["30 days", "Settings > Billing"]
    unsupported_claims(answer, reference)                                     # -> claims absent from reference

Matching works on a normal form (`normalise`): NFKC, case-folded, unicode dashes/arrows/quotes made ASCII,
whitespace collapsed, no spaces around `>` nor around the `+` of a key combination, "Control+" -> "ctrl+", "Command+"/"⌘" -> "cmd+",
"14-day"/"14 days" -> "14 day", thousands separators and ".00" dropped. A fact counts as stated when its
normal form occurs in the answer's with boundaries: no letter or digit right before or after it, no
decimal continuation ("$6" is not in "$6.50"), and a menu path is not part of a longer path ("Settings >
Billing" is not stated by "Settings > Billing > Invoices").

Limits (documented, tested where testable): matching is lexical. A negated fact ("not 14 days") still
counts as stated; a fact paraphrased in other words ("two weeks" for "14 days") does not. Claim extraction
sees numbers (prices, percentages, durations and sizes, any other number), menu paths, error codes, key
combinations, e-mail and web addresses, capitalised names inside a sentence (products, plans, buttons)
and restrictions or negations (a cue such as "only", "can't", "no" with the next two words). A wrong claim
in other plain words ("is locked", "too slow") is invisible to `unsupported_claims`, and a correct name or
restriction the reference happens not to state in those words counts as unsupported.
That is why golden rows carry declared `key_facts` and `wrong_facts` where they can.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

UNITS = (
    "second|minute|hour|day|week|month|year|gb|mb|kb|tb|member|seat|device|request|page|file|user|note|"
    "workspace|character|block|version|time|item|guest|editor|attempt|event|call|percent"
)
_TRANSLATE = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2192": ">",
        "\u203a": ">",
        "\u00bb": ">",
        "\u27a4": ">",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
    }
)
_KEY_ALIASES = (
    (re.compile(r"\bcontrol\s*\+"), "ctrl+"),
    (re.compile(r"\bcommand\s*\+"), "cmd+"),
    (re.compile(r"⌘\s*\+?\s*"), "cmd+"),
)
_SPACED_PATH = re.compile(r"\s*>\s*")
_SPACED_PLUS = re.compile(r"(ctrl|cmd|alt|shift|option|fn|\b\w)\s*\+\s*(?=\S)")
_NUMBER_UNIT = re.compile(rf"(\d)(?:\s*-\s*|\s+)({UNITS})s?\b")
_THOUSANDS = re.compile(r"(\d),(?=\d{3}\b)")
_ZERO_CENTS = re.compile(r"(\$\d+)\.00\b")


def normalise(text: str) -> str:
    """The normal form facts and answers are compared in (see module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).casefold()
    text = " ".join(text.split())
    text = text.replace("->", ">")
    for pattern, replacement in _KEY_ALIASES:
        text = pattern.sub(replacement, text)
    text = _SPACED_PATH.sub(">", text)
    text = _SPACED_PLUS.sub(r"\1+", text)
    text = _THOUSANDS.sub(r"\1", text)
    text = _ZERO_CENTS.sub(r"\1", text)
    return _NUMBER_UNIT.sub(r"\1 \2", text)


def _bounded(haystack: str, start: int, end: int, is_path: bool, is_combo: bool = False) -> bool:
    before = haystack[start - 1] if start > 0 else ""
    after = haystack[end:]
    if before.isalnum() or (after[:1].isalnum()):
        return False
    if re.match(r"[.,]\d", after):  # "$6" inside "$6.50", "14" inside "14,5"
        return False
    if is_path and (before == ">" or after.startswith(">")):
        return False
    # "Ctrl+/" is not stated by "Ctrl+/+//" nor "Ctrl+//": a combination does not run on into more keys
    return not (is_combo and (before == "+" or after[:1] in ("+", "/")))


def states(fact: str, answer: str) -> bool:
    """True when `answer` states `fact` (both raw text; see module docstring for the rules)."""
    needle = normalise(fact).strip(" .,;:!?")
    if not needle:
        return False
    haystack = normalise(answer)
    is_path = ">" in needle
    is_combo = bool(re.search(r"\w\+\S", needle))  # a key combination such as ctrl+k
    start = haystack.find(needle)
    while start != -1:
        if _bounded(haystack, start, start + len(needle), is_path, is_combo):
            return True
        start = haystack.find(needle, start + 1)
    return False


def facts_stated(facts: Iterable[str], answer: str) -> list[str]:
    """The facts (as given) that `answer` states, in their input order."""
    return [fact for fact in facts if states(fact, answer)]


# --- claims a reference has to support ----------------------------------------------------------------

_PATH_STOP = frozenset(
    [
        "and",
        "or",
        "to",
        "then",
        "click",
        "tap",
        "select",
        "choose",
        "in",
        "on",
        "the",
        "a",
        "an",
        "of",
        "for",
        "from",
        "under",
        "with",
        "you",
        "your",
        "it",
        "this",
        "that",
        "is",
        "are",
        "will",
        "can",
        "where",
        "which",
        "if",
        "when",
        "at",
        "by",
        "as",
        "so",
        "but",
        "button",
        "page",
        "tab",
        "menu",
        "there",
    ]
)
_NUMBER = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
_NEGATIONS = r"can't|cannot|isn't|aren't|doesn't|don't|won't|wasn't|never|not|no|only"
_HEDGES = re.compile(
    r"^(?:not sure|not certain|don't know|don't hesitate|no problem|not able)", re.IGNORECASE
)
_PATH = re.compile(r"[\w'&-]+(?:\s*(?:>|→|›|->)\s*[\w'&-]+(?: [\w'&-]+){0,3})+")
_CLAIM_PATTERNS = (
    re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),  # e-mail addresses
    re.compile(r"\b(?:https?://)?(?:[\w-]+\.)+(?:com|io|org|net|app)(?:/[\w/.-]*\w)?\b", re.IGNORECASE),
    re.compile(rf"\${_NUMBER}"),  # prices
    re.compile(rf"\b{_NUMBER}\s?%"),  # percentages
    re.compile(rf"\b{_NUMBER}(?:\s*-\s*|\s+)(?:{UNITS})s?\b", re.IGNORECASE),  # durations, sizes
    re.compile(r"\b[A-Z]{2,}-\d{2,}\b"),  # error codes (QN-401)
    re.compile(
        r"(?:\b(?:ctrl|cmd|alt|shift|option|control|command)|⌘)(?:\s*\+\s*(?:\w+|[\[\]/.,;'`=-](?!\s|$)|/))+",
        re.IGNORECASE,
    ),  # key combinations
    re.compile(r"\bF(?:1[0-2]|[1-9])\b"),  # function keys
    re.compile(rf"\b{_NUMBER}\b"),  # any other number
    re.compile(rf"\b(?:{_NEGATIONS})\b(?:\s+[\w'-]+){{1,2}}", re.IGNORECASE),  # restrictions, negations
)
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+")
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|\d[\w.]*))*")
_NOT_NAMES = frozenset({"I", "Quillnote", "Quill", "Quillnote's", "OK", "Yes", "No"})


def _trim_path(path: str) -> str:
    """A menu path as a reader would quote it: the first segment's last word, each later segment cut at the
    first word that no longer names a menu item ("Settings > Billing > Request refund and click ...")."""
    segments = re.split(r"\s*(?:>|→|›|->)\s*", path)
    kept = [segments[0].split()[-1]]
    for segment in segments[1:]:
        words = []
        for word in segment.split():
            if word.lower() in _PATH_STOP:
                break
            words.append(word)
        if not words:
            break
        kept.append(" ".join(words))
    return " > ".join(kept)


def _names(text: str) -> list[str]:
    """Capitalised runs that do not start a sentence: product, feature, plan and button names
    ("Apple Pay", "Enterprise", "Sync now"). A sentence's first word is skipped (any word is capitalised
    there)."""
    names = []
    for sentence in _SENTENCE.split(text):
        first = re.match(r"\W*\S+", sentence)
        rest = sentence[first.end() :] if first else ""
        for match in _NAME.finditer(rest):
            name = match.group(0).rstrip("'’-")
            if name not in _NOT_NAMES and len(name) > 1:
                names.append(name)
    return names


def extract_claims(text: str) -> list[str]:
    """Checkable claims in `text`, each once: e-mail and web addresses, prices, percentages, numbers with a
    unit, error codes, key combinations, other numbers, restrictions and negations ("only on Enterprise",
    "aren't supported"; the cue and the next two words), menu paths, and names (capitalised terms inside a
    sentence). A span taken by one kind is not read again by a later one ("QN-401" is not also 401)."""
    claims: list[str] = []
    rest = text
    for match in _PATH.finditer(text):
        path = _trim_path(match.group(0))
        if ">" in path:
            claims.append(path)
            rest = rest[: match.start()] + " " * len(match.group(0)) + rest[match.end() :]
    rest = rest.replace("\u2019", "'")
    for pattern in _CLAIM_PATTERNS:
        for match in pattern.finditer(rest):
            claim = match.group(0).strip()
            if not _HEDGES.match(claim):  # "I'm not sure" is no claim about the product
                claims.append(claim)
        rest = pattern.sub(lambda m: "#" * len(m.group(0)), rest)
    claims += _names(rest)
    return list(dict.fromkeys(claims))


def supported(claim: str, reference: str) -> bool:
    """A claim is supported when the reference states it; a menu path also when the reference states a
    longer path that begins with it (an answer may stop at "Settings > Billing")."""
    if ">" not in normalise(claim):
        return states(claim, reference)
    needle, haystack = normalise(claim), normalise(reference)
    for match in re.finditer(re.escape(needle), haystack):
        before = haystack[match.start() - 1] if match.start() else ""
        after = haystack[match.end() : match.end() + 1]
        if not (before.isalnum() or before == ">" or after.isalnum()):
            return True
    return False


def unsupported_claims(answer: str, reference: str) -> list[str]:
    """Claims of `answer` that `reference` does not state (an answer inventing a price, path, ...)."""
    return [claim for claim in extract_claims(answer) if not supported(claim, reference)]

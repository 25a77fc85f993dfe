"""The one word tokenizer behind ROUGE-L, exact match, token F1 and answer length.

Text is normalised with Unicode NFKC (so "ﬁ" becomes "fi" and full-width digits become ASCII), typographic
quotes become ASCII quotes, and everything is case-folded ("Straße" and "STRASSE" compare equal). Words are
maximal runs of Unicode letters, digits and underscores (`\\w+`); punctuation, symbols and whitespace only
separate words, so "QN-401" is ["qn", "401"], "$10" is ["10"] and "don't" is ["don", "t"]. Scripts written
without spaces (Chinese, Japanese) form one word per unbroken run. No stemming and no stop words: the
scores are reproducible from the text alone. (rouge_score's default tokenizer, by contrast, keeps only
ASCII a-z0-9 and drops every other letter.)
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalize(text: str) -> str:
    """NFKC, ASCII quotes, case-folded: the form every text metric compares."""
    return unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()


def words(text: str) -> list[str]:
    """The word tokens of `text` (see the module docstring for the exact rule)."""
    return _WORD.findall(normalize(text))

"""German-aware folding shared by the index (build time) and the queries (request time).

``fold`` lower-cases (``casefold``: ß → ss) and strips diacritics (ö → o); ``variants`` adds the
German transliteration (ö → oe, ä → ae, ü → ue) so "Sommerda", "Soemmerda" and "Sömmerda" all meet.
Tokens are runs of letters and digits (``[^\\W_]+``), the same rule SQLite's unicode61 tokenizer uses
on the already folded text.
"""
from __future__ import annotations

import re
import unicodedata

TOKEN = re.compile(r"[^\W_]+")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _strip_marks(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Case and diacritics folded: 'Sömmerda' → 'sommerda', 'Straße' → 'strasse'."""
    return _strip_marks(unicodedata.normalize("NFC", text).casefold())


def variants(text: str) -> list[str]:
    """The folded text and, if different, its German transliteration ('soemmerda')."""
    lowered = unicodedata.normalize("NFC", text).casefold()
    plain = _strip_marks(lowered)
    german = _strip_marks(lowered.translate(_TRANSLIT))
    return [plain] if german == plain else [plain, german]


def tokens(text: str) -> list[str]:
    return TOKEN.findall(fold(text))


def normal(text: str) -> str:
    """Folded tokens joined by one space: the form exact matches compare."""
    return " ".join(tokens(text))


def normal_variants(text: str) -> list[str]:
    out = []
    for variant in variants(text):
        joined = " ".join(TOKEN.findall(variant))
        if joined and joined not in out:
            out.append(joined)
    return out

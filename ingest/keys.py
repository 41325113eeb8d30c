"""How an import compares a header or a name with the ones it knows: one key per
spelling people treat as the same (full-width or half-width, spaces, case)."""

from __future__ import annotations

import re
import unicodedata


def key(text) -> str:
    """Header/name comparison key: NFKC, no whitespace, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()

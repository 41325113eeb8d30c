"""Spreadsheet output that cannot run anything: text cells made inert for Excel and WPS.

Used by every download of tables (import reports, the targets table, evaluation
workbooks). Imports nothing of innomap's.
"""

from __future__ import annotations

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Make a text cell inert in spreadsheets: prefix ``'`` to ``= + - @`` (and tab, CR).

    Non-text values are returned unchanged, so numbers stay numbers.

    Examples
    --------
    >>> escape_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula(-3.5)
    -3.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (UTF-8 with BOM for Excel) with every text cell escaped."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(escape_formula)
    out.columns = [escape_formula(str(c)) for c in out.columns]
    return "\ufeff" + out.to_csv(index=False, lineterminator="\r\n")

"""How words quoted from a plan are printed: one rule for pages, popups, tables and reports.

A quotation stands in “…”; quotation marks inside it (a plan quoting a name, e.g. the
structure “一道两区多节点”) become ‘…’, as Chinese typesetting nests quotes. The words
themselves are left as the plan has them.
"""

from __future__ import annotations

_INNER = str.maketrans({"“": "‘", "”": "’"})


def quoted(text: str) -> str:
    """``text`` in “…”, its own “…” nested as ‘…’."""
    return f"“{str(text).translate(_INNER)}”"


def citation(title: str, section: str, quote: str) -> str:
    """A fact's source as every surface writes it: 《plan》section：“quote”."""
    return f"《{title}》{section}：{quoted(quote)}"

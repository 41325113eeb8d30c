"""The value kinds a choropleth can show: one registry entry each.

A kind says what it is called, which row kinds of a long value frame it needs
(``baseline``, ``target``), which palette it is drawn with, its unit and how it
is computed from one row per region of each needed kind. ``geo.thematic``
computes, colours and labels every kind through this registry and
``mapcore.values`` offers a kind for every indicator that has what it needs, so
adding a numeric kind is one entry here. (The categorical ``progress`` kind is
drawn by ``mapcore.progress`` with its own legend; its label is listed here so
every surface names it the same.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

CAGR_UNIT = "%/年"


@dataclass(frozen=True)
class ValueKind:
    """One value kind: ``compute(target, baseline)`` takes one row per region of each
    (a stated kind has no ``compute``: it is the row's own value)."""

    id: str
    label: str
    needs: tuple[str, ...]
    diverging: bool = False
    unit: Callable[[str], str] = lambda unit: unit or ""  # the indicator's own
    compute: Callable[[pd.DataFrame, pd.DataFrame], pd.Series] | None = None


def _gap(target: pd.DataFrame, baseline: pd.DataFrame) -> pd.Series:
    """Target − baseline (2.5 − 2.24 is 0.26, not 0.2599999999999998)."""
    return (target["value"].astype(float) - baseline["value"].astype(float)).round(9)


def _cagr(target: pd.DataFrame, baseline: pd.DataFrame) -> pd.Series:
    """The compound annual growth from baseline to target, in % a year (NaN from ≤ 0)."""
    tv, bv = target["value"].astype(float), baseline["value"].astype(float)
    span = (target["year"] - baseline["year"]).astype(float)
    ok = (tv > 0) & (bv > 0) & (span > 0)
    return ((tv / bv).where(ok) ** (1 / span.where(ok)) - 1) * 100


REGISTRY: dict[str, ValueKind] = {kind.id: kind for kind in (
    ValueKind("baseline", "基期值", ("baseline",)),
    ValueKind("target", "目标值", ("target",)),
    ValueKind("gap", "目标差距（目标−基期）", ("baseline", "target"), diverging=True,
              unit=lambda unit: "个百分点" if unit == "%" else unit or "", compute=_gap),
    ValueKind("cagr", "实现目标所需年均增速", ("baseline", "target"),
              unit=lambda unit: CAGR_UNIT, compute=_cagr),
)}
# Kinds drawn elsewhere (categorical), named here so every surface says the same.
OTHER_LABELS = {"progress": "进展状态（完成率对比时序进度）"}


def kinds_for(row_kinds) -> tuple[str, ...]:
    """The registered kinds an indicator with rows of ``row_kinds`` can show."""
    have = set(row_kinds)
    return tuple(k.id for k in REGISTRY.values() if set(k.needs) <= have)


def label(kind: str) -> str:
    """The Chinese name of a value kind ("" if unknown)."""
    return REGISTRY[kind].label if kind in REGISTRY else OTHER_LABELS.get(kind, "")


__all__ = ["CAGR_UNIT", "OTHER_LABELS", "REGISTRY", "ValueKind", "kinds_for", "label"]

"""Which rows speak for a region: one rule for maps, progress maps, comparisons and tables."""

from __future__ import annotations

import pandas as pd


def regional_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows that are values of a whole region (not of a zone or an entity in it)."""
    rows = rows[rows["region_adcode"].notna() & (rows["region_adcode"] != "")]
    for column in ("subject", "entity_id"):
        if column in rows.columns:
            rows = rows[rows[column].isna() | (rows[column] == "")]
    return rows


def speaking_rows(frame: pd.DataFrame, indicator_id: str | None = None, kind: str = "target",
                  year: int | None = None, region: str | None = None) -> pd.DataFrame:
    """The rows that speak for each region: one per region for an indicator, kind and year.

    The one answer to "which row speaks for region R, indicator I, year Y" that
    maps, progress maps, comparisons and tables all use.

    Parameters
    ----------
    frame : DataFrame
        Long value rows (``region_adcode``, ``indicator_id``, ``kind``, ``year``;
        optionally ``subject``, ``entity_id``, ``restates``, ``source``).
    indicator_id : str, optional
        Keep rows of this indicator (None: the frame is already one indicator's).
    kind : str
        ``target`` or ``baseline``.
    year : int, optional
        Rows of this year only (default: each region's latest).
    region : str, optional
        Rows of this region only.

    Returns
    -------
    DataFrame
        The chosen rows, one per region, in the frame's order of regions. Only
        region-wide rows count (no ``subject`` zone, no ``entity_id``). Among a
        region's rows the latest year wins; within a year the row a restatement
        points to (the primary statement) before its restatements, then the
        plan's indicator table (``source == "table"``) before prose, then file order.
    """
    rows = regional_rows(frame) if len(frame) else frame
    if indicator_id is not None:
        rows = rows[rows["indicator_id"] == indicator_id]
    if "kind" in rows.columns:  # (rows of one kind may come without the column)
        rows = rows[rows["kind"] == kind]
    if region is not None:
        rows = rows[rows["region_adcode"] == region]
    years = pd.to_numeric(rows["year"], errors="coerce")
    if year is not None:
        rows, years = rows[years == year], years[years == year]
    restated = _flag(rows, "restates", lambda v: v != "")
    prose = _flag(rows, "source", lambda v: v != "table")
    order = pd.DataFrame({"year": -years.fillna(-1), "restated": restated, "prose": prose,
                          "at": range(len(rows))}, index=rows.index)
    chosen = rows.loc[order.sort_values(["year", "restated", "prose", "at"]).index]
    return chosen.drop_duplicates("region_adcode")


def _flag(rows: pd.DataFrame, column: str, test) -> pd.Series:
    if column not in rows.columns:
        return pd.Series(False, index=rows.index)
    return rows[column].fillna("").astype(str).map(test)

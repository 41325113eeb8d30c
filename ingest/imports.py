"""Validating imports of county metrics and carrier lists, all or nothing.

``prepare_import`` reads an upload (``ingest.tabular``), maps its columns, matches
every region with the offline geocoder (or a 6-digit adcode against the
boundaries), checks every value, and returns rows ready for the store — or
raises ImportRejected with *every* problem found, row by row. Nothing here
writes anywhere.

Metrics come in two shapes: *wide* (a region column, a year column or a year
given for the whole file, and one column per indicator, the header being an
indicator id or any of its names, optionally with the unit in brackets:
``研发经费投入强度(%)``) or *long* (region, year, indicator, value, optional unit).
Carriers have a name, a type, and an address or lon/lat with a stated datum
(WGS84, GCJ-02, BD-09); coordinates are converted to WGS84 and joined to the
county containing them.
"""

from __future__ import annotations

from pathlib import Path

from ingest.base import (
    ImportContext,
    ImportOptions,
    ImportRejected,
    Indicators,
    PreparedImport,
    parse_mapping,
    read_indicators,
)
from ingest.carriers import CarriersCheck
from ingest.metrics import MetricsCheck
from ingest.tabular import Problem, TableRejected, TooLarge, read_table

__all__ = ["ImportContext", "ImportOptions", "ImportRejected", "Indicators", "PreparedImport",
           "parse_mapping", "prepare_import", "read_indicators"]


def prepare_import(data: bytes, filename: str, options: ImportOptions,
                   ctx: ImportContext) -> PreparedImport:
    """Read and validate an upload; the rows to store, or ImportRejected with every problem.

    Parameters
    ----------
    data : bytes
        The CSV or XLSX file.
    filename : str
        Its name, recorded in each row's ``source``.
    options : ImportOptions
        Kind (``metrics`` or ``carriers``), a year for the whole file, a datum for
        the whole file, column mapping.
    ctx : ImportContext
        Boundaries in EPSG:4326, geocoders, indicators, limits.

    Raises
    ------
    ImportRejected
        Listing every problem (row, column, value, message); nothing is half-imported.
    """
    if options.kind not in ("metrics", "carriers"):
        raise ImportRejected([Problem(None, None, options.kind, "未知的导入类型")])
    if ctx.boundaries.crs is None or ctx.boundaries.crs.to_epsg() != 4326:
        raise ValueError(f"boundaries must be EPSG:4326, got {ctx.boundaries.crs}")
    filename = Path(filename or "upload").name[:200]
    try:
        table = read_table(data, filename, ctx.limits)
    except TableRejected as exc:
        raise ImportRejected(exc.problems, kind=options.kind,
                             too_large=isinstance(exc, TooLarge)) from None
    check = MetricsCheck if options.kind == "metrics" else CarriersCheck
    rows, report = check(table.frame, filename, options, ctx).run()
    return PreparedImport(kind=options.kind, filename=filename, sha256=table.sha256,
                          format=table.format, encoding=table.encoding, rows=rows,
                          report=report, source_rows=len(table.frame))

"""Batch geocoding of a CSV / XLSX column into GeoJSON or GeoPackage plus a match report."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.geocode import Geocoder, GeocodeResult

OUTPUT_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}
RESULT_COLUMNS = ["gc_status", "gc_name", "gc_kind", "gc_id", "gc_adcode", "gc_precision",
                  "gc_score", "gc_candidates"]
PROGRESS_MIN_ROWS = 1000


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (UTF-8, with or without BOM) or XLSX file, every column as text.

    Raises
    ------
    ValueError
        For another file type.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    raise ValueError(f"input {path.name}: expected .csv or .xlsx, got {suffix or 'no suffix'}")


def describe_candidates(result: GeocodeResult) -> str:
    """``name(adcode, score)`` of every candidate, ``|``-separated."""
    return "|".join(f"{c.name}({c.adcode or '-'}, {c.score:g})" for c in result.candidates)


def geocode_table(frame: pd.DataFrame, column: str, geocoder: Geocoder,
                  progress: bool = True) -> gpd.GeoDataFrame:
    """Geocode ``frame[column]``; the input columns plus ``RESULT_COLUMNS`` and geometry.

    Parameters
    ----------
    frame : DataFrame
        The rows; ``column`` holds names or addresses.
    column : str
        Name of the text column.
    geocoder : Geocoder
    progress : bool
        Show a progress bar on stderr for inputs of ``PROGRESS_MIN_ROWS`` rows or more.

    Returns
    -------
    GeoDataFrame
        EPSG:4326; geometry is the best candidate's, empty unless ``matched``.

    Raises
    ------
    ValueError
        When ``column`` is not in ``frame``.
    """
    if column not in frame.columns:
        raise ValueError(f"column {column!r} not in input; columns are {list(frame.columns)}")
    texts = frame[column].tolist()
    if progress and len(texts) >= PROGRESS_MIN_ROWS:
        from tqdm import tqdm

        texts = tqdm(texts, desc="geocoding", unit="row", file=sys.stderr)
    results = geocoder.geocode_many(texts)
    out = frame.copy()
    out["gc_status"] = [r.status for r in results]
    for col, attr in (("gc_name", "name"), ("gc_kind", "kind"), ("gc_id", "id"),
                      ("gc_adcode", "adcode"), ("gc_precision", "precision"),
                      ("gc_score", "score")):
        out[col] = [getattr(r.best, attr) if r.best else None for r in results]
    out["gc_candidates"] = [describe_candidates(r) for r in results]
    geometry = [r.best.geometry if r.best else None for r in results]
    return gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")


def match_report(result: gpd.GeoDataFrame, column: str) -> pd.DataFrame:
    """One row per input row: its number, query, status, best name, adcode, score, candidates."""
    report = pd.DataFrame({"row": range(1, len(result) + 1), "query": result[column],
                           "status": result["gc_status"], "best": result["gc_name"],
                           "adcode": result["gc_adcode"], "score": result["gc_score"],
                           "candidates": result["gc_candidates"]})
    return report


def summary(result: gpd.GeoDataFrame) -> dict[str, int]:
    """Counts per status (every status present, zero if none)."""
    counts = result["gc_status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in ("matched", "ambiguous", "unmatched")}


def write_result(result: gpd.GeoDataFrame, path: Path) -> None:
    """Write ``result`` as GeoJSON (RFC 7946) or GeoPackage, chosen by suffix.

    Raises
    ------
    ValueError
        For another suffix.
    """
    path = Path(path)
    driver = OUTPUT_DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise ValueError(f"output {path.name}: expected one of {', '.join(OUTPUT_DRIVERS)}")
    path.unlink(missing_ok=True)
    options = {"layer_options": {"RFC7946": "YES"}} if driver == "GeoJSON" else {
        "layer": "geocoded", "geometry_type": "Unknown"}
    result.to_file(path, driver=driver, engine="pyogrio", **options)


def geocode_file(input_path: Path, column: str, output_path: Path, report_path: Path,
                 geocoder: Geocoder, progress: bool = True) -> dict[str, int]:
    """Geocode a CSV/XLSX file; write the places and a CSV match report.

    Returns
    -------
    dict
        Counts of matched / ambiguous / unmatched rows.
    """
    result = geocode_table(read_table(input_path), column, geocoder, progress)
    write_result(result, output_path)
    match_report(result, column).to_csv(report_path, index=False, encoding="utf-8-sig")
    return summary(result)

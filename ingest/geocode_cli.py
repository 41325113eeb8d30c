"""Command line: geocode a CSV/XLSX column offline.

python -m ingest.geocode_cli addresses.xlsx --column 地址 --out places.gpkg
innomap-geocode addresses.csv -c name -o places.geojson --report report.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="innomap-geocode",
        description="Geocode names or addresses in a CSV/XLSX column, offline.")
    parser.add_argument("input", type=Path, help=".csv or .xlsx file")
    parser.add_argument("-c", "--column", required=True, help="column holding the text")
    parser.add_argument("-o", "--out", type=Path, required=True,
                        help="output .geojson or .gpkg")
    parser.add_argument("--report", type=Path,
                        help="match report CSV (default: <out>.report.csv)")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data",
                        help="innomap data directory (boundaries and kb)")
    parser.add_argument("--no-entities", action="store_true",
                        help="administrative names only")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    from geo.geocode import default_geocoder
    from ingest.geocode_batch import geocode_file

    args = parse_args(argv)
    report = args.report or args.out.with_suffix(".report.csv")
    try:
        geocoder = default_geocoder(args.data_dir, with_entities=not args.no_entities)
        counts = geocode_file(args.input, args.column, args.out, report, geocoder,
                              progress=not args.quiet)
    except (ValueError, FileNotFoundError) as exc:
        print(f"innomap-geocode: {exc}", file=sys.stderr)
        return 2
    print(f"matched {counts['matched']}, ambiguous {counts['ambiguous']}, "
          f"unmatched {counts['unmatched']}; wrote {args.out} and {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``innomap import``, ``innomap rollback`` and ``innomap versions``: the store from a shell.

The same validation as the upload page (``ingest.imports.prepare_import``) and the
same store; a running server notices a new version within a second. Whoever
can run this can already write the store file or reach the database, so the
command records ``--user`` (default: the login name) rather than asking for a token.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

EXIT_REJECTED = 2


def plain_year(text: str) -> int:
    """``--year``: four ASCII digits (``int`` would also take ``２０２３`` or ``٢٠٢٣``)."""
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise argparse.ArgumentTypeError(f"year must be four digits 0-9, got {text!r}")
    return int(text)


def add_parsers(commands) -> None:
    """Add the import, rollback and versions subcommands to an argparse subparsers object."""
    imp = commands.add_parser("import", help="导入区县指标或载体名单（CSV / XLSX）",
                              description="Validate a CSV/XLSX file and store it as a new version.")
    imp.add_argument("kind", choices=("metrics", "carriers"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--year", type=plain_year,
                     help="year of every row when the file has no year column")
    imp.add_argument("--datum", help="datum of lon/lat: WGS84, GCJ-02 or BD-09")
    imp.add_argument("--map", action="append", default=[], metavar="COLUMN=TARGET",
                     help="rename a column (empty TARGET drops it); repeatable")
    imp.add_argument("--note", default="")
    imp.add_argument("--user", default=None, help="recorded as who imported (default: login name)")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    imp.add_argument("--store", help="store path or URL (default: the store_url setting)")
    rollback = commands.add_parser("rollback", help="撤销一次导入",
                                   description="Undo an import; recorded as a new version.")
    rollback.add_argument("version", type=int)
    rollback.add_argument("--note", default="")
    rollback.add_argument("--user", default=None)
    rollback.add_argument("--store")
    versions = commands.add_parser("versions", help="列出导入版本")
    versions.add_argument("--store")


def run(args: argparse.Namespace) -> int:
    """Run one of this module's subcommands; the exit status."""
    from store import StoreError, open_store
    from web.settings import from_environment

    settings = from_environment()
    try:
        store = open_store(args.store or settings.store_url)
        if args.command == "versions":
            for version in store.versions():
                print(json.dumps(version.as_dict(), ensure_ascii=False))
            return 0
        if args.command == "rollback":
            version = store.rollback(args.version, user=args.user or getpass.getuser(),
                                     note=args.note)
            print(f"版本 {version.id}：已撤销版本 {version.target}")
            return 0
        return _import(args, settings, store)
    except StoreError as exc:
        print(f"innomap {args.command}: {exc}", file=sys.stderr)
        return EXIT_REJECTED


def _import(args, settings, store) -> int:
    from ingest.imports import ImportOptions, ImportRejected, parse_mapping, prepare_import

    try:
        options = ImportOptions(kind=args.kind, year=args.year, datum=args.datum,
                                mapping=parse_mapping("\n".join(args.map)))
        with args.file.open("rb") as file:
            head = file.read(8)
        if not args.dry_run and is_csv(head, args.file.name):  # both kinds: in chunks
            return _stream(args, options, settings, store)
        data = args.file.read_bytes()
    except (ValueError, OSError) as exc:
        print(f"innomap import: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    try:
        prepared = prepare_import(data, args.file.name, options, cli_context(settings))
    except ImportRejected as exc:
        _rejected(args.file.name, exc.problems, len(exc.problems))
        return EXIT_REJECTED
    print(f"{args.file.name}：校验通过，{len(prepared.rows)} 条记录")
    if args.dry_run:
        return 0
    version = store.add_import(prepared.kind, prepared.rows, user=args.user or getpass.getuser(),
                               filename=prepared.filename, sha256=prepared.sha256, note=args.note)
    print(f"版本 {version.id}：已导入 {version.row_count} 条记录")
    return 0


def is_csv(head: bytes, filename: str) -> bool:
    """True unless the file's first bytes or its name say it is a workbook (XLSX, XLS):
    a CSV can be read in chunks (``ingest.stream``)."""
    return not head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) and \
        not filename.lower().endswith((".xls", ".xlsx"))


def _rejected(filename: str, problems, total: int) -> None:
    print(f"innomap import: {filename} 被拒绝，{total:,} 处问题，未写入：", file=sys.stderr)
    for problem in problems:
        where = f"第 {problem.row} 行" if problem.row else "文件"
        column = f"［{problem.column}］" if problem.column else ""
        print(f"  {where}{column} {problem.value!s:.40}：{problem.message}", file=sys.stderr)
    if total > len(problems):
        print(f"  ……另有 {total - len(problems):,} 处问题未列出", file=sys.stderr)


def _stream(args, options, settings, store) -> int:
    """A CSV (carriers or metrics) read from disk, checked and written in chunks, with a
    progress bar on stderr."""
    from tqdm import tqdm

    from ingest.imports import ImportRejected
    from ingest.stream import stream_import

    bar = tqdm(total=None, unit="行", desc="校验并写入", file=sys.stderr,
               disable=not sys.stderr.isatty())

    def progress(done, total):
        bar.total = max(total, done)
        bar.update(done - bar.n)

    try:
        version = stream_import(args.file, args.file.name, options, cli_context(settings, True),
                                store, user=args.user or getpass.getuser(), note=args.note,
                                progress=progress)
    except ImportRejected as exc:
        bar.close()
        _rejected(args.file.name, exc.problems, getattr(exc, "total", len(exc.problems)))
        return EXIT_REJECTED
    bar.close()
    print(f"{args.file.name}：校验通过，{version.row_count} 条记录")
    print(f"版本 {version.id}：已导入 {version.row_count} 条记录")
    return 0


def cli_context(settings, stream: bool = False):
    """The validation context the server builds, without loading the other layers."""
    from geo.geocode import Geocoder, default_geocoder
    from ingest.imports import ImportContext, read_indicators
    from ingest.zones import read_zones
    from layers.boundaries import plan_boundaries

    boundaries = plan_boundaries(settings.data_dir, "full")
    regions = Geocoder(boundaries)
    try:
        addresses = default_geocoder(settings.data_dir, with_entities=True)
    except (ImportError, ValueError, OSError):
        addresses = regions
    return ImportContext(boundaries=boundaries, region_geocoder=regions,
                         address_geocoder=addresses,
                         indicators=read_indicators(settings.data_dir),
                         limits=import_limits(settings, stream),
                         zones=read_zones(settings.data_dir))


def import_limits(settings, stream: bool = False):
    """The limits of an import (one place for the CLI and the upload page): a file read
    whole (``import_max_*``) or in chunks (``stream_max_*``)."""
    from ingest.tabular import Limits

    if stream:
        return Limits(max_bytes=settings.stream_max_bytes, max_rows=settings.stream_max_rows,
                      max_cells=settings.stream_max_cells)
    return Limits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)

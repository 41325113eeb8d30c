"""The ``innomap`` command: ``innomap export <map> -o <file> [options]``;
``innomap import|rollback|versions`` (see ``web.import_cli``);
``innomap plans text|extract FILE`` (see ``web.plans_cli``).

Builds the app as the server does and renders through the same function as
``/export/<map>.<fmt>``, so a file made here is byte for byte the HTTP download.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mapcore.errors import MapError
from web import import_cli, plans_cli
from web.errors import ServiceError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="innomap", description="innomap 创新布局地图服务")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser(
        "export", help="静态地图导出：PNG / SVG / PDF",
        description="Render a map as PNG, SVG or PDF (same options as /export/<map>.<fmt>).")
    export.add_argument("map", help="320000 (江苏省), a city adcode such as 320700, "
                                    "or corridor/<id>")
    export.add_argument("-o", "--output", required=True, type=Path,
                        help="file to write; its suffix (.png/.svg/.pdf) is the format "
                             "unless --format is given")
    export.add_argument("--format", choices=("png", "svg", "pdf"))
    for name, text in (("indicator", "indicator id"),
                       ("kind", "baseline | target | gap | cagr (default target)"),
                       ("year", "year of the values"),
                       ("scheme", "quantiles | natural_breaks | equal_interval | user_defined"),
                       ("k", "number of classes (default 5)"),
                       ("breaks", "comma-separated upper class bounds for user_defined"),
                       ("size", "A4 | A3 (default A4)"),
                       ("orientation", "portrait | landscape (default landscape)"),
                       ("dpi", "72–600, snapped to 72/150/300/600 (default 300)"),
                       ("title", "title replacing the map's own (up to 60 characters)"),
                       ("note", "a line such as a 审图号 or 内部用图 before the source note")):
        export.add_argument(f"--{name}", help=text)
    import_cli.add_parsers(commands)
    plans_cli.add_parsers(commands)
    return parser


def run_export(args: argparse.Namespace) -> Path:
    """Render the export ``args`` describe and write it; ServiceError on bad input."""
    from mapcore.export import parse_export
    from web import create_app
    from web.export import export_file

    fmt = args.format or args.output.suffix.lstrip(".").lower()
    options = {name: getattr(args, name) for name in
               ("indicator", "kind", "year", "scheme", "k", "breaks", "size", "orientation",
                "dpi", "title", "note") if getattr(args, name) is not None}
    app = create_app()
    req = parse_export(args.map, fmt, options)
    args.output.write_bytes(export_file(app, req)[0])
    return args.output


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("import", "rollback", "versions"):
        return import_cli.run(args)
    if args.command == "plans":
        return plans_cli.run(args)
    try:
        path = run_export(args)
    except (ServiceError, MapError) as exc:
        print(f"innomap export: {exc.description}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``innomap plans text FILE`` prints a plan document's reading text;
``innomap plans extract FILE`` prints its candidates as one JSON object.

A refused document (unknown format, encrypted, zip bomb, scanned PDF) exits 2
with the reason on stderr; nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from web import plans_publish_cli


def add_parsers(commands) -> None:
    plans = commands.add_parser("plans",
                                help="读取规划文件并提取候选（指标目标、载体、任务、合作）",
                                description="Read a plan document (DOCX, PDF, HTML, TXT).")
    actions = plans.add_subparsers(dest="plans_command", required=True)
    text = actions.add_parser("text", help="print the reading text every quote is a substring of")
    text.add_argument("file", type=Path)
    extract = actions.add_parser("extract", help="print the candidates as one JSON object")
    extract.add_argument("file", type=Path)
    extract.add_argument("--data-dir", type=Path, default=None,
                         help="data directory (boundaries, indicators); default: the app's")
    plans_publish_cli.add_parsers(actions)


def run(args: argparse.Namespace) -> int:
    if args.plans_command in ("publish", "rollback"):
        return plans_publish_cli.run(args)
    from ingest.plans.errors import PlanReadingError
    from ingest.plans.reading import read_path

    try:
        reading = read_path(args.file)
    except PlanReadingError as exc:
        print(f"innomap plans {args.plans_command}: {exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"innomap plans {args.plans_command}: 无法读取文件：{exc.strerror}", file=sys.stderr)
        return 2
    if args.plans_command == "text":
        sys.stdout.write(reading.text)
        return 0
    from ingest.plans.extract import extract

    result = extract(reading, args.data_dir or _data_dir())
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def _data_dir() -> Path:
    from web.settings import Settings

    return Path(Settings().data_dir)

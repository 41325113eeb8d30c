"""``innomap plans publish FILE --review REVIEWED.json``: publish a reviewed plan from a shell.

REVIEWED.json is the JSON ``innomap plans extract FILE`` printed, with a ``status``
(accepted / rejected) on each candidate a reviewer decided and the plan's fields
corrected where needed. Only accepted candidates become rows. The knowledge base
with the plan must load (the same checks as the review page's publish) before
anything is written; the publication is one new version in the store, which a
running server follows within a second, and ``innomap plans rollback N`` undoes it.
"""

from __future__ import annotations

import getpass
import json
import sys
import tempfile
from pathlib import Path


def add_parsers(actions) -> None:
    publish = actions.add_parser("publish", help="publish a reviewed set as a knowledge-base "
                                                 "version")
    publish.add_argument("file", type=Path)
    publish.add_argument("--review", type=Path, required=True,
                         help="the extract JSON with a status accepted|rejected per candidate")
    publish.add_argument("--user", default=None, help="recorded as who published")
    publish.add_argument("--store", help="store path or URL (default: the store_url setting)")
    rollback = actions.add_parser("rollback", help="undo a publication (its version number)")
    rollback.add_argument("version", type=int)
    rollback.add_argument("--user", default=None)
    rollback.add_argument("--store")


def run(args) -> int:
    from ingest.plans.errors import PlanReadingError
    from ingest.plans.publish import PublishRefused
    from store import StoreError

    name = f"innomap plans {args.plans_command}"
    try:
        version = _publish(args) if args.plans_command == "publish" else _rollback(args)
    except PlanReadingError as exc:
        print(f"{name}: {exc.message}", file=sys.stderr)
        return 2
    except PublishRefused as exc:
        print(f"{name}: 无法发布：", *exc.problems, sep="\n  ", file=sys.stderr)
        return 2
    except (StoreError, OSError, ValueError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(version.as_dict(), ensure_ascii=False))
    return 0


def _plans(args):
    from store import open_store
    from store.plans import PlanStore
    from web.settings import from_environment

    settings = from_environment()
    return PlanStore(open_store(args.store or settings.store_url)), settings


def _publish(args):
    from ingest.plans.publish import checked_catalog, payload, reviewed_candidates
    from ingest.plans.reading import read_path

    reading = read_path(args.file)
    reviewed = json.loads(args.review.read_text(encoding="utf-8"))
    plans, settings = _plans(args)
    candidates = reviewed_candidates(reviewed, reading.text)
    made = payload(reviewed.get("plan") or {}, reading.text, candidates, settings.data_dir)
    with tempfile.TemporaryDirectory(prefix="innomap-kb-check-") as tmp:
        checked_catalog(settings.data_dir, Path(tmp) / "kb", [*plans.active_payloads(), made],
                        {"store_url": args.store or settings.store_url,
                         "corridor_buffer_m": settings.corridor_buffer_m})
    return plans.publish(made["record"]["id"], "", made, args.user or getpass.getuser())


def _rollback(args):
    plans, _ = _plans(args)
    return plans.rollback(args.version, args.user or getpass.getuser())

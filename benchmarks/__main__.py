"""Run the benchmarks: ``python -m benchmarks [module ...]``.

Each ``benchmarks/bench_*.py`` module has ``run() -> list[Result]``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks import format_table


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(here)])
                           if m.name.startswith("bench_"))
    results = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results.extend(importlib.import_module(f"benchmarks.{name}").run())
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

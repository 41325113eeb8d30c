"""House rules the code checks itself: which room may import which (ARCHITECTURE.md),
no import cycle among web/ modules, modules and functions of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = {
    "geo": set(),
    "sheets": set(),
    "store": {"geo"},
    "monitor": {"geo", "sheets"},
    "layers": {"geo", "store", "monitor"},
    "mapcore": {"geo", "layers", "monitor"},
    "ingest": {"geo", "layers", "store", "sheets"},
    "web": {"geo", "layers", "store", "mapcore", "ingest", "monitor", "sheets"},
}
MAX_MODULE_LINES = 520
MAX_FUNCTION_LINES = 60
WHY_LONG = "# long:"  # a function over the limit says why on a comment line with this


def modules(room: str) -> list[Path]:
    return sorted((ROOT / room).rglob("*.py")) if (ROOT / room).is_dir() else []


def imported(path: Path) -> set[str]:
    """Every module name ``path`` imports, anywhere in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("room", sorted(ROOMS))
def test_rooms_import_only_what_architecture_allows(room):
    bad = []
    for path in modules(room):
        for name in imported(path):
            top = name.split(".")[0]
            if top in ROOMS and top != room and top not in ROOMS[room]:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert bad == []


def test_no_import_cycle_among_web_modules():
    graph = {}
    for path in modules("web"):
        name = "web." + path.stem if path.stem != "__init__" else "web"
        graph[name] = {n for n in imported(path) if n.startswith("web.") and n in
                       {"web." + p.stem for p in modules("web")}} - {name}
    # a module importing the package ``web`` itself (services) is not a cycle of modules
    seen, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError(" → ".join(stack[stack.index(node):] + [node]))
        if node in seen:
            return
        stack.append(node)
        for nxt in graph.get(node, ()):
            visit(nxt)
        stack.pop()
        seen.add(node)

    for node in graph:
        visit(node)


def all_modules() -> list[Path]:
    return [p for room in ROOMS for p in modules(room)]


def test_modules_stay_readable():
    long = [f"{p.relative_to(ROOT)}: {n}" for p in all_modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert long == []


def test_long_functions_say_why():
    bad = []
    for path in all_modules():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                body = lines[node.lineno - 1:node.end_lineno]
                if length > MAX_FUNCTION_LINES and not any(WHY_LONG in b for b in body):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert bad == []


def test_the_architecture_document_names_every_room():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for room in ROOMS:
        if (ROOT / room).is_dir():
            assert f"`{room}/`" in text, room

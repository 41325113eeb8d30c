"""House rules the code checks itself: which room may import which (ARCHITECTURE.md),
no import cycle among web/ modules, modules and functions of a readable size."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections import Counter
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


def web_imports(path: Path) -> set[str]:
    """The ``web`` modules ``path`` imports, the package ``web`` itself included when a
    name defined in ``web/__init__.py`` is imported from it (``from web import create_app``)."""
    submodules = {p.stem for p in modules("web")}
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "web":
            for alias in node.names:
                out.add(f"web.{alias.name}" if alias.name in submodules else "web")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("web.") and node.module[4:] in submodules:
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("web.")}
    return out


def test_no_import_cycle_among_web_modules():
    graph = {}
    for path in modules("web"):
        name = "web." + path.stem if path.stem != "__init__" else "web"
        graph[name] = web_imports(path) - {name}
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


def test_only_web_knows_flask():
    """ARCHITECTURE.md: no room but ``web/`` knows Flask."""
    bad = [f"{p.relative_to(ROOT)} imports {n}" for room in ROOMS if room != "web"
           for p in modules(room) for n in imported(p)
           if n.split(".")[0] in ("flask", "werkzeug")]
    assert bad == []


def test_the_layer_context_cache_is_reached_through_its_methods():
    """``LayerContext.cached`` / ``forget``: no module reaches into another object's
    ``_cache`` (an object's own ``self._cache`` is its business)."""
    bad = []
    for path in all_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr == "_cache"
                    and not (isinstance(node.value, ast.Name) and node.value.id == "self")):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


def declared_distributions() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {re.split(r"[<>=\[;~ !]", spec)[0].lower().replace("_", "-")
            for spec in project["dependencies"]}


def test_every_imported_package_is_declared():
    """What the product imports is in pyproject's dependencies (``branca`` was not)."""
    owners = importlib.metadata.packages_distributions()
    ours = set(ROOMS) | {"tests", "benchmarks"}
    declared = declared_distributions()
    missing = set()
    for path in all_modules():
        for name in imported(path):
            top = name.split(".")[0]
            if top in ours or top in sys.stdlib_module_names or top == "__future__":
                continue
            dists = {d.lower().replace("_", "-") for d in owners.get(top, [top])}
            if not dists & declared:
                missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert sorted(missing) == []


def test_openpyxl_private_parser_is_pinned_exactly():
    """ingest/tabular.py streams rows through ``openpyxl.worksheet._reader``: not public
    API, so pyproject pins the version that was checked, and the parts used are here."""
    import inspect

    from openpyxl.worksheet._reader import WorkSheetParser

    pins = re.findall(r'"openpyxl==([0-9.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pins == [importlib.metadata.version("openpyxl")]
    params = inspect.signature(WorkSheetParser).parameters
    assert {"src", "shared_strings", "data_only", "epoch", "date_formats",
            "timedelta_formats"} <= set(params)
    assert callable(WorkSheetParser.parse)


def layer_id_literals(path: Path, ids: set[str]) -> list[tuple[str, int, str]]:
    rel = str(path.relative_to(ROOT))
    return [(rel, node.lineno, node.value)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and node.value in ids
            and (rel, node.value) not in SAME_WORD_NOT_A_LAYER]


# Words spelt like a layer id that name something else.
SAME_WORD_NOT_A_LAYER = {
    ("web/folium_map.py", "entities"): "the page script's drawing factory for point overlays",
    ("web/admin.py", "carriers"): "the kind of an upload (metrics or carriers)",
    ("web/import_cli.py", "carriers"): "the kind of an upload",
    ("web/import_jobs.py", "carriers"): "the kind of an upload",
}
# Views that still name a layer (the monitoring pages, owned apart from the API): each
# should find its layer by what the layer declares, as web/api.py finds the boundary
# layers by map role. The test fails when one is added, and when one is fixed but kept
# on this list.
NAMES_A_LAYER_YET = {"web/regions.py", "web/monitor_data.py", "web/targets_page.py",
                     "web/admin.py"}


# Words that are layer ids but name something else in these views: the plan extraction's
# candidate groups (README "Reading a new plan") in the review views, the import kinds
# (metrics, carriers) in the import preview.
CANDIDATE_GROUPS = {"targets", "entities", "partners", "partnerships"}
NOT_A_LAYER_THERE = {"web/plan_review.py": CANDIDATE_GROUPS,
                     "web/plan_review_page.py": CANDIDATE_GROUPS,
                     "web/import_view.py": {"carriers"}}


def test_no_view_names_a_layer_id():
    """ARCHITECTURE.md: the registry drives every surface; no view names a layer id."""
    from layers import REGISTRY

    hits = [hit for path in modules("web") for hit in layer_id_literals(path, set(REGISTRY))
            if hit[2] not in NOT_A_LAYER_THERE.get(hit[0], ())]
    assert [h for h in hits if h[0] not in NAMES_A_LAYER_YET] == []
    assert {h[0] for h in hits} == NAMES_A_LAYER_YET


def test_dead_module_constants():
    """A module-level CONSTANT nobody uses (not even its own module) is removed."""
    texts = {p: p.read_text(encoding="utf-8") for p in all_modules()}
    everything = "\n".join([*texts.values(), *(p.read_text(encoding="utf-8") for p in [
        *(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py"),
        *(ROOT / "web" / "templates").rglob("*.html")])])
    # Each word counted once over all the text (not one search of it per constant).
    words = Counter(re.findall(r"\w+", everything))
    dead = []
    for path, text in texts.items():
        for node in ast.parse(text).body:
            names = ([t.id for t in node.targets if isinstance(t, ast.Name)]
                     if isinstance(node, ast.Assign) else
                     [node.target.id] if isinstance(node, ast.AnnAssign)
                     and isinstance(node.target, ast.Name) else [])
            for name in names:
                if re.fullmatch(r"[A-Z][A-Z0-9_]+", name) and words[name] <= 1:
                    dead.append(f"{path.relative_to(ROOT)} {name}")
    assert dead == []


# Where a web module catches a core error for a reason other than answering it over HTTP.
CATCHES_A_CORE_ERROR = {
    "web/cli.py": "the command line prints the error and exits 2",
    "web/regions.py": "a region page leaves out the map picture its indicator lacks",
    "web/api_query.py": "the query parser adds the parameter's name to CQL2 errors "
                        "(to become plain raises when the parser names it itself)",
}


def test_core_errors_reach_http_through_the_one_table():
    """ARCHITECTURE.md: domain errors are mapped to HTTP once, in ``web/errors.py``'s
    ``DOMAIN_ERRORS``; views let them rise rather than catch and convert them."""
    from web.errors import DOMAIN_ERRORS

    names = {kind.__name__ for kind in DOMAIN_ERRORS}
    catching = set()
    for path in modules("web"):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = {n.id if isinstance(n, ast.Name) else n.attr
                          for n in ast.walk(node.type) if isinstance(n, (ast.Name, ast.Attribute))}
                if caught & names:
                    catching.add(rel)
    assert catching - {"web/errors.py"} <= set(CATCHES_A_CORE_ERROR)
    assert {"web/api.py", "web/tiles.py", "web/api_store.py"}.isdisjoint(catching)

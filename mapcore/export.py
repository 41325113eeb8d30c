"""What one static export is (map, format, paper, title, note) and how it is rendered.

``parse_export`` validates the arguments of ``/export/<map>.<fmt>`` and ``innomap
export``; ``render_export`` builds the map's :class:`mapcore.spec.MapSpec` from the
same thematic arguments as the interactive page and draws it with
:mod:`geo.cartography`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from geo.map_drawing import FORMATS, Page, Rendered
from mapcore.choice import parse_int
from mapcore.drawing import to_drawing
from mapcore.errors import InvalidChoice
from mapcore.spec import build_map

PAGE_DEFAULTS = {"size": "A4", "orientation": "landscape", "dpi": "300"}
THEMATIC_ARGS = ("indicator", "kind", "year", "scheme", "k", "breaks", "level")
PAGE_ARGS = ("size", "orientation", "dpi", "title", "note")
DPI_STEPS = (72, 150, 300, 600)  # offered resolutions: others snap to the nearest
MAX_TEXT = 60  # characters of a title or note


@dataclass(frozen=True)
class ExportRequest:
    """One export: which map, the map page's thematic choice (raw), paper and texts."""

    map_id: str
    fmt: str
    page: Page
    choice_args: tuple[tuple[str, str], ...] = ()
    title: str = ""
    note: str = ""

    @property
    def key(self) -> tuple:
        return (self.map_id, self.fmt, self.page, self.choice_args, self.title, self.note)

    @property
    def args(self) -> dict[str, str]:
        return dict(self.choice_args)

    def filename(self) -> str:
        args = self.args
        parts = [self.map_id.replace("/", "-"), args.get("indicator"), args.get("kind"),
                 args.get("year"), self.page.size, self.page.orientation,
                 f"{self.page.dpi}dpi"]
        text = "-".join(p for p in parts if p)
        return "innomap-" + "".join(c if c.isascii() and (c.isalnum() or c in "-_.")
                                    else "_" for c in text) + f".{self.fmt}"


def snap_dpi(dpi: int) -> int:
    """The offered resolution nearest ``dpi`` (ties go to the higher one)."""
    return min(DPI_STEPS, key=lambda step: (abs(step - dpi), -step))


def _text_arg(values: Mapping, name: str) -> str:
    raw = str(values.get(name) or "").strip()
    if len(raw) > MAX_TEXT:
        raise InvalidChoice(f"参数 {name} 最多 {MAX_TEXT} 个字符，收到 {len(raw)} 个")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in raw):
        raise InvalidChoice(f"参数 {name} 含有控制字符")
    return raw


def parse_export(map_id: str, fmt: str, args: Mapping) -> ExportRequest:
    """Validate format, paper and texts; keep the thematic arguments for the map.

    Raises InvalidChoice naming the bad parameter.
    """
    if fmt not in FORMATS:
        raise InvalidChoice(f"格式应为 {'、'.join(FORMATS)} 之一，收到 {fmt!r}")
    values = {**PAGE_DEFAULTS, **{k: str(v) for k, v in args.items() if v not in (None, "")}}
    dpi = snap_dpi(parse_int(values, "dpi", 300, 72, 600))
    try:
        page = Page(values["size"], values["orientation"], dpi)
    except ValueError as exc:
        raise InvalidChoice(f"纸张参数无效：{exc}") from None
    choice = tuple(sorted((k, v) for k, v in values.items() if k in THEMATIC_ARGS))
    return ExportRequest(map_id, fmt, page, choice, _text_arg(values, "title"),
                         _text_arg(values, "note"))


def render_export(resources, req: ExportRequest, font) -> Rendered:
    """Render ``req`` for the current data (UnknownMap / InvalidChoice on bad input)."""
    from geo.cartography import render_map  # matplotlib: imported at the first export

    spec = build_map(resources, req.map_id, req.args)
    return render_map(to_drawing(resources, spec, req.title, req.note), req.page, req.fmt,
                      font)


def export_query(args: Mapping) -> dict[str, str]:
    """The export arguments of a map page's query (thematic and page ones)."""
    return {k: v for k, v in args.items() if k in THEMATIC_ARGS + PAGE_ARGS
            and v not in (None, "")}

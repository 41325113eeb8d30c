"""The CJK font static maps are drawn with, found once when the service starts.

Chinese text must never come out as tofu boxes, so the font is chosen by what
it can draw, not by name: the first candidate file whose character map covers
a probe of the characters maps use. Candidates, in order: Noto Sans CJK SC
from the PyPI package ``mplfonts`` (a runtime dependency), then Debian's
``fonts-noto-cjk``. Nothing here changes matplotlib's global state; figures
pass :meth:`CjkFont.properties` to every text they draw.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported where a font is first read, not at start-up
    from matplotlib.font_manager import FontProperties

# Characters every map draws: title words, legend, scale bar, north arrow, note.
PROBE = ("省市县区州盟旗自治无数据图例比例尺北公里创新载体园区走廊"
         "资料来源规划目标基期年均增长率—·％km0123456789")
DEBIAN_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf"),
    Path("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc"),
)
MPLFONTS_FILE = "NotoSansCJKsc-Regular.otf"
# The families an SVG names after the drawn one, for viewers that lack it: the same
# design under its other name, the Chinese UI fonts of Windows (Word, Illustrator)
# and macOS, then the generic family.
SVG_FALLBACK = ["Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
                "PingFang SC", "sans-serif"]


class FontNotFound(RuntimeError):
    """No installed font can draw Chinese text."""


@dataclass(frozen=True)
class CjkFont:
    """A font file that covers Chinese text, and the family name it declares."""

    path: Path
    family: str

    def properties(self, size: float, weight: str = "normal") -> FontProperties:
        """Font properties for one text: drawn from ``path``, named ``family`` in SVG."""
        from matplotlib.font_manager import FontProperties

        families = list(dict.fromkeys([self.family, *SVG_FALLBACK]))
        return FontProperties(family=families, size=size, weight=weight, fname=str(self.path))


def mplfonts_candidates() -> list[Path]:
    """The Noto Sans CJK SC file of the ``mplfonts`` package, if it is installed."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(location) / "fonts" / MPLFONTS_FILE
            for location in spec.submodule_search_locations]


def missing_characters(path: Path, text: str = PROBE) -> str:
    """The characters of ``text`` that the font file at ``path`` has no glyph for."""
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(str(path)).get_charmap()
    return "".join(ch for ch in dict.fromkeys(text) if ord(ch) not in charmap)


def find_cjk_font(candidates: list[Path] | None = None) -> CjkFont:
    """The first candidate font that draws every character maps use.

    Parameters
    ----------
    candidates : list of Path, optional
        Font files to try in order; default: ``mplfonts`` then Debian fonts-noto-cjk.

    Returns
    -------
    CjkFont
        The file and its family name (e.g. ``Noto Sans CJK SC``).

    Raises
    ------
    FontNotFound
        Listing every file tried and why it was rejected.

    Examples
    --------
    >>> find_cjk_font().family  # doctest: +SKIP
    'Noto Sans CJK SC'
    """
    paths = candidates if candidates is not None else [*mplfonts_candidates(), *DEBIAN_FONTS]
    tried = []
    for path in paths:
        if not Path(path).is_file():
            tried.append(f"{path}: no such file")
            continue
        missing = missing_characters(Path(path))
        if missing:
            tried.append(f"{path}: no glyphs for {missing!r}")
            continue
        from matplotlib.ft2font import FT2Font

        return CjkFont(path=Path(path), family=FT2Font(str(path)).family_name)
    raise FontNotFound("no font that can draw Chinese text was found; install the Python "
                       "package mplfonts or the Debian package fonts-noto-cjk. Tried: "
                       + "; ".join(tried or ["(no candidates)"]))

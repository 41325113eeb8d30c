"""The evaluation report of one region and plan (评估报告) as PDF pages.

Drawn with matplotlib (``PdfPages``) in the CJK font of ``geo.fonts`` (embedded as a
Type 42 subset) from ``monitor.summary.ReportFacts``, the same facts as the DOCX and
the XLSX: a cover (单位, 报告日期, 数据截至), the generated summary, the progress chart
and the comparison charts (the same specs the web pages draw with ECharts), the map,
the targets table (the cells of ``monitor.table.display_frame``) with citation
numbers, the numbered citations and the data sources. Text is wrapped between
tokens (``monitor.summary.wrap_cjk``): a figure never splits across lines.
"""

from __future__ import annotations

import io
import math

import matplotlib

from geo.quotes import citation

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from geo.cartography import literal_texts
from geo.fonts import CjkFont  # noqa: E402
from monitor.summary import ReportFacts, progress_spec, wrap_cjk  # noqa: E402

A4_LANDSCAPE = (11.69, 8.27)
TABLE_COLUMNS = ("指标", "基期值", "目标值", "实际值", "完成率", "时序进度", "状态", "出处")
TABLE_WIDTHS = (24, 16, 18, 16, 6, 6, 6, 8)
ROWS_PER_PAGE = 18
STATUS_COLOURS = {"已达成": "#d8f0d2", "进展正常": "#dbe9f7", "滞后": "#fbd9d3"}


class _Pages:
    """A PdfPages with the report's font and page size."""

    def __init__(self, out, font: CjkFont, title: str):
        self.pdf = PdfPages(out, metadata={"Title": title, "Creator": "innomap"})
        self.font, self.title = font, title

    def figure(self, heading: str) -> Figure:
        fig = Figure(figsize=A4_LANDSCAPE)
        fig.text(0.05, 0.95, heading, fontproperties=self.font.properties(15, "bold"))
        fig.text(0.95, 0.02, self.title, ha="right", fontproperties=self.font.properties(8),
                 color="#666")
        return fig

    def save(self, fig: Figure) -> None:
        self.pdf.savefig(literal_texts(fig))  # names and quotes print as written


def report_pdf(facts: ReportFacts, table: pd.DataFrame, rows: pd.DataFrame,
               charts: list[dict], font: CjkFont, map_image: bytes | None = None) -> bytes:
    """The PDF report of ``facts`` (``monitor.summary.report_facts`` of ``rows``).

    ``table`` is ``display_frame`` of the same rows (the text of every cell), ``rows``
    the rows as ``target_rows`` (for the progress chart and the chapters), ``charts``
    comparison specs; ``map_image`` PNG bytes of the region's map.
    """
    matplotlib.rcParams["pdf.fonttype"] = 42
    out = io.BytesIO()
    pages = _Pages(out, font, facts.title)
    _title_page(pages, facts)
    _summary_pages(pages, facts)
    _progress_page(pages, progress_spec(rows, "各指标完成率与时序进度（%）"))
    for spec in charts:
        _compare_page(pages, spec)
    if map_image is not None:
        _map_page(pages, map_image)
    holders = [f"（{h}）" if h else "" for h in rows["holder"]]
    _table_pages(pages, table.assign(
        指标=table["指标"] + holders, 章节=list(rows["chapter"]),
        出处=[" ".join(f"[{n}]" for n in facts.citation_of.get(i, [])) for i in rows["id"]]))
    _text_pages(pages, "出处（规划原文）", [f"[{n}] {citation(t, s, q)}"
                                        for n, t, s, q in facts.citations])
    _text_pages(pages, "附录：数据来源", [f"{what}：{where}" for what, where in facts.sources])
    pages.pdf.close()
    return out.getvalue()


def _title_page(pages: _Pages, facts: ReportFacts) -> None:
    fig = Figure(figsize=A4_LANDSCAPE)
    f = pages.font.properties
    fig.text(0.5, 0.66, "\n".join(wrap_cjk(facts.title, 34)), ha="center", va="center",
             fontproperties=f(22, "bold"))
    d = facts.report_date
    for y, (label, value) in zip((0.5, 0.45, 0.4), (
            ("单位", facts.unit), ("报告日期", f"{d.year}年{d.month}月{d.day}日"),
            ("数据截至", facts.data_as_of))):
        fig.text(0.5, y, f"{label}：{value}", ha="center", fontproperties=f(13))
    fig.text(0.5, 0.22, "完成率 =（实际值 − 基期值）/（目标值 − 基期值）；"
             "时序进度 =（实际年份 − 基期年份）/（目标年份 − 基期年份）；"
             "完成率不低于时序进度为进展正常。", ha="center",
             fontproperties=f(9), color="#444")
    pages.save(fig)


def _summary_pages(pages: _Pages, facts: ReportFacts) -> None:
    counts = "　".join(f"{s} {n} 项" for s, n in facts.counts.items())
    _text_pages(pages, "一、总体情况", [f"共 {facts.total} 项目标：{counts}", *facts.paragraphs],
                size=10, width=78)


def _progress_page(pages: _Pages, spec: dict) -> None:
    fig = pages.figure(spec["title"])
    if not spec["categories"]:
        fig.text(0.5, 0.5, "尚无可计算完成率的实际值：导入实际值后显示。", ha="center",
                 fontproperties=pages.font.properties(13))
    else:
        _progress_bars(fig, spec, pages.font)
    pages.save(fig)


def _progress_bars(fig: Figure, spec: dict, font: CjkFont) -> None:
    ax = fig.add_axes([0.3, 0.1, 0.62, 0.78])
    ys = list(range(len(spec["categories"])))
    ax.barh([y - 0.2 for y in ys], spec["completion"], 0.4, color="#1f4e8c", label="完成率")
    ax.barh([y + 0.2 for y in ys], spec["time_progress"], 0.4, color="#c9c9c9", label="时序进度")
    ax.set_yticks(ys, spec["categories"])
    ax.invert_yaxis()
    _font_axes(ax, font)
    ax.legend(prop=font.properties(9))


def progress_png(rows: pd.DataFrame, font: CjkFont) -> bytes | None:
    """The progress chart as PNG (for the DOCX); None when no target has both figures."""
    spec = progress_spec(rows, "")
    if not spec["categories"]:
        return None
    fig = Figure(figsize=(11, max(3.0, 0.35 * len(spec["categories"]) + 1)))
    _progress_bars(fig, spec, font)
    out = io.BytesIO()
    literal_texts(fig).savefig(out, format="png", dpi=120)
    return out.getvalue()


def _compare_page(pages: _Pages, spec: dict) -> None:
    fig = pages.figure(f"跨规划对比：{spec['title']}（单位：{spec['unit']}）")
    draw_compare(fig.add_axes([0.08, 0.12, 0.86, 0.74]), spec, pages.font)
    pages.save(fig)


def draw_compare(ax, spec: dict, font: CjkFont) -> None:
    """A comparison spec as grouped bars, each labelled with its value and year; every
    region keeps its slot (a group's missing bars leave a gap, not a shifted tick), and
    the legend names only the series drawn."""
    colours = ("#9bb7d4", "#1f4e8c", "#e08a1e")
    n, width = len(spec["categories"]), 0.26
    for i, series in enumerate(spec["series"]):
        xs = [x + (i - 1) * width for x in range(n)]
        values = [math.nan if v is None else v for v in series["data"]]
        drawn = any(not math.isnan(v) for v in values)
        ax.bar(xs, values, width, color=colours[i], label=series["name"] if drawn else None)
        for x, v, label in zip(xs, values, series["labels"]):
            if not math.isnan(v):  # every bar carries its year
                ax.text(x, v, label, ha="center", va="bottom", fontproperties=font.properties(7))
    ax.set_xlim(-0.5, n - 0.5)
    if spec["reference"]:
        ax.axhline(spec["reference"]["value"], color="#a1281b", linestyle="--", linewidth=1)
        ax.text(n - 0.52, spec["reference"]["value"], spec["reference"]["name"], ha="right",
                va="bottom", color="#a1281b", fontproperties=font.properties(9))
    ax.set_xticks(range(n), spec["categories"])
    ax.set_ylabel(spec["unit"], fontproperties=font.properties(10))
    _font_axes(ax, font)
    if ax.get_legend_handles_labels()[1]:
        ax.legend(prop=font.properties(9))


def _map_page(pages: _Pages, png: bytes) -> None:
    import matplotlib.image as mpimg

    fig = pages.figure("地图")
    ax = fig.add_axes([0.05, 0.05, 0.9, 0.85])
    ax.imshow(mpimg.imread(io.BytesIO(png), format="png"))
    ax.set_axis_off()
    pages.save(fig)


def _font_axes(ax, font: CjkFont) -> None:
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontproperties(font.properties(8))


def _table_pages(pages: _Pages, table: pd.DataFrame) -> None:
    """The targets table, chapter by chapter (the chapter in each page's heading)."""
    done, total = 0, len(table)
    for chapter, group in table.groupby("章节", sort=False):
        cells = group[list(TABLE_COLUMNS)]
        for start in range(0, len(cells), ROWS_PER_PAGE):
            chunk = cells.iloc[start:start + ROWS_PER_PAGE]
            where = f"第 {done + 1}–{done + len(chunk)} 项，共 {total} 项"
            _table_page(pages, f"二、目标完成情况：{chapter}（{where}）", chunk)
            done += len(chunk)


def _table_page(pages: _Pages, heading: str, chunk: pd.DataFrame) -> None:
    fig = pages.figure(heading)
    ax = fig.add_axes([0.03, 0.06, 0.94, 0.84])
    ax.set_axis_off()
    text = [["\n".join(wrap_cjk(v, w)) for v, w in zip(row, TABLE_WIDTHS)]
            for row in chunk.itertuples(index=False)]
    grid = ax.table(cellText=text, colLabels=list(TABLE_COLUMNS), loc="upper center",
                    cellLoc="left", colWidths=[w / sum(TABLE_WIDTHS) for w in TABLE_WIDTHS])
    grid.auto_set_font_size(False)
    for (r, c), cell in grid.get_celld().items():
        cell.get_text().set_fontproperties(pages.font.properties(7, "bold" if r == 0 else
                                                                 "normal"))
        cell.set_height(0.045 if r else 0.035)
        if r and TABLE_COLUMNS[c] == "状态":
            cell.set_facecolor(STATUS_COLOURS.get(chunk.iloc[r - 1]["状态"], "#eeeeee"))
    pages.save(fig)


def _text_pages(pages: _Pages, heading: str, items: list[str], size: float = 8,
                width: int = 100) -> None:
    """Numbered or plain paragraphs, each wrapped between tokens (a number keeps its unit),
    a new page (heading “…，续”) when one is full; a paragraph never splits across pages."""
    fig, y = pages.figure(heading), 0.88
    step = size / 340
    for item in items:
        lines = wrap_cjk(item, width)
        height = step * len(lines) + step * 0.6
        if y - height < 0.05:
            pages.save(fig)
            fig, y = pages.figure(f"{heading}（续）"), 0.88
        fig.text(0.05, y, "\n".join(lines), va="top", linespacing=1.5,
                 fontproperties=pages.font.properties(size))
        y -= height * 1.5
    pages.save(fig)

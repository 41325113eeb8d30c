"""The evaluation report of one region (评估报告): PDF pages and an XLSX workbook.

The PDF is drawn with matplotlib (``PdfPages``) in the CJK font of
``geo.fonts`` (embedded as a Type 42 subset): a title page with the date and
status counts, the progress chart and the comparison charts (the same specs the
web pages draw with ECharts), the targets table with status (the exact cells
of ``monitor.table.display_frame``), and the citations. The progress map is a
hook: ``map_image`` (PNG bytes) is placed on its own page when given.
"""

from __future__ import annotations

import io
import math
from datetime import date

import matplotlib

matplotlib.use("Agg")
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from geo.fonts import CjkFont  # noqa: E402
from monitor.progress import STATUSES  # noqa: E402
from sheets import escape_formula  # noqa: E402

A4_LANDSCAPE = (11.69, 8.27)
REPORT_COLUMNS = ("地区", "规划", "指标", "基期值", "目标值", "实际值", "完成率", "时序进度",
                  "状态")
ROWS_PER_PAGE = 18
STATUS_COLOURS = {"已达成": "#d8f0d2", "进展正常": "#dbe9f7", "滞后": "#fbd9d3"}


def progress_spec(rows: pd.DataFrame, title: str) -> dict:
    """完成率 and 时序进度 (%) of every target that has both: one bar pair per target."""
    measured = rows[rows["completion"].notna() & rows["time_progress"].notna()]
    return {"title": title,
            "categories": [f"{r.indicator_name}（{r.year}年目标）" for r in measured.itertuples()],
            "completion": [round(float(v) * 100, 1) for v in measured["completion"]],
            "time_progress": [round(float(v) * 100, 1) for v in measured["time_progress"]]}


def write_xlsx(out, sheets: dict[str, pd.DataFrame]) -> None:
    """Write text frames as sheets of one workbook; formula-like cells escaped."""
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.map(escape_formula).to_excel(writer, sheet_name=name[:31], index=False)


def _wrap(text: str, width: int) -> str:
    text = str(text)
    return "\n".join(text[i:i + width] for i in range(0, len(text), width)) or ""


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
        self.pdf.savefig(fig)


def report_pdf(region_name: str, table: pd.DataFrame, rows: pd.DataFrame,
               charts: list[dict], font: CjkFont, today: date | None = None,
               map_image: bytes | None = None, plan_title: str | None = None) -> bytes:
    """The PDF report of a region (of its plan ``plan_title`` when it has one).

    ``table`` is ``display_frame`` of the region's rows (the text of every cell),
    ``rows`` the same rows as ``target_rows`` (for the progress chart),
    ``charts`` comparison specs; ``map_image`` PNG bytes of the region's map.
    """
    matplotlib.rcParams["pdf.fonttype"] = 42
    title = (f"《{plan_title}》实施评估报告" if plan_title
             else f"{region_name}科技创新规划实施评估报告")
    out = io.BytesIO()
    pages = _Pages(out, font, title)
    _title_page(pages, title, table, today or date.today())
    _progress_page(pages, progress_spec(rows, "各指标完成率与时序进度（%）"))
    for spec in charts:
        _compare_page(pages, spec)
    if map_image is not None:
        _map_page(pages, map_image)
    _table_pages(pages, table)
    _citation_pages(pages, table)
    pages.pdf.close()
    return out.getvalue()


def _title_page(pages: _Pages, title: str, table: pd.DataFrame, today: date) -> None:
    fig = Figure(figsize=A4_LANDSCAPE)
    f = pages.font.properties
    fig.text(0.5, 0.65, title, ha="center", fontproperties=f(22, "bold"))
    fig.text(0.5, 0.57, f"生成日期：{today.year}年{today.month}月{today.day}日",
             ha="center", fontproperties=f(12))
    counts = table["状态"].value_counts()
    summary = "　".join(f"{s} {int(counts.get(s, 0))} 项" for s in STATUSES)
    fig.text(0.5, 0.47, f"共 {len(table)} 项目标：{summary}", ha="center", fontproperties=f(12))
    fig.text(0.5, 0.38, "完成率 =（实际值 − 基期值）/（目标值 − 基期值）；"
             "时序进度 =（实际年份 − 基期年份）/（目标年份 − 基期年份）；"
             "完成率不低于时序进度为进展正常。", ha="center",
             fontproperties=f(9), color="#444")
    fig.text(0.5, 0.3, "资料来源：各地科技创新规划及导入的统计数据，出处见附表。",
             ha="center",
             fontproperties=f(9), color="#444")
    pages.save(fig)


def _progress_page(pages: _Pages, spec: dict) -> None:
    fig = pages.figure(spec["title"])
    if not spec["categories"]:
        fig.text(0.5, 0.5, "尚无可计算完成率的实际值：导入实际值后显示。", ha="center",
                 fontproperties=pages.font.properties(13))
        pages.save(fig)
        return
    ax = fig.add_axes([0.3, 0.1, 0.62, 0.78])
    n = len(spec["categories"])
    ys = list(range(n))
    ax.barh([y - 0.2 for y in ys], spec["completion"], 0.4, color="#1f4e8c", label="完成率")
    ax.barh([y + 0.2 for y in ys], spec["time_progress"], 0.4, color="#c9c9c9", label="时序进度")
    ax.set_yticks(ys, spec["categories"])
    ax.invert_yaxis()
    _font_axes(ax, pages.font)
    ax.legend(prop=pages.font.properties(9))
    pages.save(fig)


def _compare_page(pages: _Pages, spec: dict) -> None:
    fig = pages.figure(f"跨规划对比：{spec['title']}（{spec['unit']}）")
    ax = fig.add_axes([0.08, 0.12, 0.86, 0.74])
    colours = ("#9bb7d4", "#1f4e8c", "#e08a1e")
    n, width = len(spec["categories"]), 0.26
    for i, series in enumerate(spec["series"]):
        xs = [x + (i - 1) * width for x in range(n)]
        values = [math.nan if v is None else v for v in series["data"]]
        ax.bar(xs, values, width, color=colours[i], label=series["name"])
        for x, v in zip(xs, values):
            if not math.isnan(v):
                ax.text(x, v, f"{v:g}", ha="center", va="bottom",
                        fontproperties=pages.font.properties(8))
    if spec["reference"]:
        ax.axhline(spec["reference"]["value"], color="#a1281b", linestyle="--", linewidth=1)
        ax.text(n - 0.5, spec["reference"]["value"], spec["reference"]["name"], ha="right",
                va="bottom", color="#a1281b", fontproperties=pages.font.properties(9))
    ax.set_xticks(range(n), spec["categories"])
    ax.set_ylabel(spec["unit"], fontproperties=pages.font.properties(10))
    _font_axes(ax, pages.font)
    ax.legend(prop=pages.font.properties(9))
    pages.save(fig)


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
    cells = table[list(REPORT_COLUMNS)]
    widths = (7, 11, 18, 14, 16, 14, 6, 6, 6)
    for start in range(0, max(len(cells), 1), ROWS_PER_PAGE):
        chunk = cells.iloc[start:start + ROWS_PER_PAGE]
        rows = f"第 {start + 1}–{start + len(chunk)} 行，共 {len(cells)} 行"
        fig = pages.figure(f"目标完成情况表（{rows}）")
        ax = fig.add_axes([0.03, 0.06, 0.94, 0.84])
        ax.set_axis_off()
        if chunk.empty:
            pages.save(fig)
            continue
        text = [[_wrap(v, w) for v, w in zip(row, widths)] for row in chunk.itertuples(index=False)]
        grid = ax.table(cellText=text, colLabels=list(REPORT_COLUMNS), loc="upper center",
                        cellLoc="left", colWidths=[w / sum(widths) for w in widths])
        grid.auto_set_font_size(False)
        for (r, c), cell in grid.get_celld().items():
            cell.get_text().set_fontproperties(pages.font.properties(7, "bold" if r == 0 else
                                                                     "normal"))
            cell.set_height(0.045 if r else 0.035)
            if r and c == len(REPORT_COLUMNS) - 1:
                cell.set_facecolor(STATUS_COLOURS.get(chunk.iloc[r - 1]["状态"], "#eeeeee"))
        pages.save(fig)


def _citation_pages(pages: _Pages, table: pd.DataFrame, width: int = 95) -> None:
    """Every row's citation and quote, numbered as the table; a new page when one is full."""
    fig, y = pages.figure("出处（规划原文）"), 0.88
    for n, row in enumerate(table.itertuples(index=False), 1):
        base = "" if row.基期值出处 == "—" else f"　基期值：{row.基期值出处}"
        text = _wrap(f"{n}. {row[0]} · {row[2]}：{row.出处} {row.原文}{base}", width)
        height = 0.022 * (text.count("\n") + 1) + 0.01
        if y - height < 0.05:
            pages.save(fig)
            fig, y = pages.figure("出处（规划原文，续）"), 0.88
        fig.text(0.05, y, text, va="top", fontproperties=pages.font.properties(7))
        y -= height
    pages.save(fig)

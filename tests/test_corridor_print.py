"""The corridor's print export shows the legend, labels and colours of its web page,
and the page quotes the plan's sentence for the corridor's structure."""

from __future__ import annotations

import html
import re

import pytest

from mapcore.drawing import to_drawing
from mapcore.export import parse_export
from mapcore.spec import build_map
from web import services
from web.export import export_state, render_export

CORRIDOR = "lyg-hgs-corridor"  # 花果山大道科技创新走廊: 一道两区多节点


@pytest.fixture(scope="module")
def page(app) -> str:
    response = app.test_client().get(f"/maps/corridor/{CORRIDOR}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def page_legend(text: str) -> list[tuple[str, str]]:
    block = re.search(r'<div id="im-legend" class="im-legend im-parts">(.*?)</div>', text, re.S)
    assert block, "the corridor page has no parts legend"
    return [(html.unescape(label), colour) for label, colour in
            re.findall(r'<li data-label="([^"]*)" data-color="([^"]*)">', block.group(1))]


def test_export_legend_is_the_page_legend(app, page):
    legend = page_legend(page)
    labels = [label for label, _ in legend]
    # the corridor's named parts, as the plan names them
    assert {"一道：花果山大道", "南片区", "北片区", "分界线：港城大道", "节点"} <= set(labels)
    assert len({colour for label, colour in legend if label.endswith("片区")}) == 2
    resources = services(app).maps
    drawing = to_drawing(resources, build_map(resources, f"corridor/{CORRIDOR}", {}))
    printed = [(s.label, s.color) for s in drawing.parts]
    assert printed == legend
    rendered = render_export(resources, parse_export(f"corridor/{CORRIDOR}", "svg", {}),
                             export_state(app).font)
    assert set(labels) <= set(rendered.legend_labels)
    # the zone and line labels of the page are written on the print too
    assert {"南片区", "北片区", "一道：花果山大道"} <= set(rendered.labels_placed)


def test_page_draws_each_part_in_its_legend_colour(page):
    legend = dict(page_legend(page))
    drawn = re.findall(r'"l":"([^"]+)"[^{}]*?"st":\{"color":"(#[0-9a-f]{6})"', page)
    assert drawn, "no styled corridor parts in the page's data"
    for label, colour in drawn:
        if label in legend:
            assert legend[label] == colour, label


def test_page_quotes_the_structure_sentence_with_its_source(page):
    block = re.search(r'<dl class="im-structure">(.*?)</dl>', page, re.S).group(1)
    first = re.search(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block).groups()
    assert first[0] == "总体结构"
    # The plan's own quotation marks nest inside the quotation as ‘…’.
    assert "“按照‘一道两区多节点’的空间结构”" in html.unescape(first[1])
    assert "《连云港市“十四五”科技创新规划》" in html.unescape(first[1])

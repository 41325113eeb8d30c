"""What Chinese map pages say: one unit per value, no English prose or record ids,
and a word when a map has nothing to colour."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from mapcore.spec import build_map, map_ids
from mapcore.values import indicators
from tests.conftest import ROOT
from web import services

UNITS = sorted(set(pd.read_csv(ROOT / "data" / "kb" / "indicators.csv", dtype=str,
                               keep_default_na=False)["unit"]) - {""}, key=len, reverse=True)
LATIN_PROSE = re.compile(r"[A-Za-z]+[ ,;]+[A-Za-z]+[ ,;]+[A-Za-z]+")
RECORD_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")


def doubled_unit(text: str) -> str | None:
    """The unit written twice at the end of ``text`` (“力争达到25人 人”), if any."""
    for unit in UNITS:
        if re.search(rf"{re.escape(unit)}\s*{re.escape(unit)}$", text.strip()):
            return unit
    return None


def test_doubled_unit_is_found():
    assert doubled_unit("力争达到25人 人") == "人"
    assert doubled_unit("2.5% %") == "%"
    assert doubled_unit("力争达到25人") is None


@pytest.fixture(scope="module")
def region_maps(app):
    return [m for m, _ in map_ids(services(app).maps) if m.isdigit()]


def test_own_values_panel_writes_each_unit_once(app, region_maps):
    client = app.test_client()
    checked = 0
    for map_id in region_maps:
        page = client.get(f"/maps/{map_id}").get_data(as_text=True)
        panel = re.search(r'<details class="im-own">(.*?)</details>', page, re.S)
        if not panel:
            continue
        for cell in re.findall(r"<td>([^<]*)</td>", panel.group(1)):
            checked += 1
            assert doubled_unit(html.unescape(cell)) is None, (map_id, cell)
    assert checked > 100


@pytest.mark.parametrize("map_id", ["320000", "321300"])
def test_every_indicator_label_writes_its_unit_once(app, map_id):
    resources = services(app).maps
    for indicator in indicators(resources).values():
        for kind in indicator.kinds:
            spec = build_map(resources, map_id, {"indicator": indicator.id, "kind": kind})
            for unit in spec.units.itertuples():
                for label, value in [("数值", unit.shown), *unit.rows]:
                    assert doubled_unit(str(value)) is None, (indicator.id, kind, label, value)


def test_no_english_prose_or_record_ids_in_map_popups(app, region_maps):
    resources = services(app).maps
    for map_id in region_maps:
        spec = build_map(resources, map_id, {})
        for feature in spec.features():
            assert not RECORD_ID.match(feature.name), (map_id, feature.id, feature.name)
            for label, value in feature.rows:
                assert not LATIN_PROSE.search(str(value)), (map_id, feature.name, label)


def test_partnership_lines_are_named_by_their_parties(app):
    spec = build_map(services(app).maps, "321300", {})
    lines = [f for o in spec.overlays if o.layer_id == "partnerships" for f in o.features]
    assert lines
    assert all(re.fullmatch(r"\S+ — \S+市", f.name) for f in lines), [f.name for f in lines]
    assert "南京工业大学 — 宿迁市" in {f.name for f in lines}


def test_a_map_without_values_says_so(app):
    page = app.test_client().get("/maps/321300?indicator=rd_intensity&kind=progress")
    notice = re.search(r'<p class="im-notice" role="status">([^<]+)</p>',
                       page.get_data(as_text=True))
    assert notice and "没有" in notice.group(1)

"""Static map export: file validity per format and map type, Chinese text, legend,
scale bar, bad parameters, CLI = HTTP, concurrency, sample files to look at."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
import warnings
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

from geo import thematic
from geo.cartography import Page, render_map
from geo.fonts import CjkFont, FontNotFound, find_cjk_font, missing_characters
from web import services
from web.cli import main as cli_main
from web.export import (ExportState, build_drawing, export_links, export_map, export_state,
                        parse_request)

LYG = "320700"
LYG_PLAN = "003_4e3fe20dd1e81567"
SVG_NS = "{http://www.w3.org/2000/svg}"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass
class StubCatalog:
    """The app's catalog with test layers in place of its targets, corridors, entities."""

    frames: dict
    context: object
    generation: int = 0


@pytest.fixture(scope="module")
def state(app) -> ExportState:
    return export_state(app)


@pytest.fixture(scope="module")
def lyg_counties(state) -> gpd.GeoDataFrame:
    counties = state.level("county")
    return counties[counties["city_adcode"] == LYG].sort_values("adcode")


@pytest.fixture(scope="module")
def values(lyg_counties) -> pd.DataFrame:
    """Baselines and targets of a test indicator for 连云港's counties; the last has none."""
    adcodes = list(lyg_counties["adcode"])
    targets = [1.2, 2.5, 3.1, 0.8, 4.4][: len(adcodes) - 1]
    rows = []
    common = dict(indicator_id="test-rd", indicator_name="研发投入强度", unit="%",
                  plan_id=LYG_PLAN)
    for adcode, target in zip(adcodes, targets):
        rows.append(dict(region_adcode=adcode, year=2025, value=target, kind="target", **common))
        rows.append(dict(region_adcode=adcode, year=2020, value=target / 2, kind="baseline",
                         **common))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def stub_catalog(catalog, lyg_counties, values) -> StubCatalog:
    """A corridor between two 连云港 county interiors, two carriers, the test values."""
    a, b = (lyg_counties.geometry.iloc[i].representative_point() for i in (0, 1))
    corridors = gpd.GeoDataFrame(
        {"id": ["test-corridor", "test-road"], "corridor_id": ["test-corridor"] * 2,
         "name": ["测试走廊", "测试大道"], "part": ["corridor", "centre_line"],
         "plan_id": [LYG_PLAN] * 2},
        geometry=[shapely.LineString([a, b]), shapely.LineString([a, b])], crs="EPSG:4326")
    points = [lyg_counties.geometry.iloc[i].representative_point() for i in (2, 3)]
    entities = gpd.GeoDataFrame(
        {"id": ["e1", "e2"], "name": ["测试高新区", "测试高校"],
         "type": ["high_tech_zone", "university"], "precision": ["site", "county_centroid"],
         "plan_id": [LYG_PLAN, LYG_PLAN]}, geometry=points, crs="EPSG:4326")
    return StubCatalog({**catalog.frames, "corridors": corridors, "entities": entities,
                        "targets": values}, catalog.context)


def render(state, catalog, map_id, fmt, **args):
    req = parse_request(map_id, fmt, {k: str(v) for k, v in args.items()})
    return render_map(build_drawing(state, catalog, req), req.page, fmt, state.font)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def pdf_font_report(data: bytes, tmp_path: Path) -> list[list[str]]:
    """Rows of ``pdffonts`` (name, type, …, emb, sub, uni, object, id)."""
    path = tmp_path / "map.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


# -- page and files ---------------------------------------------------------------

@pytest.mark.parametrize("size,orientation,dpi,expected", [
    ("A4", "landscape", 300, (3508, 2480)),
    ("A4", "portrait", 72, (595, 842)),
    ("A3", "portrait", 150, (1754, 2480)),
])
def test_page_pixels_are_paper_times_dpi(size, orientation, dpi, expected):
    assert Page(size, orientation, dpi).pixels == expected


def test_a4_300dpi_png_has_exact_pixel_size(client):
    response = client.get("/export/320000.png?size=A4&orientation=portrait&dpi=300")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert png_size(response.data) == (2480, 3508)


@pytest.mark.parametrize("map_id", ["320000", LYG, "341300", "corridor/test-corridor"])
def test_every_map_type_exports_valid_png_svg_pdf(state, stub_catalog, values, map_id,
                                                   tmp_path):
    indicator = {"indicator": "test-rd"} if map_id != "341300" else {}
    png = render(state, stub_catalog, map_id, "png", dpi=96, **indicator)
    assert png_size(png.data) == Page("A4", "landscape", 96).pixels
    svg = render(state, stub_catalog, map_id, "svg", **indicator)
    texts = svg_texts(svg.data)
    title = build_drawing(state, stub_catalog, parse_request(map_id, "svg", indicator)).title
    assert title in texts
    assert any("资料来源" in t for t in texts)
    pdf = render(state, stub_catalog, map_id, "pdf", **indicator)
    assert pdf.data.startswith(b"%PDF-")
    assert pdf.data.rstrip().endswith(b"%%EOF")
    if shutil.which("pdffonts"):
        rows = pdf_font_report(pdf.data, tmp_path)
        assert rows and all(row[-5] == "yes" for row in rows), rows
        assert any("NotoSansCJK" in row[0] for row in rows)
    assert b"/FontFile2" in pdf.data or b"/FontFile3" in pdf.data


def test_http_formats_and_headers(client):
    for fmt, mimetype in (("svg", "image/svg+xml"), ("pdf", "application/pdf")):
        response = client.get(f"/export/{LYG}.{fmt}?size=A3&orientation=portrait")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert f"{LYG}-A3-portrait" in response.headers["Content-Disposition"]
        assert response.headers["X-Map-CRS"] == "EPSG:4549"
    svg = client.get(f"/export/{LYG}.svg?size=A3&orientation=portrait").data
    root = ET.fromstring(svg)
    width_pt = float(root.get("width").removesuffix("pt"))
    assert width_pt == pytest.approx(297 / 25.4 * 72, abs=0.01)
    assert any(t.startswith("连云港市 · ") for t in svg_texts(svg))


# -- Chinese text -----------------------------------------------------------------

def test_found_font_draws_every_map_character():
    font = find_cjk_font()
    assert missing_characters(font.path) == ""
    assert "CJK" in font.family


def test_no_font_is_a_clear_error(tmp_path):
    with pytest.raises(FontNotFound, match="mplfonts.*fonts-noto-cjk"):
        find_cjk_font([tmp_path / "none.otf", DEJAVU])


def _glyph_warnings(state, catalog, font) -> list[str]:
    req = parse_request(LYG, "png", {"dpi": "72", "indicator": "test-rd"})
    drawing = build_drawing(state, catalog, req)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_map(drawing, req.page, "png", font)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.mark.skipif(not DEJAVU.is_file(), reason="needs DejaVu Sans to show the check fails")
def test_chinese_renders_without_missing_glyphs(state, stub_catalog):
    assert _glyph_warnings(state, stub_catalog, state.font) == []
    latin_only = CjkFont(path=DEJAVU, family="DejaVu Sans")
    assert _glyph_warnings(state, stub_catalog, latin_only)


# -- legend and scale bar ---------------------------------------------------------

@pytest.mark.parametrize("scheme,k,extra", [("quantiles", 3, {}),
                                            ("equal_interval", 4, {}),
                                            ("user_defined", 5, {"breaks": "1,2,3"})])
def test_legend_breaks_are_the_classifier_breaks(state, stub_catalog, values, scheme, k,
                                                 extra):
    req = parse_request(LYG, "svg", {"indicator": "test-rd", "scheme": scheme, "k": str(k),
                                     "year": "2025", **extra})
    drawing = build_drawing(state, stub_catalog, req)
    targets = values[values["kind"] == "target"]["value"].to_numpy()
    expected = {"quantiles": lambda: mapclassify.Quantiles(targets, k=k),
                "equal_interval": lambda: mapclassify.EqualInterval(targets, k=k),
                "user_defined": lambda: mapclassify.UserDefined(targets, bins=[1, 2, 3])}[scheme]()
    uppers = [e.upper for e in drawing.legend.entries]
    np.testing.assert_allclose(uppers, expected.bins)
    assert drawing.legend.no_data.label == "无数据"
    assert drawing.legend.no_data.count == 1
    rendered = render_map(drawing, req.page, "svg", state.font)
    texts = svg_texts(rendered.data)
    for entry in drawing.legend.entries:
        assert entry.label in texts
    assert "无数据" in texts
    assert rendered.legend_labels[: len(uppers) + 1] == tuple(
        [e.label for e in drawing.legend.entries] + ["无数据"])


def test_gap_and_cagr_use_thematic_values(state, stub_catalog, values):
    for kind, unit in (("gap", "个百分点"), ("cagr", "%/年")):
        req = parse_request(LYG, "png", {"indicator": "test-rd", "kind": kind})
        drawing = build_drawing(state, stub_catalog, req)
        table = thematic.value_table(values, "test-rd", kind)
        assert drawing.legend.unit == unit
        assert drawing.legend.entries[-1].upper == pytest.approx(table["value"].max())


@pytest.mark.parametrize("map_id,size,orientation", [("320000", "A4", "landscape"),
                                                     ("341300", "A3", "portrait"),
                                                     (LYG, "A4", "portrait")])
def test_scale_bar_matches_geodesic_distance(state, catalog, map_id, size, orientation):
    rendered = render(state, catalog, map_id, "png", size=size, orientation=orientation,
                      dpi=72)
    bar = rendered.scale_bar
    to_lonlat = Transformer.from_crs(rendered.crs, "EPSG:4326", always_xy=True)
    (lon0, lat0), (lon1, lat1) = (to_lonlat.transform(*p) for p in (bar.start, bar.end))
    metres = Geod(ellps="GRS80").inv(lon0, lat0, lon1, lat1)[2]
    assert metres / 1000 == pytest.approx(bar.km, rel=0.02)
    assert rendered.crs.to_epsg() == (4548 if map_id == "341300" else 4549)


def test_county_labels_do_not_overlap_and_are_drawn(state, catalog):
    rendered = render(state, catalog, "320000", "svg")
    texts = svg_texts(rendered.data)
    placed = rendered.labels_placed
    assert len(placed) > 40          # most of Jiangsu's 95 counties get a label
    assert set(placed) <= set(texts)


# -- parameters -------------------------------------------------------------------

@pytest.mark.parametrize("url,status,word", [
    ("/export/320000.png?dpi=71", 400, "dpi"),
    ("/export/320000.png?dpi=601", 400, "dpi"),
    ("/export/320000.png?dpi=high", 400, "dpi"),
    ("/export/320000.png?size=B5", 400, "size"),
    ("/export/320000.png?orientation=diagonal", 400, "orientation"),
    ("/export/320000.gif", 400, "format"),
    ("/export/320000.png?kind=peak", 400, "kind"),
    ("/export/320000.png?scheme=jenks", 400, "scheme"),
    ("/export/320000.png?scheme=user_defined", 400, "breaks"),
    ("/export/320000.png?breaks=1,x&scheme=user_defined", 400, "breaks"),
    ("/export/320000.png?indicator=no-such-indicator", 400, "indicator"),
    ("/export/999999.png", 404, "map"),
    ("/export/corridor/no-such-corridor.png", 404, "corridor"),
])
def test_bad_parameters_get_a_message(client, url, status, word):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert word in response.get_json()["description"]


def test_user_breaks_that_do_not_increase_are_rejected(state, stub_catalog):
    from web.errors import InvalidParameter

    req = parse_request(LYG, "png", {"indicator": "test-rd", "scheme": "user_defined",
                                     "breaks": "3,2"})
    with pytest.raises(InvalidParameter, match="breaks"):
        build_drawing(state, stub_catalog, req)


def test_export_links_point_at_working_exports(client):
    links = export_links(LYG, {"scheme": "equal_interval", "dpi": "72", "zoom": "9"})
    assert [url.split("?")[0] for _, url in links] == [
        f"/export/{LYG}.png", f"/export/{LYG}.svg", f"/export/{LYG}.pdf"]
    assert all("zoom" not in url for _, url in links)
    for _, url in links:
        assert client.get(url).status_code == 200
    assert export_links("corridor/lyg-hgs-corridor")[0][1] == \
        "/export/corridor/lyg-hgs-corridor.png"


def test_cli_writes_the_same_bytes_as_http(client, tmp_path, capsys):
    out = tmp_path / "lyg.svg"
    assert cli_main(["export", LYG, "-o", str(out), "--size", "A3"]) == 0
    assert out.read_bytes() == client.get(f"/export/{LYG}.svg?size=A3").data
    assert cli_main(["export", LYG, "-o", str(tmp_path / "x.png"), "--dpi", "5"]) == 2
    assert "dpi" in capsys.readouterr().err


# -- concurrency ------------------------------------------------------------------

JOBS = [(LYG, "png", {"dpi": "72"}), ("321300", "png", {"dpi": "80"}),
        ("341300", "svg", {"orientation": "portrait"}), (LYG, "pdf", {})]


def test_parallel_renders_in_threads_are_correct_and_distinct(app, catalog):
    fresh = ExportState(services(app).settings.data_dir, export_state(app).font)
    expected = [render(fresh, catalog, m, f, **a).data for m, f, a in JOBS]  # not cached
    assert len({hashlib.sha256(d).hexdigest() for d in expected}) == len(JOBS)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda job: export_map(fresh, catalog,
                                                   parse_request(*job)).data, JOBS))
    assert got == expected


@pytest.mark.live
def test_parallel_requests_to_the_server(live_url, client):
    import urllib.request

    urls = [f"/export/{m}.png?dpi={72 + 8 * i}" for i, m in
            enumerate([LYG, "321300", "341300", "320100"])]

    def fetch(url):
        with urllib.request.urlopen(live_url + url, timeout=60) as response:
            return response.read()

    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(fetch, urls))
    for i, (url, data) in enumerate(zip(urls, got)):
        assert png_size(data) == Page("A4", "landscape", 72 + 8 * i).pixels
        assert data == client.get(url).data
    assert len({hashlib.sha256(d).hexdigest() for d in got}) == len(urls)


# -- samples to look at -----------------------------------------------------------

def test_sample_exports_for_people_to_read(state, stub_catalog, client, artifacts_dir):
    """One file per map type from the real knowledge base, and one with test values."""
    samples = {"province-320000": "/export/320000.png?dpi=150",
               "city-320700": f"/export/{LYG}.png?dpi=150&orientation=portrait",
               "corridor-lyg-hgs": "/export/corridor/lyg-hgs-corridor.png?dpi=150"}
    for name, url in samples.items():
        response = client.get(url)
        assert response.status_code == 200, response.data[:300]
        assert png_size(response.data) == Page(
            "A4", "portrait" if "portrait" in url else "landscape", 150).pixels
        (artifacts_dir / f"export-{name}.png").write_bytes(response.data)
    pdf = client.get(f"/export/{LYG}.pdf")
    assert pdf.status_code == 200
    (artifacts_dir / "export-city-320700.pdf").write_bytes(pdf.data)
    rendered = render(state, stub_catalog, LYG, "png", dpi=150, indicator="test-rd", k=3)
    (artifacts_dir / "export-city-320700-test-values.png").write_bytes(rendered.data)
    assert "无数据" in rendered.legend_labels

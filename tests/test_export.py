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
from layers.base import Layer
from mapcore.drawing import to_drawing
from mapcore.errors import InvalidChoice
from mapcore.export import parse_export, render_export
from mapcore.spec import build_map
from web import create_app, services
from web.cli import main as cli_main
from web.export import export_file, export_state
from web.maps import export_links

LYG = "320700"
LYG_PLAN = "003_4e3fe20dd1e81567"
SVG_NS = "{http://www.w3.org/2000/svg}"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TARGETS = [1.2, 2.5, 3.1, 0.8, 4.4]


def lyg_counties_of(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame[(frame["level"] == "county") & (frame["city_adcode"] == LYG)].sort_values(
        "adcode")


class TestValues(Layer):
    """Baselines and targets of a test indicator for 连云港's counties; the last has none."""

    id = "test-values"
    title = "测试指标"
    description = "测试用的县区基期值与目标值"
    map_role = "values"
    values_format = "long"

    def load(self, ctx):
        adcodes = list(lyg_counties_of(ctx.layer("boundaries-county"))["adcode"])
        rows = []
        common = dict(indicator_id="test-rd", indicator_name="研发投入强度", unit="%",
                      plan_id=LYG_PLAN)
        for i, (adcode, target) in enumerate(zip(adcodes, TARGETS[: len(adcodes) - 1])):
            rows.append(dict(id=f"t{i}", region_adcode=adcode, year=2025, value=target,
                             kind="target", **common))
            rows.append(dict(id=f"b{i}", region_adcode=adcode, year=2020, value=target / 2,
                             kind="baseline", **common))
        return gpd.GeoDataFrame(rows, geometry=[None] * len(rows), crs="EPSG:4326")


class TestCorridor(Layer):
    """A corridor between two 连云港 county interiors."""

    id = "test-corridor-parts"
    title = "测试走廊"
    description = "测试用的走廊"
    map_role = "corridor"
    family = "corridor"

    def load(self, ctx):
        counties = lyg_counties_of(ctx.layer("boundaries-county"))
        a, b = (counties.geometry.iloc[i].representative_point() for i in (0, 1))
        line = shapely.LineString([a, b])
        return gpd.GeoDataFrame(
            {"id": ["test-corridor", "test-road"], "corridor_id": ["test-corridor"] * 2,
             "name": ["测试走廊", "测试大道"], "part": ["corridor", "centre_line"],
             "precision": ["approximate"] * 2, "buffer_m": [float("nan")] * 2,
             "members": ["", ""], "carriers": ["e1|e2", ""], "plan_id": [LYG_PLAN] * 2,
             "section": ["一", "一"], "quote": ["测试", "测试"]},
            geometry=[line, line], crs="EPSG:4326")


class TestPoints(Layer):
    """Two carriers, one at its site and one at a county centre."""

    id = "test-points"
    title = "测试载体"
    description = "测试用的两个载体"
    map_role = "points"

    def load(self, ctx):
        counties = lyg_counties_of(ctx.layer("boundaries-county"))
        points = [counties.geometry.iloc[i].representative_point() for i in (2, 3)]
        return gpd.GeoDataFrame(
            {"id": ["e1", "e2"], "name": ["测试高新区", "测试高校"],
             "family": ["zone", "university"], "precision": ["site", "county_centroid"],
             "hollow": [False, True], "county_counted": list(counties["adcode"].iloc[2:4]),
             "plan_id": [LYG_PLAN, LYG_PLAN], "section": ["一", "一"],
             "quote": ["测试", "测试"]}, geometry=points, crs="EPSG:4326")


@pytest.fixture(scope="module")
def stub_app(sample_store):
    """An app that also serves and maps the three test layers above."""
    return create_app({"testing": True, "store_url": str(sample_store)},
                      layers=[TestValues(), TestCorridor(), TestPoints()])


@pytest.fixture(scope="module")
def font(app):
    return export_state(app).font


@pytest.fixture(scope="module")
def values(stub_app) -> pd.DataFrame:
    return services(stub_app).catalog.frame("test-values")


def render(app, map_id, fmt, **args):
    req = parse_export(map_id, fmt, {k: str(v) for k, v in args.items()})
    return render_export(services(app).maps, req, export_state(app).font)


def drawing_of(app, map_id, **args):
    resources = services(app).maps
    return to_drawing(resources, build_map(resources, map_id, args))


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
def test_every_map_type_exports_valid_png_svg_pdf(stub_app, map_id, tmp_path):
    indicator = {"indicator": "test-rd"} if map_id in ("320000", LYG) else {}
    png = render(stub_app, map_id, "png", dpi=150, **indicator)
    assert png_size(png.data) == Page("A4", "landscape", 150).pixels
    svg = render(stub_app, map_id, "svg", **indicator)
    texts = svg_texts(svg.data)
    title = drawing_of(stub_app, map_id, **indicator).title
    assert title in texts
    assert any("资料来源" in t for t in texts)
    pdf = render(stub_app, map_id, "pdf", **indicator)
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


def _glyph_warnings(app, font) -> list[str]:
    drawing = drawing_of(app, LYG, indicator="test-rd")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_map(drawing, Page(dpi=72), "png", font)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.mark.skipif(not DEJAVU.is_file(), reason="needs DejaVu Sans to show the check fails")
def test_chinese_renders_without_missing_glyphs(stub_app, font):
    assert _glyph_warnings(stub_app, font) == []
    latin_only = CjkFont(path=DEJAVU, family="DejaVu Sans")
    assert _glyph_warnings(stub_app, latin_only)


# -- legend and scale bar ---------------------------------------------------------

@pytest.mark.parametrize("scheme,k,extra", [("quantiles", 3, {}),
                                            ("equal_interval", 4, {}),
                                            ("user_defined", 5, {"breaks": "1,2,3"})])
def test_legend_breaks_are_the_classifier_breaks(stub_app, font, values, scheme, k, extra):
    drawing = drawing_of(stub_app, LYG, indicator="test-rd", scheme=scheme, k=str(k),
                         year="2025", **extra)
    targets = values[values["kind"] == "target"]["value"].to_numpy()
    expected = {"quantiles": lambda: mapclassify.Quantiles(targets, k=k),
                "equal_interval": lambda: mapclassify.EqualInterval(targets, k=k),
                "user_defined": lambda: mapclassify.UserDefined(targets, bins=[1, 2, 3])}[scheme]()
    uppers = [e.upper for e in drawing.legend.entries]
    np.testing.assert_allclose(uppers, expected.bins)
    assert drawing.legend.no_data.label == "无数据"
    assert drawing.legend.no_data.count == 1
    rendered = render_map(drawing, Page(), "svg", font)
    texts = svg_texts(rendered.data)
    for entry in drawing.legend.entries:
        assert entry.label in texts
    assert "无数据" in texts
    assert rendered.legend_labels[: len(uppers) + 1] == tuple(
        [e.label for e in drawing.legend.entries] + ["无数据"])


def test_gap_and_cagr_use_thematic_values(stub_app, values):
    for kind, unit in (("gap", "个百分点"), ("cagr", "%/年")):
        drawing = drawing_of(stub_app, LYG, indicator="test-rd", kind=kind)
        table = thematic.value_table(values, "test-rd", kind)
        assert drawing.legend.unit == unit
        assert drawing.legend.entries[-1].upper == pytest.approx(table["value"].max())


@pytest.mark.parametrize("map_id,size,orientation", [("320000", "A4", "landscape"),
                                                     ("341300", "A3", "portrait"),
                                                     (LYG, "A4", "portrait")])
def test_scale_bar_matches_geodesic_distance(app, map_id, size, orientation):
    rendered = render(app, map_id, "png", size=size, orientation=orientation,
                      dpi=72)
    bar = rendered.scale_bar
    to_lonlat = Transformer.from_crs(rendered.crs, "EPSG:4326", always_xy=True)
    (lon0, lat0), (lon1, lat1) = (to_lonlat.transform(*p) for p in (bar.start, bar.end))
    metres = Geod(ellps="GRS80").inv(lon0, lat0, lon1, lat1)[2]
    assert metres / 1000 == pytest.approx(bar.km, rel=0.02)
    assert rendered.crs.to_epsg() == (4548 if map_id == "341300" else 4549)


def test_county_labels_do_not_overlap_and_are_drawn(app):
    rendered = render(app, "320000", "svg")
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
    ("/export/320000.gif", 400, "格式"),
    ("/export/320000.png?kind=peak", 400, "kind"),
    ("/export/320000.png?scheme=jenks", 400, "scheme"),
    ("/export/320000.png?scheme=user_defined", 400, "breaks"),
    ("/export/320000.png?breaks=1,x&scheme=user_defined", 400, "breaks"),
    ("/export/320000.png?indicator=no-such-indicator", 400, "indicator"),
    ("/export/999999.png", 404, "地图"),
    ("/export/corridor/no-such-corridor.png", 404, "走廊"),
    ("/export/320000.png?title=" + "长" * 61, 400, "title"),
    ("/export/320000.png?note=%E5%86%85%0A%E9%83%A8", 400, "note"),
])
def test_bad_parameters_get_a_message(client, url, status, word):
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert word in response.get_json()["description"]


def test_user_breaks_that_do_not_increase_are_rejected(stub_app):
    with pytest.raises(InvalidChoice, match="breaks"):
        drawing_of(stub_app, LYG, indicator="test-rd", scheme="user_defined", breaks="3,2")


@pytest.mark.parametrize("asked,used", [(72, 72), (96, 72), (120, 150), (200, 150),
                                        (240, 300), (450, 600), (600, 600)])
def test_dpi_snaps_to_the_offered_resolutions(asked, used):
    assert parse_export(LYG, "png", {"dpi": str(asked)}).page.dpi == used


def test_scale_is_one_standard_value_in_every_format(app):
    scales = {fmt: render(app, LYG, fmt, dpi=72).scale_denominator
              for fmt in ("png", "svg", "pdf")}
    assert len(set(scales.values())) == 1, scales
    scale = scales["svg"]
    assert str(scale)[0] in "1234568" and set(str(scale)[2:]) <= {"0"}
    texts = svg_texts(render(app, LYG, "svg").data)
    assert f"比例尺 1:{scale:,}" in texts


def test_title_and_note_are_printed(app):
    texts = svg_texts(render(app, LYG, "svg", title="连云港市创新布局", note="内部用图").data)
    assert "连云港市创新布局" in texts
    assert any(t.startswith("内部用图。资料来源") for t in texts)


def test_svg_names_windows_fonts(app):
    svg = render(app, LYG, "svg").data.decode()
    assert "Microsoft YaHei" in svg and "SimHei" in svg


def test_export_links_point_at_working_exports(client):
    links = export_links(LYG, {"scheme": "equal_interval", "dpi": "72", "zoom": "9"})
    assert [url.split("?")[0] for _, url in links] == [
        f"/export/{LYG}.png", f"/export/{LYG}.svg", f"/export/{LYG}.pdf"]
    assert all("zoom" not in url for _, url in links)
    for _, url in links:
        assert client.get(url).status_code == 200
    assert export_links("corridor/lyg-hgs-corridor", {})[0][1] == \
        "/export/corridor/lyg-hgs-corridor.png"


def test_cli_writes_the_same_bytes_as_http(client, tmp_path, capsys):
    out = tmp_path / "lyg.svg"
    assert cli_main(["export", LYG, "-o", str(out), "--size", "A3"]) == 0
    assert out.read_bytes() == client.get(f"/export/{LYG}.svg?size=A3").data
    assert cli_main(["export", LYG, "-o", str(tmp_path / "x.png"), "--dpi", "5"]) == 2
    assert "dpi" in capsys.readouterr().err


# -- concurrency ------------------------------------------------------------------

JOBS = [(LYG, "png", {"dpi": "72"}), ("321300", "png", {"dpi": "150"}),
        ("341300", "svg", {"orientation": "portrait"}), (LYG, "pdf", {})]


def test_parallel_renders_in_threads_are_correct_and_distinct(app):
    expected = [render(app, m, f, **a).data for m, f, a in JOBS]  # not cached
    assert len({hashlib.sha256(d).hexdigest() for d in expected}) == len(JOBS)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda job: render(app, job[0], job[1], **job[2]).data, JOBS))
    assert got == expected


@pytest.mark.live
def test_parallel_requests_to_the_server(live_url, client):
    import urllib.request

    urls = [f"/export/{m}.png?dpi={dpi}" for m, dpi in
            zip([LYG, "321300", "341300", "320100"], (72, 150, 72, 150))]

    def fetch(url):
        with urllib.request.urlopen(live_url + url, timeout=60) as response:
            return response.read()

    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(fetch, urls))
    for url, data, dpi in zip(urls, got, (72, 150, 72, 150)):
        assert png_size(data) == Page("A4", "landscape", dpi).pixels
        assert data == client.get(url).data
    assert len({hashlib.sha256(d).hexdigest() for d in got}) == len(urls)


# -- samples to look at -----------------------------------------------------------

def test_sample_exports_for_people_to_read(stub_app, client, artifacts_dir):
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
    rendered = render(stub_app, LYG, "png", dpi=150, indicator="test-rd", k=3)
    (artifacts_dir / "export-city-320700-test-values.png").write_bytes(rendered.data)
    assert "无数据" in rendered.legend_labels


# -- bounded work -----------------------------------------------------------------

def test_a_busy_host_answers_503_with_retry_after(sample_store, tmp_path):
    app = create_app({"testing": True, "store_url": str(sample_store),
                      "export_cache_dir": str(tmp_path), "export_slots": 1,
                      "export_wait_s": 0})
    work = export_state(app).work
    with work.slot():  # another worker is rendering
        response = app.test_client().get("/export/321300.png?dpi=72",
                                         headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 5
    assert "秒后重试" in response.get_json()["description"]
    assert app.test_client().get("/export/321300.png?dpi=72").status_code == 200  # slot free


def test_workers_share_finished_files_and_an_import_renames_them(sample_store, tmp_path):
    settings = {"testing": True, "store_url": str(sample_store),
                "export_cache_dir": str(tmp_path)}
    first, second = create_app(settings), create_app(settings)
    req = parse_export(LYG, "svg", {})
    data, epsg = export_file(first, req)
    assert epsg == 4549 and len(list(tmp_path.glob("*.svg"))) == 1
    name = export_state(second).work.name(req.key, services(second).catalog.data_identity())
    assert export_state(second).work.cached(name, "svg") == (data, epsg)  # no second render
    identity = services(second).catalog.data_identity()
    services(second).catalog.frames["imported-metrics"] = \
        services(second).catalog.frames["imported-metrics"].assign(version=99)
    assert services(second).catalog.data_identity() != identity

"""The cooperation network (创新合作网络): partner institutions and partnerships.

``data/kb/partners.csv`` lists the universities, academies and institutes
outside a plan's region that the plan names as partners, each at its real
location with an honest precision grade; ``data/kb/partnerships.csv`` holds one
row per partnership: which partner, which region (adcode), which plan passage
(exact quote) and what kind of cooperation. Two layers serve them: ``partners``
(one Point per institution) and ``partnerships`` (one LineString per
partnership, from the partner to the region's representative point, the same
point the ``city_centroid`` grade uses).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.quotes import citation
from layers.base import Layer, LayerContext, LayerError
from layers.boundaries import all_boundaries
from layers.entities import KB_DIR, read_entity_types, read_precision_grades
from layers.kb import read_csv
from layers.plans import load_plans

PARTNER_COLUMNS = ["id", "name", "aliases", "type", "location", "country", "province_adcode",
                   "city_adcode", "entity_id", "precision", "wkt", "note"]
PARTNERSHIP_COLUMNS = ["id", "partner_id", "region_adcode", "plan_id", "section", "quote", "kind"]
# What a partnership is, in the plans' words (documented in data/kb/README.md).
PARTNERSHIP_KINDS = {
    "战略合作": "政府或地区层面的战略合作、全面合作协议",
    "共建平台": "与本地共建研究院、研究所、联合创新中心等平台",
    "产学研合作": "企业与高校院所的技术合作、联合攻关",
    "人才培养": "联合办学、定向培养等人才培养合作",
    "引进成果与人才": "面向该机构引进创新成果、培养高端人才",
}


def read_partners(data_dir: Path) -> pd.DataFrame:
    """``partners.csv`` checked: unique ids, known type and grade, a Point per row."""
    frame = read_csv(Path(data_dir) / KB_DIR / "partners.csv", PARTNER_COLUMNS)
    types = set(read_entity_types(data_dir)["id"])
    grades = set(read_precision_grades(data_dir)["id"])
    checks = [(frame["id"].duplicated(), "duplicate id"),
              (~frame["type"].isin(types), "unknown type"),
              (~frame["precision"].isin(grades), "unknown precision"),
              (frame["name"] == "", "empty name")]
    for bad, what in checks:
        if bad.any():
            raise LayerError(f"partners.csv: {what} for {frame.loc[bad, 'id'].tolist()[:5]}")
    return frame


def read_partnerships(data_dir: Path, partners: pd.DataFrame | None = None) -> pd.DataFrame:
    """``partnerships.csv`` checked against the partners, the plans and the kinds."""
    frame = read_csv(Path(data_dir) / KB_DIR / "partnerships.csv", PARTNERSHIP_COLUMNS)
    partners = read_partners(data_dir) if partners is None else partners
    names = {row.id: [row.name, *filter(None, row.aliases.split("|"))]
             for row in partners.itertuples()}
    checks = [(frame["id"].duplicated(), "duplicate id"),
              (~frame["partner_id"].isin(names), "unknown partner_id"),
              (~frame["plan_id"].isin(load_plans(data_dir)), "unknown plan_id"),
              (~frame["kind"].isin(PARTNERSHIP_KINDS), "unknown kind"),
              (~frame["region_adcode"].str.fullmatch(r"\d{6}"), "bad region_adcode")]
    for bad, what in checks:
        if bad.any():
            raise LayerError(f"partnerships.csv: {what} for {frame.loc[bad, 'id'].tolist()[:5]}")
    unnamed = [row.id for row in frame.itertuples()
               if not any(name in row.quote for name in names[row.partner_id])]
    if unnamed:
        raise LayerError(f"partnerships.csv: quote does not name the partner for {unnamed[:5]}")
    return frame


def _point(partner_id: str, text: str) -> shapely.Point:
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        raise LayerError(f"partners.csv: bad wkt for {partner_id}: {exc}") from None
    if not isinstance(geom, shapely.Point) or geom.is_empty:
        raise LayerError(f"partners.csv: {partner_id} must be a POINT, got {text[:30]!r}")
    return geom


def _citation(plans: dict, row) -> str:
    return citation(plans[row.plan_id].title, row.section, row.quote)


def _region_points(ctx: LayerContext) -> tuple[pd.Series, pd.Series]:
    """Representative point and name of every boundary unit, by adcode."""
    units = all_boundaries(ctx).set_index("adcode")
    return units.geometry.representative_point(), units["name"]


def _summaries(links: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """Per partner: the regions, plans and kinds of its partnerships, and how many."""
    def joined(values) -> str:
        return "|".join(dict.fromkeys(values))
    grouped = links.groupby("partner_id", sort=False)
    return pd.DataFrame({
        "region_adcodes": grouped["region_adcode"].agg(joined),
        "region_names": grouped["region_adcode"].agg(lambda s: joined(names[a] for a in s)),
        "plan_ids": grouped["plan_id"].agg(joined),
        "kinds": grouped["kind"].agg(joined),
        "n_partnerships": grouped.size(),
    })


class PartnersLayer(Layer):
    id = "partners"
    title = "合作高校院所"
    description = ("规划点名的区域外合作高校、科研院所（创新合作网络的节点）：名称、类型、所在地、"
                   "定位精度（precision / precision_label）、合作地区（region_adcodes）、合作方式及"
                   "第一条合作引文；每条合作见 partnerships 图层。")
    map_role = "points"
    family = "university"
    map_default_visible = False  # on a region's map they would pose as its own carriers
    geometry_type = "Point"
    popup_fields = (("location", "所在地"), ("region_names", "合作地区"), ("kinds", "合作方式"))

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        partners = read_partners(ctx.data_dir)
        links = read_partnerships(ctx.data_dir, partners)
        idle = set(partners["id"]) - set(links["partner_id"])
        if idle:
            raise LayerError(f"partners.csv: partners without a partnership {sorted(idle)[:5]}")
        geometry = [_point(row.id, row.wkt) for row in partners.itertuples()]
        labels = read_precision_grades(ctx.data_dir).set_index("id")["label"]
        types = read_entity_types(ctx.data_dir).set_index("id")["label"]
        plans = load_plans(ctx.data_dir)
        _, names = _region_points(ctx)
        first = links.drop_duplicates("partner_id").set_index("partner_id")
        frame = partners.drop(columns="wkt").assign(
            type_label=partners["type"].map(types),
            precision_label=partners["precision"].map(labels))
        frame = frame.join(_summaries(links, names), on="id")
        frame["plan_id"] = frame["id"].map(first["plan_id"])
        frame["section"] = frame["id"].map(first["section"])
        frame["quote"] = frame["id"].map(first["quote"])
        frame["citation"] = [_citation(plans, row) for row in frame.itertuples()]
        return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


class PartnershipsLayer(Layer):
    id = "partnerships"
    title = "创新合作关系"
    description = ("规划写明的每一项对外合作：从合作高校院所到合作地区代表点的连线，"
                   "附地区代码、合作方式（战略合作、共建平台、产学研合作、人才培养、引进成果与人才）"
                   "与规划原文引文；线的起点精度见 partner_precision。")
    map_role = "lines"
    family = "other"
    geometry_type = "LineString"
    map_default_visible = False
    popup_fields = (("kind", "合作方式"),)

    def load(self, ctx: LayerContext) -> gpd.GeoDataFrame:
        partners = ctx.layer("partners").set_index("id")
        links = read_partnerships(ctx.data_dir, read_partners(ctx.data_dir))
        points, names = _region_points(ctx)
        unknown = set(links["region_adcode"]) - set(points.index)
        if unknown:
            raise LayerError(f"partnerships: no boundary for adcodes {sorted(unknown)}")
        plans = load_plans(ctx.data_dir)
        start = partners.geometry[links["partner_id"]].values
        end = points[links["region_adcode"]].values
        frame = links.assign(
            partner_name=partners.loc[links["partner_id"], "name"].values,
            partner_type=partners.loc[links["partner_id"], "type"].values,
            partner_location=partners.loc[links["partner_id"], "location"].values,
            partner_precision=partners.loc[links["partner_id"], "precision"].values,
            partner_precision_label=partners.loc[links["partner_id"], "precision_label"].values,
            region_name=names[links["region_adcode"]].values,
            citation=[_citation(plans, row) for row in links.itertuples()])
        lines = [shapely.LineString([a, b]) for a, b in zip(start, end)]
        return gpd.GeoDataFrame(frame, geometry=lines, crs="EPSG:4326")

"""Overlays of a map, built from every layer whose ``map_role`` is an overlay role.

``points`` layers give one overlay per symbol family (the family of each row, or the
layer's ``family``); ``areas`` and ``lines`` one outline overlay; ``corridor`` one
overlay per corridor, its parts drawn bottom up and labelled by name. Each feature
carries what every renderer needs: id, name, search names, geometry (WGS84), family,
hollow (a centroid position), precision grade, the county it counts for, popup rows
and citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import shapely

from layers.carriers import CENTROID_PRECISIONS
from layers.map_roles import OVERLAY_ROLES, ROLES
from mapcore.resources import Family
from mapcore.texts import citation, text, unique_citations

PART_LABELS = {"corridor": "走廊", "centre_line": "中心线（一道）", "divider": "分界线",
               "zone": "片区", "node": "节点", "buffer": "缓冲区"}
PART_ORDER = ("buffer", "zone", "corridor", "centre_line", "divider", "node")  # bottom up
LABELLED_PARTS = ("centre_line", "divider", "zone", "node")
# What a label calls a part (the 一道两区多节点 vocabulary); zones are named by themselves.
PART_WORDS = {"centre_line": "一道", "divider": "分界线", "node": "节点"}
#: How each corridor part is drawn, on the page and in print alike: stroke colour,
#: width (px on screen, ×0.5 pt in print), dashes ("" solid) and fill opacity.
PART_STYLES = {
    "corridor": {"color": "#e6550d", "weight": 4, "dash": "", "fill": 0.0},
    "centre_line": {"color": "#b2182b", "weight": 5, "dash": "", "fill": 0.0},
    "divider": {"color": "#333333", "weight": 3, "dash": "8 6", "fill": 0.0},
    "zone": {"color": "#2166ac", "weight": 1.5, "dash": "", "fill": 0.14},
    "buffer": {"color": "#b2182b", "weight": 1.5, "dash": "4 4", "fill": 0.05},
    "node": {"color": "#b2182b", "weight": 2, "dash": "", "fill": 1.0},
}
ZONE_COLORS = ("#2166ac", "#1b7837", "#762a83", "#8c510a")  # one per 片区, in order


@dataclass
class MapFeature:
    """One drawn feature with the texts of its popup (plain text, not HTML)."""

    id: str
    name: str
    geometry: object
    family: str
    rows: list[tuple[str, str]]
    citations: list[dict]
    search: tuple[str, ...] = ()
    hollow: bool = False
    grade: str = ""
    county: str = ""
    part: str = ""
    label: str = ""
    #: How many features of its layer it stands for (a count marker: its count).
    weight: int = 1
    #: How a corridor part is drawn (:data:`PART_STYLES`, its zone's colour); else empty.
    style: dict = field(default_factory=dict)


@dataclass
class Overlay:
    """A group of features drawn alike: one entry in the layer list and the legend."""

    id: str
    layer_id: str
    role: str
    title: str
    family: Family
    features: list[MapFeature] = field(default_factory=list)
    visible: bool = True
    legend: str = ""  # its legend entry when that is not its family's label
    #: Counts standing for a store-backed layer too large to draw: an interactive map
    #: draws the layer itself from its vector tiles when zoomed in.
    tiles: bool = False

    @property
    def legend_label(self) -> str:
        """Its legend entry: the symbol family for markers and corridors, else what the
        layer is (an outline of 创新区域 is no family of carriers)."""
        if self.legend:
            return self.legend
        if ROLES[self.role].legend_by_family:
            return self.family.label
        return self.title.rsplit("（", 1)[0]

    @property
    def plan_ids(self) -> set[str]:
        return {c["plan_id"] for f in self.features for c in f.citations} - {""}


def region_names(resources) -> dict[str, str]:
    units = resources.unit_table()
    return dict(zip(units["adcode"], units["name"]))


def _grade_rows(row, resources, names: dict[str, str]) -> list[tuple[str, str]]:
    county = text(getattr(row, "county_counted", "")) or text(getattr(row, "county_adcode", ""))
    place = names.get(county) or names.get(text(getattr(row, "city_adcode", "")), "")
    grade = text(getattr(row, "precision", ""))
    return [("所在县区", place or "未注明"),
            ("位置精度", resources.precision_labels.get(grade, grade or "未注明"))]


def _name(row, layer) -> str:
    """What a feature is called on a map: its name; else its ``…_name`` columns joined
    (a partnership: 南京大学 — 连云港市); else the layer's title — never an internal id."""
    name = text(getattr(row, "name", ""))
    if name:
        return name
    parts = [text(getattr(row, c)) for c in row._fields if c.endswith("_name")]
    return " — ".join(p for p in parts if p) or layer.title


LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def chinese(value: str) -> bool:
    """True unless ``value`` is prose in a Latin script (three Latin words or more and
    fewer Han characters than Latin letters): a reviewer's note, not a text for a page."""
    latin = sum(ch.isascii() and ch.isalpha() for ch in value)
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in value)
    return len(LATIN_WORD.findall(value)) < 3 or han >= latin


def feature_of(row, layer, resources, names: dict[str, str], family: str) -> MapFeature:
    """A feature of a point, area or line layer row (a namedtuple of the frame)."""
    name = _name(row, layer)
    aliases = [a for a in text(getattr(row, "aliases", "")).split("|") if a]
    rows = [(label, text(getattr(row, column, ""))) for column, label in layer.popup_fields]
    # the curated layers' notes may be a reviewer's English; imported data shows as given
    rows = [(label, value) for label, value in rows if value and label != "别名"
            and (layer.storage == "store" or chinese(value))]
    rows += _grade_rows(row, resources, names)
    if aliases:
        rows.append(("别名", "、".join(aliases)))
    feature_id = text(getattr(row, layer.id_field, ""))
    more = [citation(c, resources) for c in resources.citations.get(feature_id, [])]
    return MapFeature(
        id=feature_id, name=name, geometry=row.geometry,
        family=family, rows=rows, citations=unique_citations([citation(row, resources), *more]),
        search=tuple([name, *aliases]), hollow=_hollow(row),
        grade=text(getattr(row, "precision", "")),
        county=text(getattr(row, "county_counted", "")))


def _hollow(row) -> bool:
    """Drawn hollow: the row says so, or its position is only a county or city centre."""
    if hasattr(row, "hollow"):
        return bool(row.hollow)
    return text(getattr(row, "precision", "")) in CENTROID_PRECISIONS


def point_overlays(resources, layer, frame: gpd.GeoDataFrame) -> list[Overlay]:
    """One overlay per symbol family, in the families' legend order."""
    names = region_names(resources)
    families = frame["family"] if "family" in frame.columns else \
        pd.Series(layer.family, index=frame.index)
    out = []
    for family_id in sorted(set(families), key=lambda f: resources.family(f).order):
        family = resources.family(family_id)
        rows = frame[families == family_id].sort_values(layer.id_field)
        features = [feature_of(r, layer, resources, names, family.id)
                    for r in rows.itertuples()]
        by_type = "family" in frame.columns  # the layer's rows name their own families
        title = family.label if by_type else layer.title
        out.append(Overlay(f"{layer.id}:{family.id}", layer.id, layer.map_role,
                           f"{title}（{len(features)}）", family, features,
                           layer.map_default_visible, "" if by_type else layer.title))
    return out


def shape_overlay(resources, layer, frame: gpd.GeoDataFrame, visible: bool) -> Overlay:
    """Areas or lines of a layer as one outline overlay."""
    names = region_names(resources)
    family = resources.family(layer.family)
    features = [feature_of(r, layer, resources, names,
                           text(getattr(r, "family", "")) or family.id)
                for r in frame.sort_values(layer.id_field).itertuples()]
    return Overlay(layer.id, layer.id, layer.map_role, f"{layer.title}（{len(features)}）",
                   family, features, visible)


def corridor_names(frame: gpd.GeoDataFrame | None) -> list[tuple[str, str]]:
    """(corridor_id, name) of every corridor, the name from its ``corridor`` part."""
    if frame is None or frame.empty:
        return []
    out = []
    for corridor_id, group in frame.groupby("corridor_id", sort=True):
        whole = group[group["part"] == "corridor"]
        out.append((str(corridor_id), str((whole if not whole.empty else group)["name"].iloc[0])))
    return out


def corridor_overlay(resources, layer, parts: gpd.GeoDataFrame, name: str,
                     labelled: bool = True) -> Overlay:
    """A corridor's parts (buffer, zones, lines, divider, nodes) bottom up; the named
    parts labelled where ``labelled`` (the corridor's own map)."""
    family = resources.family(layer.family)
    order = {p: i for i, p in enumerate(PART_ORDER)}
    parts = parts.assign(_order=parts["part"].map(order).fillna(len(order)))
    features = []
    zones = 0
    for row in parts.sort_values(["_order", "id"]).itertuples():
        title = text(row.name) or name
        style = dict(PART_STYLES.get(row.part, PART_STYLES["zone"]))
        if row.part == "zone":
            style["color"] = ZONE_COLORS[zones % len(ZONE_COLORS)]
            zones += 1
        part = PART_LABELS.get(row.part, row.part)
        rows = [("组成", part), ("位置精度", resources.precision_labels.get(
            text(row.precision), text(row.precision)))]
        if row.part == "buffer" and not pd.isna(row.buffer_m):
            rows.append(("缓冲半宽", f"{row.buffer_m:,.0f} 米"))
        features.append(MapFeature(
            id=text(row.id), name=title, geometry=row.geometry, family=family.id, rows=rows,
            citations=unique_citations([citation(row, resources)]), search=(title,),
            hollow=True, grade=text(row.precision), part=row.part,
            label=_part_label(row.part, title) if labelled else "", style=style))
    return Overlay(f"{layer.id}:{parts['corridor_id'].iloc[0]}", layer.id, "corridor",
                   f"走廊：{name}", family, features, True)


def _part_label(part: str, name: str) -> str:
    """The label written on a corridor part: 一道：花果山大道, 南片区, 节点：科技研发核心区."""
    if part not in LABELLED_PARTS:
        return ""
    word = PART_WORDS.get(part)
    return f"{word}：{name}" if word else name


def corridor_legend(overlays: list[Overlay]) -> list[dict]:
    """The parts legend of a corridor's own map (its labelled corridor overlay), or []."""
    own = [o for o in overlays if o.role == "corridor" and any(f.label for f in o.features)]
    return parts_legend(own[0]) if own else []


def parts_legend(overlay: Overlay) -> list[dict]:
    """The legend of a corridor's parts, drawn order reversed (lines first): one entry
    per named part (一道：花果山大道, 南片区, 分界线：港城大道), one for all its nodes, one
    for its buffer; each with the part's style."""
    entries: dict[str, dict] = {}
    for f in reversed(overlay.features):
        if not f.part:
            continue
        if f.part in ("node", "buffer", "corridor"):
            label = PART_LABELS[f.part] if f.part != "corridor" else f.name
        else:
            label = _part_label(f.part, f.name) or f.name
        entries.setdefault(label, {"label": label, "part": f.part, **f.style})
    return list(entries.values())


#: A passage citing a whole corridor that names its spatial structure (空间结构).
STRUCTURE_WORD = "结构"


def corridor_structure(resources, parts: gpd.GeoDataFrame) -> list[dict]:
    """The plan's own words for the corridor's structure: first the passages citing the
    whole corridor that name its 结构 (“按照‘一道两区多节点’的空间结构”), then each kind
    of part (一道, 两区, 多节点), every quote once."""
    out, seen = [], set()
    for row in parts[parts["part"] == "corridor"].itertuples():
        for c in resources.citations.get(text(row.id), []):
            cite = citation(c, resources)
            if STRUCTURE_WORD in cite["quote"] and cite["quote"] not in seen:
                seen.add(cite["quote"])
                out.append({"part": "总体结构", **cite})
    order = {p: i for i, p in enumerate(LABELLED_PARTS)}
    for row in parts.assign(_o=parts["part"].map(order)).dropna(subset="_o").sort_values(
            "_o").itertuples():
        cite = citation(row, resources)
        if cite["quote"] and cite["quote"] not in seen:
            seen.add(cite["quote"])
            out.append({"part": PART_LABELS.get(row.part, row.part), **cite})
    return out


def region_overlays(resources, area, with_choropleth: bool) -> list[Overlay]:
    """Every overlay layer's features that intersect ``area`` (WGS84 polygon)."""
    out: list[Overlay] = []
    for layer in resources.layers_with_role(*OVERLAY_ROLES):
        if layer.storage == "store":
            out += stored_point_overlays(resources, layer, area)
            continue
        frame = resources.catalog.frames.get(layer.id)
        if frame is None or frame.empty:
            continue
        frame = frame[frame.geometry.notna()]
        inside = frame[frame.intersects(area)]
        if inside.empty:
            continue
        if layer.map_role == "points":
            out += point_overlays(resources, layer, inside)
        elif layer.map_role == "corridor":
            # Over a choropleth a corridor is shown only when the user turns it on:
            # its lines and areas would otherwise take the clicks meant for the units.
            names = dict(corridor_names(frame))
            for corridor_id in sorted(set(inside["corridor_id"])):
                overlay = corridor_overlay(resources, layer,
                                           frame[frame["corridor_id"] == corridor_id],
                                           names[corridor_id], labelled=False)
                overlay.visible = layer.map_default_visible and not with_choropleth
                out.append(overlay)
        else:
            visible = layer.map_default_visible or not with_choropleth
            out.append(shape_overlay(resources, layer, inside, visible))
    return out


#: A store-backed point layer with more features than this in a map's extent is drawn
#: as one count per county (the rows are never loaded); with fewer, as its points.
MAP_POINTS_MAX = 2000
COUNT_NOTE = "数量较多，按县区汇总显示；每个载体可在数据接口中按范围查询"


def stored_point_overlays(resources, layer, area) -> list[Overlay]:
    """A store-backed point layer in ``area``: its points when few, else counts."""
    ctx = resources.catalog.context
    bbox = tuple(shapely.bounds(area).tolist())
    if layer.more_than(ctx, bbox, MAP_POINTS_MAX):
        overlay = count_overlay(resources, layer, area)
        return [overlay] if overlay.features else []
    keys, lon, lat = layer.points(ctx, bbox)
    inside = shapely.intersects_xy(area, lon, lat)
    if not inside.any():
        return []
    return point_overlays(resources, layer, layer.at(ctx, keys[inside]))


def count_overlay(resources, layer, area) -> Overlay:
    """One marker per county of ``area`` at its label point: how many features it has."""
    counts = resources.cached(f"counts:{layer.id}",  # once per data generation
                              lambda: layer.counts(resources.catalog.context))
    fine = resources.units("fine", box=tuple(shapely.bounds(area)), levels=("county",))
    counties = fine[fine.intersects(area)]
    per = dict(zip(counts["county_adcode"].astype(str), counts["count"].astype(int)))
    family = resources.family(layer.family)
    features = []
    for row in counties.sort_values("adcode").itertuples():
        n = per.get(str(row.adcode), 0)
        if not n:
            continue
        features.append(MapFeature(
            id=f"{layer.id}:{row.adcode}", name=f"{row.name}：{n:,} 个", family=family.id,
            geometry=shapely.point_on_surface(row.geometry),
            rows=[("载体数", f"{n:,}"), ("说明", COUNT_NOTE)],
            citations=[], search=(row.name,), county=str(row.adcode), weight=n))
    total = sum(per.get(str(a), 0) for a in counties["adcode"])
    return Overlay(f"{layer.id}:{family.id}", layer.id, layer.map_role,
                   f"{layer.title}（{total:,}，按县区汇总）", family, features,
                   layer.map_default_visible, layer.title, tiles=True)

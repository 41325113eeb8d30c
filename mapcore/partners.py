"""The cooperation network of a region (创新合作网络): ``partners/<adcode>``.

One line per partnership the region's plan names, from the partner institution to the
region, and the partners as points. The extent follows the data within China's
CGCS2000 zones; partners abroad are listed (``MapSpec.members``) but not drawn, so the
map stays at a scale where the lines can be read.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from mapcore.choice import DEFAULT_SCHEME, Choice
from mapcore.errors import UnknownMap
from mapcore.overlays import point_overlays, shape_overlay
from mapcore.units import classify_units

PREFIX = "partners/"
CHINA_LON = (73.5, 135.0)  # the longitudes the map's projection zones cover
PAD = 0.5  # degrees around the partners and the region


def partner_regions(resources) -> list[tuple[str, str]]:
    """(adcode, name) of every region with a partnership, by adcode."""
    out = {}
    for _layer, frame in _frames(resources, "lines"):
        if "region_adcode" in frame.columns:
            names = frame["region_name"] if "region_name" in frame else frame["region_adcode"]
            out.update(zip(frame["region_adcode"], names))
    return sorted(out.items())


def _frames(resources, role: str):
    """(layer, frame) of the network's layers of ``role``: the partnership lines carry a
    ``partner_id``, the partner points the ``region_adcodes`` they work with."""
    column = {"lines": "partner_id", "points": "region_adcodes"}[role]
    for layer in resources.layers_with_role(role):
        frame = resources.catalog.frames.get(layer.id)
        if frame is not None and not frame.empty and column in frame.columns:
            yield layer, frame


def _in_china(frame: gpd.GeoDataFrame):
    x = frame.geometry.representative_point().x
    return (x >= CHINA_LON[0]) & (x <= CHINA_LON[1])


def partners_spec(resources, adcode: str, spec_class, subtitle: str):
    """The spec of ``partners/<adcode>`` (``spec_class`` is :class:`MapSpec`)."""
    links = [(layer, frame[frame["region_adcode"] == adcode])
             for layer, frame in _frames(resources, "lines")]
    links = [(layer, rows) for layer, rows in links if not rows.empty]
    if not links:
        raise UnknownMap(f"{adcode} 没有规划所列的合作高校院所")
    ids = {p for _, rows in links for p in rows["partner_id"]}
    overlays, members, shown = [], [], []
    for layer, rows in links:
        rows = rows[_in_china(rows)]
        shown.append(rows)
        overlays.append(shape_overlay(resources, layer, rows, visible=True))
    for layer, frame in _frames(resources, "points"):
        partners = frame[frame[layer.id_field].isin(ids)]
        members += [{"id": r.id, "name": r.name, "type": getattr(r, "type_label", ""),
                     "location": getattr(r, "location", ""), "abroad": not inside}
                    for r, inside in zip(partners.itertuples(), _in_china(partners))]
        for overlay in point_overlays(resources, layer, partners[_in_china(partners)]):
            overlay.visible = True  # off on region maps, the subject here
            overlays.append(overlay)
    region = resources.units("fine", adcodes=[adcode])
    west, south, east, north = gpd.GeoSeries(
        [*region.geometry, *(g for rows in shown for g in rows.geometry)]).total_bounds
    box = shapely.box(west - PAD, south - PAD, east + PAD, north + PAD)
    choice = Choice(None, "target", None, DEFAULT_SCHEME, 5, None, "county")
    units, legend, classes = classify_units(resources, region.assign(short_name=region["name"]),
                                            choice)
    context = resources.units("coarse", box=tuple(box.bounds), levels=("province", "city"))
    name = region["name"].iloc[0] if len(region) else adcode
    return spec_class(map_id=PREFIX + adcode, title=f"{name}创新合作网络", subtitle=subtitle,
                      choice=choice, levels=("county",), units=units, legend=legend,
                      classes=classes, overlays=overlays, extent=tuple(shapely.bounds(box)),
                      area=box, outlines=region, context=context[~context["adcode"].isin(
                          region["adcode"])], members=members)

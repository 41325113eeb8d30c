"""Tile layers of the optional basemaps (none by default: users sit on intranets)."""

from __future__ import annotations

TIANDITU = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=")


def basemap_tiles(basemap: str, tianditu_key: str = "") -> list[dict]:
    """The tile layers of ``basemap`` (``none``, ``osm``, ``tianditu`` or ``amap``)."""
    if basemap == "osm":
        return [{"name": "OpenStreetMap", "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                 "attribution": "© OpenStreetMap contributors", "subdomains": "abc"}]
    if basemap == "tianditu":
        url = TIANDITU + tianditu_key
        return [{"name": "天地图", "url": url.replace("{layer}", "vec"),
                 "attribution": "© 天地图", "subdomains": "01234567"},
                {"name": "天地图注记", "url": url.replace("{layer}", "cva"),
                 "attribution": "© 天地图", "subdomains": "01234567", "overlay": True}]
    if basemap == "amap":
        return [{"name": "高德地图", "attribution": "© 高德地图", "subdomains": "1234",
                 "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1"
                        "&scale=1&style=8&x={x}&y={y}&z={z}"}]
    return []

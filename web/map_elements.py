"""Folium elements of the interactive maps, drawing through ``static/maps/innomap-maps.js``.

Each element embeds its data once, as compact GeoJSON, and names a function of
our own script that builds the Leaflet layer. Text that ends up as HTML (popup,
tooltip and label properties ``p``, ``t``, ``l``) is escaped on the server before
it is embedded; the JSON itself is safe in a script element (``<``, ``>``, ``&``
and ``'`` written as JSON unicode escapes) while Chinese text stays UTF-8.
"""

from __future__ import annotations

import json

import folium
from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template
from markupsafe import Markup, escape


def script_json(value) -> str:
    """Compact JSON that is safe inside a ``<script>`` element; CJK text stays UTF-8."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                          ("'", "\\u0027"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


class DataLayer(Layer):
    """An overlay built in the browser by ``innomap.<factory>(data, options)``."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = innomap.{{ this.factory }}(
    {{ this.json(this.data) }}, {{ this.json(this.options) }});
{% endmacro %}
""")

    def __init__(self, factory: str, data: dict, name: str, options: dict | None = None,
                 show: bool = True):
        # Leaflet's layer control writes names as HTML: escape them here.
        super().__init__(name=text_html(name), overlay=True, control=True, show=show)
        self._name = "InnomapLayer"
        self.factory = factory
        self.data = data
        self.options = options or {}
        self.json = script_json


class MapControls(JSCSSMixin):
    """Scale bar, fullscreen, search by name or alias, legend; set up after the layers."""

    _template = Template("""
{% macro script(this, kwargs) %}
innomap.controls({{ this._parent.get_name() }}, {{ this.json(this.options) }});
{% endmacro %}
""")

    def __init__(self, options: dict, js: list[tuple[str, str]], css: list[tuple[str, str]]):
        super().__init__()
        self._name = "InnomapControls"
        self.options = options
        self.json = script_json
        self.default_js = js
        self.default_css = css


def offline_map(js: list[tuple[str, str]], css: list[tuple[str, str]], bounds,
                tiles: list[dict]) -> folium.Map:
    """A folium Map that loads only the given local JS/CSS and no default tiles.

    Folium's CDN links (Leaflet, jQuery, Bootstrap, Font Awesome, awesome-markers)
    are replaced by ``js``/``css``; nothing else is requested.
    """
    m = folium.Map(location=None, tiles=None, zoom_control=True, control_scale=False,
                   prefer_canvas=False, width="100%", height="100%")
    # Without a tile layer Leaflet has no zoom range; marker clustering needs one.
    m.options.update(max_zoom=18, min_zoom=5)
    m.default_js = list(js)
    m.default_css = list(css)
    for tile in tiles:
        folium.TileLayer(tiles=tile["url"], attr=tile["attribution"], name=tile["name"],
                         subdomains=tile.get("subdomains", "abc"), max_zoom=18,
                         overlay=tile.get("overlay", False)).add_to(m)
    (south, west), (north, east) = bounds
    m.fit_bounds([[south, west], [north, east]])
    return m


def popup_html(title: str, rows: list[tuple[str, object]], citations: list[dict],
               link: tuple[str, str] | None = None) -> str:
    """Popup HTML: a title, label/value rows, plan citations and an optional (url, text)
    link, every text escaped."""
    parts = [Markup("<div class='im-popup'><h3>{}</h3>").format(title)]
    if link:
        parts.append(Markup("<p class='im-link'><a href='{}'>{}</a></p>").format(*link))
    if rows:
        parts.append(Markup("<table>"))
        parts += [Markup("<tr><th>{}</th><td>{}</td></tr>").format(label, value)
                  for label, value in rows]
        parts.append(Markup("</table>"))
    for c in citations:
        parts.append(Markup("<div class='im-cite'><div class='im-cite-src'>《{}》{}</div>"
                            "<blockquote>{}</blockquote></div>")
                     .format(c.get("plan_title") or c.get("plan_id") or "",
                             f" · {c['section']}" if c.get("section") else "",
                             c.get("quote") or ""))
    parts.append(Markup("</div>"))
    return str(Markup("").join(parts))


def text_html(text) -> str:
    """``text`` escaped for insertion as HTML."""
    return str(escape("" if text is None else text))

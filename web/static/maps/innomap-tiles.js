/* innomap: large layers drawn from their vector tiles (OGC API – Tiles, MVT).
 *
 * A store-backed layer with too many features to embed is in the page as counts per
 * county (the map spec's overlay). This script adds the layer itself from
 * /api/collections/<id>/tiles/WebMercatorQuad/{z}/{y}/{x} from zoom `minZoom` on,
 * with Leaflet.VectorGrid: grid cells (`cluster`) as circles sized by their count,
 * points as dots. A click on a point fetches the feature from the API for its popup;
 * a click on a cell zooms in. Switching the layer's overlay off in the layer list
 * hides its tiles and count badges too. Reads <script id="im-tiled-layers"> (JSON).
 */
(function () {
  "use strict";
  var spec = document.getElementById("im-tiled-layers");
  if (!spec || !window.L || !L.vectorGrid || !window.innomap) return;
  var layers = JSON.parse(spec.textContent);

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function style(color) {
    return function (props) {
      if (props.cluster) {
        var r = Math.min(4 + Math.sqrt(props.count) * 0.6, 22);
        return {radius: r, fill: true, fillColor: color, fillOpacity: 0.45, color: "#fff",
                weight: 1};
      }
      return {radius: 4, fill: true, fillColor: color, fillOpacity: 0.9, color: "#333",
              weight: 1};
    };
  }

  function popupHtml(t, feature) {
    var p = feature.properties || {};
    var rows = t.fields.map(function (f) {
      var v = p[f[0]];
      return v === null || v === undefined || v === "" ? "" :
        "<tr><th>" + esc(f[1]) + "</th><td>" + esc(v) + "</td></tr>";
    }).join("");
    return '<div class="im-popup im-tile-popup"><h3>' + esc(p.name || feature.id) + "</h3>" +
      "<table>" + rows + "<tr><th>所在县区</th><td>" +
      esc((t.places || {})[p.county_adcode] || p.county_adcode || "未注明") +
      "</td></tr><tr><th>位置精度</th><td>" +
      esc((t.grades || {})[p.precision] || p.precision || "未注明") + "</td></tr></table>" +
      '<p class="im-note">' + esc(t.title) + "（数据接口：" + esc(feature.id) + "）</p></div>";
  }

  function popup(map, t, id, latlng) {
    var open = L.popup({maxWidth: 360}).setLatLng(latlng).setContent("正在读取……").openOn(map);
    fetch(t.items + encodeURIComponent(id) + "?f=json", {headers: {Accept: "application/geo+json"}})
      .then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      })
      .then(function (f) { open.setContent(popupHtml(t, f)); })
      .catch(function () { open.setContent("无法读取该载体的信息，请稍后重试。"); });
  }

  // The tile's feature under a map click: hit-tested here, on the tiles' own pixels,
  // because the tile canvases let clicks through (the counties under them keep their
  // popups) and Leaflet 1.9 cannot fire DOM events for VectorGrid's point symbols.
  function hit(grid, map, latlng) {
    var z = grid._tileZoom, size = grid.getTileSize();
    if (z === undefined) return null;
    var p = map.project(latlng, z), coords = p.unscaleBy(size).floor();
    coords.z = z;
    var renderer = (grid._vectorTiles || {})[grid._tileCoordsToKey(coords)];
    if (!renderer) return null;
    var local = p.subtract(coords.scaleBy(size)), best = null, bestDistance = Infinity;
    Object.keys(renderer._layers).forEach(function (id) {
      var layer = renderer._layers[id];
      if (!layer._point || !layer.properties) return;
      var d = local.distanceTo(layer._point);
      if (d <= (layer._radius || 4) + 3 && d < bestDistance) { best = layer; bestDistance = d; }
    });
    return best;
  }

  function add(map, t) {
    var styles = {}, cells = 0;
    styles[t.id] = style(t.color || "#c0392b");
    var grid = L.vectorGrid.protobuf(t.tiles, {
      rendererFactory: L.canvas.tile, interactive: false, vectorTileLayerStyles: styles,
      minZoom: t.minZoom, maxNativeZoom: 22, maxZoom: 22, pane: "markerPane",
      className: "im-tiled", attribution: "",
      // Kept per tile by id (VectorGrid stores only features with an id).
      getFeatureId: function (f) { return f.properties.id || "cell-" + (cells++); }
    });
    // "preclick" reaches the map for every click, also one a county's popup stops; the
    // point's popup opens after that click is done, in its place.
    map.on("preclick", function (e) {
      if (!map.hasLayer(grid) || map.getZoom() < t.minZoom) return;
      var found = hit(grid, map, e.latlng), p = found && found.properties;
      if (!p) return;
      setTimeout(function () {
        if (p.cluster) map.setView(e.latlng, Math.min(map.getZoom() + 2, 18));
        else popup(map, t, p.id, e.latlng);
      }, 0);
    });
    var badges = countBadges(t), shown = t.visible !== false;
    // Badges below the tiles' zoom, tiles from it on; neither while the layer's own
    // overlay (the counts per county) is switched off in the layer list.
    var follow = function () {
      if (shown && map.getZoom() < t.minZoom) badges.addTo(map);
      else badges.remove();
      if (shown) grid.addTo(map);
      else grid.remove();
    };
    map.on("zoomend", follow);
    map.on("overlayadd overlayremove", function (e) {
      if (e.name !== t.overlay) return;
      shown = e.type === "overlayadd";
      follow();
    });
    follow();
    map.imTiled = (map.imTiled || []).concat([{id: t.id, layer: grid, counts: badges}]);
  }

  // Below the tiles' zoom: each county's count as a permanent badge on its symbol.
  function countBadges(t) {
    var group = L.layerGroup();
    (t.counts || []).forEach(function (c) {
      var label = c.name.split("：");
      L.marker(c.at, {interactive: false, keyboard: false, pane: "im-labels",
        icon: L.divIcon({className: "im-tile-count", iconSize: null, iconAnchor: [-12, 10],
                         html: "<span>" + esc(label[label.length - 1]) + "</span>"})})
        .addTo(group);
    });
    return group;
  }

  var css = document.createElement("style");
  css.textContent = ".im-tiled, .im-tiled canvas { pointer-events: none; }" +
    ".im-tile-count span { background: rgba(255,255,255,0.92); border: 1px solid #666;" +
    " border-radius: 9px; padding: 0 6px; font-size: 12px; line-height: 18px;" +
    " white-space: nowrap; color: #222; }";
  document.head.appendChild(css);
  innomap.maps.forEach(function (map) { layers.forEach(function (t) { add(map, t); }); });
}());

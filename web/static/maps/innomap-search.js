/* innomap search: by name or alias, zoom no closer than the position's precision allows.
 *
 * A unique exact name (or a unique partial match) opens at once; an ambiguous one
 * lists its candidates. The zoom is capped by the feature's grade g: a point that
 * is only a county's centre shows the whole county, never a 1 km street scale.
 * Names are set as text, never as HTML.
 */
(function () {
  "use strict";
  var MAX_ZOOM = {site: 16, approximate: 14, schematic: 12, county_centroid: 11,
                  city_centroid: 9};
  var DEFAULT_ZOOM = 11;   // grade unknown: county scale
  var AREA_ZOOM = 12;      // counties, zones and other areas: fit, no closer than this
  var MAX_CANDIDATES = 12;

  function matches(searchable, q) {
    var exact = searchable.filter(function (item) { return item.names.indexOf(q) >= 0; });
    if (exact.length) return exact;
    return searchable.filter(function (item) {
      return item.names.some(function (n) { return n.indexOf(q) >= 0; });
    });
  }

  // Ray casting over GeoJSON rings ([lon, lat]).
  function inRing(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  function inGeometry(geom, x, y) {
    var polygons = geom.type === "Polygon" ? [geom.coordinates]
      : geom.type === "MultiPolygon" ? geom.coordinates : [];
    return polygons.some(function (rings) {
      return inRing(rings[0], x, y) && !rings.slice(1).some(function (h) { return inRing(h, x, y); });
    });
  }

  // The drawn county (or city) that contains latlng, as a layer, or null.
  function unitAt(unitLayers, latlng) {
    var found = null;
    unitLayers.forEach(function (group) {
      group.eachLayer(function (layer) {
        if (!found && layer.feature && inGeometry(layer.feature.geometry, latlng.lng, latlng.lat)) {
          found = layer;
        }
      });
    });
    return found;
  }

  // Where to look and how close: {bounds, maxZoom}.
  function target(item, unitLayers) {
    var layer = item.layer;
    if (!layer.getLatLng) {   // an area, a line or several points
      var cap = item.grade ? Math.min(MAX_ZOOM[item.grade] || DEFAULT_ZOOM, AREA_ZOOM) : AREA_ZOOM;
      return {bounds: layer.getBounds(), maxZoom: cap};
    }
    var latlng = layer.getLatLng();
    var zoom = MAX_ZOOM[item.grade] || DEFAULT_ZOOM;
    var county = item.grade === "county_centroid" || !item.grade ? unitAt(unitLayers, latlng) : null;
    if (county) return {bounds: county.getBounds().extend(latlng), maxZoom: zoom};
    return {center: latlng, zoom: zoom};
  }

  // Show a marker that a cluster still hides at this zoom: spiderfy its cluster.
  function reveal(item, then) {
    var group = item.group, called = false;
    var done = function () { if (!called) { called = true; then(); } };
    if (!group || !group.getVisibleParent || !item.layer.getLatLng) return done();
    var tries = 0;
    (function check() {
      if (group._inZoomAnimation && tries++ < 40) return setTimeout(check, 50);
      var parent = group.getVisibleParent(item.layer);
      if (parent && parent !== item.layer && parent.spiderfy) {
        group.once("spiderfied", done);
        setTimeout(done, 800);   // already spread out: no event comes
        parent.spiderfy();
      } else done();
    })();
  }

  function show(map, item, unitLayers) {
    if (item.group && !map.hasLayer(item.group)) map.addLayer(item.group);
    var t = target(item, unitLayers);
    if (t.bounds) map.fitBounds(t.bounds, {maxZoom: t.maxZoom, animate: false, padding: [20, 20]});
    else map.setView(t.center, t.zoom, {animate: false});
    reveal(item, function () { if (item.layer.openPopup) item.layer.openPopup(); });
  }

  function datalist(div, searchable) {
    var list = L.DomUtil.create("datalist", "", div);
    list.id = "im-search-list";
    var seen = {};
    searchable.forEach(function (item) {
      item.names.forEach(function (name) {
        if (seen[name]) return;
        seen[name] = true;
        var option = document.createElement("option");
        option.value = name;   // text, never HTML
        list.appendChild(option);
      });
    });
    return list;
  }

  function listCandidates(box, found, pick) {
    box.innerHTML = "";
    var head = L.DomUtil.create("p", "im-candidates-head", box);
    head.textContent = "有 " + found.length + " 个名称相符，请选择：";
    var ul = L.DomUtil.create("ul", "", box);
    found.slice(0, MAX_CANDIDATES).forEach(function (item) {
      var button = L.DomUtil.create("button", "im-candidate", L.DomUtil.create("li", "", ul));
      button.type = "button";
      button.textContent = item.names[0];
      if (item.kind) {
        var kind = L.DomUtil.create("span", "im-note", button);
        kind.textContent = " · " + item.kind;
      }
      L.DomEvent.on(button, "click", function () { pick(item); });
    });
    if (found.length > MAX_CANDIDATES) {
      L.DomUtil.create("p", "im-note", box).textContent =
        "另有 " + (found.length - MAX_CANDIDATES) + " 个，请输入更完整的名称";
    }
    box.hidden = false;
  }

  function control(map, searchable, unitLayers) {
    var C = L.Control.extend({options: {position: "topleft"}, onAdd: function () {
      var div = L.DomUtil.create("div", "leaflet-bar im-search");
      var input = L.DomUtil.create("input", "", div);
      input.type = "search"; input.placeholder = "搜索名称或别名";
      input.setAttribute("aria-label", "搜索名称或别名");
      input.setAttribute("list", "im-search-list");
      datalist(div, searchable);
      var box = L.DomUtil.create("div", "im-candidates", div);
      box.hidden = true;
      var pick = function (item) { box.hidden = true; show(map, item, unitLayers); };
      var last = null;
      function go() {
        var q = input.value.trim();
        if (!q || q === last) return;
        last = q;
        var found = matches(searchable, q);
        input.classList.toggle("im-miss", !found.length);
        input.title = found.length ? "" : "没有名为“" + q + "”的要素";
        box.hidden = true;
        if (found.length === 1) pick(found[0]);
        else if (found.length > 1) listCandidates(box, found, pick);
      }
      L.DomEvent.on(input, "change", go);
      L.DomEvent.on(input, "input", function () { last = null; });
      L.DomEvent.on(input, "keydown", function (e) {
        if (e.key === "Enter") { last = null; go(); }
        if (e.key === "Escape") box.hidden = true;
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    }});
    return new C();
  }

  // Show the feature named exactly `name` (a carrier before a unit of the same name).
  function open(map, name) {
    var found = window.innomap.searchable.filter(function (item) {
      return item.names[0] === name;
    }).sort(function (a, b) { return a.unit - b.unit; });
    if (found.length) show(map, found[0], unitsOf());
    return found.length > 0;
  }

  function unitsOf() {
    var out = [];
    window.innomap.maps[0].eachLayer(function (layer) {
      if (window.innomap.isUnitLayer(layer)) out.push(layer);
    });
    return out;
  }

  window.innomap.search = {control: control, matches: matches, target: target, open: open,
                           unitAt: unitAt,
                           MAX_ZOOM: MAX_ZOOM, DEFAULT_ZOOM: DEFAULT_ZOOM};
}());

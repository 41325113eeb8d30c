/* innomap interactive maps: builds the Leaflet layers the server embeds.
 * Properties t (tooltip), p (popup) and l (label) are HTML escaped by the server;
 * names used for search are only ever set as text. */
(function () {
  "use strict";
  var searchable = [];   // {names: [..], layer: L.Layer, group: L.Layer}

  function remember(feature, layer, group) {
    var names = feature.properties.s || (feature.properties.n ? [feature.properties.n] : []);
    if (names.length) searchable.push({names: names, layer: layer, group: group});
  }

  function bind(feature, layer) {
    var p = feature.properties;
    if (p.t) layer.bindTooltip(p.t, {sticky: true});
    if (p.p) layer.bindPopup(p.p, {maxWidth: 360});
  }

  function regions(data, options) {
    var group = L.geoJSON(data, {
      style: function (f) {
        return {fillColor: options.plain ? "#f2f2f2" : f.properties.c,
                fillOpacity: options.plain ? 0.6 : 0.75, color: "#555",
                weight: 0.8, className: "im-region"};
      },
      onEachFeature: function (f, layer) { bind(f, layer); remember(f, layer, group); }
    });
    return group;
  }

  // Hide a label that would overlap one already shown (larger units come first).
  function declutter(group) {
    var shown = [];
    group.eachLayer(function (marker) {
      var el = marker.getElement() && marker.getElement().firstChild;
      if (!el) return;
      el.style.visibility = "visible";
      var r = el.getBoundingClientRect();
      var clash = shown.some(function (s) {
        return r.left < s.right && r.right > s.left && r.top < s.bottom && r.bottom > s.top;
      });
      if (clash) el.style.visibility = "hidden";
      else shown.push(r);
    });
  }

  function labels(data, options) {
    var group = L.layerGroup();
    var source = window[options.from];
    if (!source) return group;
    source.eachLayer(function (layer) {  // the server sends the largest units first
      var p = layer.feature.properties;
      if (!p.lp || !p.l) return;
      L.marker(p.lp, {interactive: false, keyboard: false,
        icon: L.divIcon({className: "im-label", html: "<span>" + p.l + "</span>",
                         iconSize: null})}).addTo(group);
    });
    var redo = function () { declutter(group); };
    group.on("add", function () {
      group._map.on("zoomend", redo);
      redo();
    });
    group.on("remove", function (e) { e.target._map && e.target._map.off("zoomend", redo); });
    return group;
  }

  var SHAPES = {
    circle: '<circle cx="10" cy="10" r="7"/>',
    square: '<rect x="3.5" y="3.5" width="13" height="13"/>',
    triangle: '<polygon points="10,2 18,17 2,17"/>',
    "triangle-down": '<polygon points="2,3 18,3 10,18"/>',
    diamond: '<polygon points="10,1.5 18.5,10 10,18.5 1.5,10"/>',
    star: '<polygon points="10,1.5 12.4,7.3 18.6,7.6 13.8,11.6 15.4,17.8 10,14.3 4.6,17.8 6.2,11.6 1.4,7.6 7.6,7.3"/>',
    hexagon: '<polygon points="10,1.5 17.5,5.8 17.5,14.2 10,18.5 2.5,14.2 2.5,5.8"/>',
    cross: '<polygon points="7,2 13,2 13,7 18,7 18,13 13,13 13,18 7,18 7,13 2,13 2,7 7,7"/>'
  };

  function symbol(style) {
    var shape = SHAPES[style.shape] || SHAPES.circle;
    return L.divIcon({className: "im-symbol", iconSize: [20, 20], iconAnchor: [10, 10],
      html: '<svg width="20" height="20" viewBox="0 0 20 20"><g fill="' + style.color +
            '" stroke="#fff" stroke-width="1.5">' + shape + "</g></svg>"});
  }

  function entities(data, options) {
    var style = options.style;
    var group = options.cluster && L.markerClusterGroup
      ? L.markerClusterGroup({maxClusterRadius: 40, showCoverageOnHover: false})
      : L.featureGroup();
    L.geoJSON(data, {
      pointToLayer: function (f, latlng) { return L.marker(latlng, {icon: symbol(style)}); },
      style: function (f) {
        var area = /Polygon/.test(f.geometry.type);  // zones: outline, the counties show through
        return {color: style.color, weight: area ? 2 : 3, dashArray: area ? "6 4" : null,
                fillColor: style.color, fillOpacity: area ? 0.06 : 0.2};
      },
      onEachFeature: function (f, layer) { bind(f, layer); remember(f, layer, group); }
    }).eachLayer(function (layer) { group.addLayer(layer); });
    return group;
  }

  var PARTS = {
    corridor: {color: "#e6550d", weight: 4, opacity: 0.8},
    centre_line: {color: "#b2182b", weight: 5},
    divider: {color: "#333", weight: 3, dashArray: "8 6"},
    zone: {color: "#2166ac", weight: 1, fillOpacity: 0.12},
    buffer: {color: "#b2182b", weight: 1.5, dashArray: "4 4", fillOpacity: 0.05},
    node: {color: "#b2182b", weight: 2, fillColor: "#fff", fillOpacity: 1}
  };

  function corridor(data) {
    var group = L.geoJSON(data, {
      style: function (f) { return PARTS[f.properties.k] || PARTS.zone; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, Object.assign({radius: 6}, PARTS.node));
      },
      onEachFeature: function (f, layer) { bind(f, layer); remember(f, layer, group); }
    });
    return group;
  }

  function control(position, build) {
    var C = L.Control.extend({options: {position: position}, onAdd: build});
    return new C();
  }

  function fullscreen(map) {
    return control("topleft", function () {
      var div = L.DomUtil.create("div", "leaflet-bar im-fullscreen");
      var a = L.DomUtil.create("a", "", div);
      a.href = "#"; a.title = "全屏"; a.setAttribute("role", "button");
      a.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" style="vertical-align:middle">' +
        '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e);
        var el = map.getContainer();
        if (document.fullscreenElement) document.exitFullscreen();
        else if (el.requestFullscreen) el.requestFullscreen();
      });
      L.DomEvent.disableClickPropagation(div);
      return div;
    });
  }

  function search(map) {
    return control("topleft", function () {
      var div = L.DomUtil.create("div", "leaflet-bar im-search");
      var input = L.DomUtil.create("input", "", div);
      input.type = "search"; input.placeholder = "搜索名称或别名";
      input.setAttribute("list", "im-search-list");
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
      function go() {
        var q = input.value.trim();
        if (!q) return;
        var hit = null;
        searchable.some(function (item) {
          if (item.names.indexOf(q) >= 0) { hit = item; return true; }
          return false;
        }) || searchable.some(function (item) {
          if (item.names.some(function (n) { return n.indexOf(q) >= 0; })) { hit = item; return true; }
          return false;
        });
        input.classList.toggle("im-miss", !hit);
        if (!hit) return;
        if (hit.group && !map.hasLayer(hit.group)) map.addLayer(hit.group);
        var open = function () {
          if (hit.layer.getBounds) map.fitBounds(hit.layer.getBounds(), {maxZoom: 12});
          else map.setView(hit.layer.getLatLng(), Math.max(map.getZoom(), 13));
          hit.layer.openPopup && hit.layer.openPopup();
        };
        if (hit.group && hit.group.zoomToShowLayer && hit.layer.getLatLng) {
          hit.group.zoomToShowLayer(hit.layer, function () { hit.layer.openPopup(); });
        } else open();
      }
      L.DomEvent.on(input, "change", go);
      L.DomEvent.on(input, "keydown", function (e) { if (e.key === "Enter") go(); });
      L.DomEvent.disableClickPropagation(div);
      return div;
    });
  }

  function legend(id) {
    var el = id && document.getElementById(id);
    if (!el) return null;
    return control("bottomright", function () {
      var div = L.DomUtil.create("div", "im-legend-control");
      div.appendChild(el);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    });
  }

  function controls(map, options) {
    L.control.scale({imperial: false}).addTo(map);
    fullscreen(map).addTo(map);
    search(map).addTo(map);
    var lg = legend(options.legend);
    if (lg) lg.addTo(map);
    wireForm();
  }

  function wireSteps() {
    var range = document.getElementById("im-step-range");
    if (!range) return;
    var links = document.querySelectorAll("#im-steps a.im-step");
    range.addEventListener("change", function () {
      var link = links[Number(range.value)];
      if (link) window.location.href = link.href;
    });
  }

  function wireForm() {
    wireSteps();
    var form = document.getElementById("im-form");
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () {
        if (select.name === "indicator" || select.name === "kind") {
          var year = form.querySelector("input[name=year]");
          if (year) year.remove();
          if (select.name === "indicator") {
            var kind = form.querySelector("select[name=kind]");
            if (kind) kind.disabled = true;
          }
        }
        form.submit();
      });
    });
  }

  window.innomap = {regions: regions, labels: labels, entities: entities,
                    corridor: corridor, controls: controls};
}());

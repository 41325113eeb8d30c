/* innomap interactive maps: builds the Leaflet layers the server embeds.
 *
 * Feature properties read here (the server escapes t, p and l as HTML; names used
 * for search are only ever set as text):
 *   n  name            s  names and aliases for search     t  tooltip   p  popup
 *   a  adcode (units)  c  fill colour (units)   l  label    lp label point [lat, lon]
 *   k  corridor part (corridor, centre_line, divider, zone, buffer, node)
 *   g  position grade: site | approximate | schematic | county_centroid | city_centroid
 *   w  how many features a count marker stands for (legend counts; absent: 1)
 *   st a corridor part's style {color, weight, dash, fill} (mapcore PART_STYLES)
 * DataLayer options read here: plain (regions), from (labels), cluster and
 * style {family, label, shape, color} (entities, corridor).
 * Loaded by Folium; templates/maps/base.html adds innomap-search.js (search),
 * innomap-page.js (sizing, panel, layer list, permalink) and innomap-print.js.
 */
(function () {
  "use strict";
  var searchable = [];   // {names, layer, group, kind, grade}
  var unitLayers = [];   // L.GeoJSON layers of counties/cities (for "which county is this in")
  var symbolLayers = []; // {group, family, hollow: n features drawn hollow, count}
  var CENTROIDS = {county_centroid: true, city_centroid: true};

  // -------------------------------------------------------------- the map itself

  // Panes: area outlines above the choropleth, corridor nodes and names above the
  // markers, and the
  // first fitBounds the page asks for, kept as the map's home view.
  L.Map.addInitHook(function () {
    var map = this;
    map.options.zoomSnap = 0.25;  // a region fits its window closely, not to the next power of 2
    map.createPane("im-areas").style.zIndex = 410;
    map.createPane("im-nodes").style.zIndex = 610;  // corridor nodes above carrier symbols
    var labelPane = map.createPane("im-labels");
    labelPane.style.zIndex = 620;
    labelPane.style.pointerEvents = "none";
    map.on("zoomend layeradd", function () { setApart(map); });
    var fit = map.fitBounds;
    map.fitBounds = function (bounds, options) {
      if (!map.imHome) map.imHome = L.latLngBounds(bounds);
      return fit.call(map, bounds, options);
    };
    innomap.maps.push(map);
  });

  // The layer list lives in the side panel (innomap-page.js moves it): always open,
  // no basemap radio when there is only one basemap.
  L.Control.Layers.addInitHook(function () {
    this.options.collapsed = false;
    this.options.hideSingleBase = true;
    innomap.layerControls.push(this);
  });

  function remember(feature, layer, group, kind) {
    var p = feature.properties;
    var names = p.s || (p.n ? [p.n] : []);
    if (names.length) {
      searchable.push({names: names, layer: layer, group: group, kind: kind || "",
                       grade: p.g || null, unit: !!p.a});
    }
  }

  function bind(feature, layer) {
    var p = feature.properties;
    if (p.t) layer.bindTooltip(p.t, {sticky: true});
    if (p.p) layer.bindPopup(p.p, {maxWidth: 360, autoPanPaddingTopLeft: [50, 10]});
  }

  function regions(data, options) {
    var group = L.geoJSON(data, {
      style: function (f) {
        return {fillColor: options.plain ? "#f2f2f2" : f.properties.c,
                fillOpacity: options.plain ? 0.6 : 0.75, color: "#555",
                weight: 0.8, className: "im-region"};
      },
      onEachFeature: function (f, layer) { bind(f, layer); remember(f, layer, group, "区划"); }
    });
    unitLayers.push(group);
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

  // Unit names in their own pane above the markers, so that no symbol hides them.
  function labels(data, options) {
    var group = L.layerGroup();
    var source = window[options.from];
    if (!source) return group;
    source.eachLayer(function (layer) {  // the server sends the largest units first
      var p = layer.feature.properties;
      if (!p.lp || !p.l) return;
      L.marker(p.lp, {interactive: false, keyboard: false, pane: "im-labels",
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

  // -------------------------------------------------------------- symbols

  var SHAPES = {
    circle: '<circle cx="10" cy="10" r="7"/>',
    square: '<rect x="3.5" y="3.5" width="13" height="13"/>',
    triangle: '<polygon points="10,2 18,17 2,17"/>',
    "triangle-down": '<polygon points="2,3 18,3 10,18"/>',
    diamond: '<polygon points="10,1.5 18.5,10 10,18.5 1.5,10"/>',
    star: '<polygon points="10,1.5 12.4,7.3 18.6,7.6 13.8,11.6 15.4,17.8 10,14.3 4.6,17.8 6.2,11.6 1.4,7.6 7.6,7.3"/>',
    hexagon: '<polygon points="10,1.5 17.5,5.8 17.5,14.2 10,18.5 2.5,14.2 2.5,5.8"/>',
    cross: '<polygon points="7,2 13,2 13,7 18,7 18,13 13,13 13,18 7,18 7,13 2,13 2,7 7,7"/>',
    pentagon: '<polygon points="10,1.5 18.5,7.7 15.3,17.8 4.7,17.8 1.5,7.7"/>'
  };
  var OUTLINES = {  // families drawn as areas or lines: their point features and legend rows
    polygon: '<rect x="2.5" y="4" width="15" height="12" fill="none" stroke-dasharray="4 2"/>',
    line: '<path d="M1 15 L8 8 L12 12 L19 4" fill="none"/>'
  };

  // The family an overlay belongs to: style.family as an object {id, label, shape,
  // color} or as an id (with style.label, style.shape, style.color); without one,
  // the overlay's own style is its family.
  function familyOf(style, fallback) {
    style = style || {};
    var f = style.family;
    var own = {id: style.label || fallback.label, label: style.label || fallback.label,
               shape: style.shape || fallback.shape, color: style.color || style.colour ||
               fallback.color};
    if (f && typeof f === "object") {
      return {id: String(f.id || f.label || own.id), label: f.label || own.label,
              shape: f.shape || own.shape, color: f.color || f.colour || own.color};
    }
    if (typeof f === "string" && f) {
      own.id = f;
      own.label = style.family_label || own.label;
    }
    return own;
  }

  function svgSymbol(family, hollow, size) {
    size = size || 20;
    var outline = OUTLINES[family.shape];
    var shape = outline || SHAPES[family.shape] || SHAPES.circle;
    var paint = outline ? 'fill="none" stroke="' + family.color + '" stroke-width="2.2"'
      : hollow ? 'fill="#fff" stroke="' + family.color + '" stroke-width="2.6"'
      : 'fill="' + family.color + '" stroke="#fff" stroke-width="1.5"';
    return '<svg width="' + size + '" height="' + size + '" viewBox="0 0 20 20" aria-hidden="true">' +
           "<g " + paint + ">" + shape + "</g></svg>";
  }

  function symbol(family, hollow) {
    return L.divIcon({className: "im-symbol" + (hollow ? " im-hollow" : ""),
                      iconSize: [20, 20], iconAnchor: [10, 10],
                      html: svgSymbol(family, hollow)});
  }

  // A click on a cluster whose markers stand at one place (a county or city centre:
  // zooming in would show a street and nothing more) lists them where they stand;
  // a name opens that carrier's popup there. Other clusters zoom to their markers.
  var SAME_PLACE_METRES = 300;

  function clusterClick(e) {
    var cluster = e.layer, map = cluster._map || e.target._map;
    var bounds = cluster.getBounds();
    if (bounds.getNorthEast().distanceTo(bounds.getSouthWest()) > SAME_PLACE_METRES) {
      cluster.zoomToBounds({padding: [30, 30]});
      return;
    }
    var at = cluster.getLatLng(), markers = cluster.getAllChildMarkers();
    var box = L.DomUtil.create("div", "im-popup im-cluster-list");
    var title = L.DomUtil.create("h3", "", box);
    title.textContent = "此处 " + markers.length + " 个载体";
    var hollow = markers.some(function (m) { return CENTROIDS[m.feature.properties.g]; });
    if (hollow) {
      L.DomUtil.create("p", "im-note", box).textContent =
        "位置为所在县区或城市的代表点（示意位置），不是实际地址。";
    }
    var list = L.DomUtil.create("ul", "", box);
    markers.sort(function (a, b) {
      return a.feature.properties.n < b.feature.properties.n ? -1 : 1;
    }).forEach(function (marker) {
      var button = L.DomUtil.create("button", "", L.DomUtil.create("li", "", list));
      button.type = "button";
      button.textContent = marker.feature.properties.n;  // text, never HTML
      L.DomEvent.on(button, "click", function (ev) {
        L.DomEvent.stop(ev);
        L.popup({maxWidth: 360}).setLatLng(at)
          .setContent(marker.getPopup().getContent()).openOn(map);
      });
    });
    L.popup({maxWidth: 360, maxHeight: 320}).setLatLng(at).setContent(box).openOn(map);
  }

  // Areas and lines of an overlay: outlines above the choropleth whose fill never
  // takes a click (CSS: only the stroke of .im-area is hit), so counties stay clickable.
  function areaStyle(color, feature) {
    var line = /LineString/.test(feature.geometry.type);
    return {color: color, weight: line ? 3 : 2, dashArray: line ? null : "6 4",
            fill: false, pane: "im-areas", className: "im-area"};
  }

  function entities(data, options) {
    var family = familyOf(options.style, {label: "创新载体", shape: "circle", color: "#444"});
    var group = options.cluster && L.markerClusterGroup
      ? L.markerClusterGroup({maxClusterRadius: 40, showCoverageOnHover: false,
                              zoomToBoundsOnClick: false})
      : L.featureGroup();
    if (options.cluster && L.markerClusterGroup) group.on("clusterclick", clusterClick);
    var entry = {group: group, family: family, hollow: 0, count: 0};
    L.geoJSON(data, {
      pointToLayer: function (f, latlng) {
        var hollow = !!CENTROIDS[f.properties.g];
        if (hollow) entry.hollow += 1;
        return L.marker(latlng, {icon: symbol(family, hollow)});
      },
      style: function (f) { return areaStyle(family.color, f); },
      onEachFeature: function (f, layer) {
        entry.count += f.properties.w || 1;  // a count marker stands for w features
        bind(f, layer);
        remember(f, layer, group, family.label);
      }
    }).eachLayer(function (layer) { group.addLayer(layer); });
    symbolLayers.push(entry);
    return group;
  }

  // How a corridor part is drawn comes from the server (property st, the map core's
  // PART_STYLES, which the print export uses too): colour, weight, dashes, fill.
  function partStyle(f) {
    var st = f.properties.st || {};
    var style = {color: st.color || "#b2182b", weight: st.weight || 2, opacity: 0.9,
                 dashArray: st.dash || null, fillColor: st.color || "#b2182b",
                 fillOpacity: st.fill || 0};
    if (/Polygon/.test(f.geometry.type)) {
      style.pane = "im-areas";
      style.className = "im-area";
    } else if (/Point/.test(f.geometry.type)) {
      style.fillColor = "#fff";
      style.fillOpacity = 1;
    }
    return style;
  }

  // A corridor drawn over a region's units (options.over): its popup names the unit
  // under the click, one button away, so the corridor never hides a county.
  function underneath(e) {
    var popup = e.popup, at = popup.getLatLng(), search = innomap.search;
    var unit = search && at ? search.unitAt(unitLayers, at) : null;
    var box = popup.getElement() && popup.getElement().querySelector(".im-popup");
    if (!unit || !box || box.querySelector(".im-under")) return;
    var p = L.DomUtil.create("p", "im-under", box);
    var button = L.DomUtil.create("button", "", p);
    button.type = "button";
    button.textContent = "此处区划：" + unit.feature.properties.n;  // text, never HTML
    L.DomEvent.on(button, "click", function (ev) {
      L.DomEvent.stop(ev);
      popup._map.closePopup(popup);
      unit.openPopup(at);
    });
  }

  // Corridor part names (一道, 分界线, 片区, 节点) often fall on one spot (the centre line's
  // middle is where the divider crosses it): each name that would cover an earlier one
  // moves down below it, as the print export sets its names apart.
  var apartPending = false;
  function setApart(map) {
    if (apartPending) return;
    apartPending = true;
    L.Util.requestAnimFrame(function () {
      apartPending = false;
      var names = Array.prototype.slice.call(
        map.getContainer().querySelectorAll(".im-part-label"));
      var placed = [];
      names.forEach(function (el) { el.style.top = ""; });
      names.sort(function (a, b) { return mobility(a) - mobility(b); });  // stable
      names.forEach(function (el) {
        var r = el.getBoundingClientRect(), dy = 0;
        for (var tries = 0; tries < names.length; tries++) {
          var hit = placed.filter(function (p) {
            return r.left < p.right && r.right > p.left && r.top + dy < p.bottom &&
                   r.bottom + dy > p.top;
          })[0];
          if (!hit) break;
          dy = hit.bottom - r.top + 2;
        }
        if (dy) el.style.top = dy + "px";
        placed.push({left: r.left, right: r.right, top: r.top + dy, bottom: r.bottom + dy});
      });
    });
  }

  // Which names stay put: a node's sits at its dot, a zone's may go anywhere inside it.
  function mobility(el) {
    var list = el.classList;
    return list.contains("im-part-node") ? 0 : list.contains("im-part-zone") ? 2 : 1;
  }

  // A corridor: line, divider, zones, nodes and buffer; a part with a label (l) shows it.
  function corridor(data, options) {
    var family = familyOf(options && options.style,
                          {label: "走廊", shape: "line", color: "#e6550d"});
    var entry = {group: null, family: family, hollow: 0, count: 1};  // counted per corridor
    var group = L.geoJSON(data, {
      style: partStyle,
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, Object.assign({radius: 6, pane: "im-nodes"}, partStyle(f)));
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        if (p.l) {
          layer.bindTooltip(p.l, {permanent: true, direction: p.k === "node" ? "right" : "center",
                                  offset: p.k === "node" ? [8, 0] : [0, 0],
                                  className: "im-part-label im-part-" + (p.k || "part")});
        } else if (p.t) layer.bindTooltip(p.t, {sticky: true});
        if (p.p) layer.bindPopup(p.p, {maxWidth: 360});
        if (options && options.over) layer.on("popupopen", underneath);
        remember(f, layer, group, p.k === "node" ? "走廊节点" : "走廊");
      }
    });
    entry.group = group;
    symbolLayers.push(entry);
    return group;
  }

  // -------------------------------------------------------------- symbol legend

  // The families of the overlays on the map now, in drawing order, with counts.
  function drawnFamilies(map) {
    var byId = {}, out = [];
    symbolLayers.forEach(function (entry) {
      if (!map.hasLayer(entry.group)) return;
      var known = byId[entry.family.id];
      if (!known) {
        known = byId[entry.family.id] = {family: entry.family, count: 0, hollow: 0};
        out.push(known);
      }
      known.count += entry.count;
      known.hollow += entry.hollow;
    });
    return out;
  }

  function fillSymbols(map, box) {
    var families = drawnFamilies(map);
    box.innerHTML = "";
    box.hidden = !families.length;
    if (!families.length) return;
    var h = L.DomUtil.create("h2", "", box);
    h.textContent = "图上符号";
    var ul = L.DomUtil.create("ul", "im-symbol-list", box);
    var hollow = 0;
    families.forEach(function (item) {
      var li = L.DomUtil.create("li", "", ul);
      li.setAttribute("data-family", item.family.id);
      li.innerHTML = svgSymbol(item.family, false, 16);
      var name = L.DomUtil.create("span", "im-symbol-label", li);
      name.textContent = item.family.label;   // text, never HTML
      var count = L.DomUtil.create("span", "im-count", li);
      // Thousands grouped with commas, as geo/numbers.py writes counts.
      count.textContent = "（" + item.count.toLocaleString("en-US") + "）";
      hollow += item.hollow;
    });
    if (hollow) {
      var note = L.DomUtil.create("p", "im-hollow-note", box);
      note.innerHTML = svgSymbol({shape: "circle", color: "#555"}, true, 14);
      note.appendChild(document.createTextNode(
        "空心符号：规划只给出所在县区或城市，标在其中心，为示意位置（" + hollow + "）"));
    }
  }

  // -------------------------------------------------------------- controls

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

  function homeButton(map) {
    return control("topleft", function () {
      var div = L.DomUtil.create("div", "leaflet-bar im-home-view");
      var a = L.DomUtil.create("a", "", div);
      a.href = "#"; a.title = "回到全图"; a.setAttribute("role", "button");
      a.textContent = "全图";
      L.DomEvent.on(a, "click", function (e) {
        L.DomEvent.preventDefault(e);
        map.closePopup();
        if (innomap.page) innomap.page.home(map);
      });
      L.DomEvent.disableClickPropagation(div);
      return div;
    });
  }

  // The choropleth legend (moved in from the page) and the symbol legend, collapsible.
  function legend(map, id, collapsed) {
    var el = id && document.getElementById(id);
    return control("bottomright", function () {
      var div = L.DomUtil.create("div", "im-legend-control");
      var button = L.DomUtil.create("button", "im-legend-toggle", div);
      button.type = "button";
      button.textContent = "图例";
      var body = L.DomUtil.create("div", "im-legend-body", div);
      body.id = "im-legend-body";
      button.setAttribute("aria-controls", body.id);
      if (el) body.appendChild(el);
      var symbols = L.DomUtil.create("div", "im-symbols", body);
      symbols.id = "im-symbols";
      var set = function (closed) {
        div.classList.toggle("im-collapsed", closed);
        button.setAttribute("aria-expanded", String(!closed));
        button.title = closed ? "展开图例" : "收起图例";
      };
      set(collapsed);
      L.DomEvent.on(button, "click", function () {
        set(!div.classList.contains("im-collapsed"));
        if (innomap.page) innomap.page.relayout(map);
      });
      var redo = function () { fillSymbols(map, symbols); };
      var pending = null;
      map.on("layeradd layerremove", function () {
        if (!pending) pending = setTimeout(function () { pending = null; redo(); }, 0);
      });
      redo();
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    });
  }

  function controls(map, options) {
    var narrow = window.matchMedia && window.matchMedia("(max-width: 759px)").matches;
    L.control.scale({imperial: false}).addTo(map);
    homeButton(map).addTo(map);
    fullscreen(map).addTo(map);
    if (innomap.search) innomap.search.control(map, searchable, unitLayers).addTo(map);
    legend(map, options.legend, narrow).addTo(map);
    if (innomap.page) innomap.page.setup(map, options);
  }

  window.innomap = {regions: regions, labels: labels, entities: entities,
                    corridor: corridor, controls: controls, maps: [], layerControls: [],
                    symbols: {families: drawnFamilies, svg: svgSymbol, familyOf: familyOf},
                    searchable: searchable,
                    isUnitLayer: function (layer) { return unitLayers.indexOf(layer) >= 0; }};
}());

/* innomap map pages: sizing, the side panel (a sheet on phones), the layer list,
 * the permalink and the thematic form. The print panel is innomap-print.js.
 *
 * Leaflet measures its container once; every change of the page's layout (panel
 * shown or hidden, window resized, legend opened) goes through relayout(), which
 * re-measures and, while the user has not moved the map, fits the home view again.
 */
(function () {
  "use strict";
  var NARROW = "(max-width: 759px)";
  var state = {atHome: true, fitting: false, defaults: null, ready: false};

  // -------------------------------------------------------------- sizing

  // Room kept clear at the right for an open legend, when it is narrow enough to spare.
  function legendRoom(map) {
    var legend = map.getContainer().querySelector(".im-legend-control");
    if (!legend || legend.classList.contains("im-collapsed")) return 0;
    var width = legend.offsetWidth;
    return width < 0.3 * map.getSize().x ? width + 10 : 0;
  }

  function home(map) {
    if (!map.imHome) return;
    state.fitting = true;
    try {
      map.fitBounds(map.imHome, {animate: false, paddingTopLeft: [10, 10],
                                 paddingBottomRight: [10 + legendRoom(map), 10]});
    } finally {
      state.fitting = false;
    }
    state.atHome = true;
    writeHash(map);
  }

  function relayout(map) {
    map.invalidateSize({pan: false});
    if (state.atHome) home(map);
  }

  function watchSize(map) {
    map.on("movestart zoomstart", function () { if (!state.fitting) state.atHome = false; });
    var pending = null;
    var later = function () {
      if (pending) cancelAnimationFrame(pending);
      pending = requestAnimationFrame(function () { pending = null; relayout(map); });
    };
    if (window.ResizeObserver) new ResizeObserver(later).observe(map.getContainer());
    window.addEventListener("resize", later);
    window.addEventListener("load", later);
    document.addEventListener("fullscreenchange", later);
  }

  // -------------------------------------------------------------- panel and sheet

  function panelToggle(map, setOpen) {
    var C = L.Control.extend({options: {position: "topright"}, onAdd: function () {
      var button = L.DomUtil.create("button", "im-panel-toggle");
      button.type = "button";
      button.id = "im-panel-toggle";
      button.setAttribute("aria-controls", "im-panel");
      L.DomEvent.on(button, "click", function (e) {
        L.DomEvent.stopPropagation(e);
        setOpen(document.body.classList.contains("im-panel-closed"));
      });
      L.DomEvent.disableClickPropagation(button);
      return button;
    }});
    return new C().addTo(map).getContainer();
  }

  function setupPanel(map) {
    var panel = document.getElementById("im-panel");
    if (!panel) return;
    var close = document.getElementById("im-panel-close");
    var toggle;
    var setOpen = function (open) {
      document.body.classList.toggle("im-panel-closed", !open);
      toggle.setAttribute("aria-expanded", String(open));
      toggle.textContent = open ? "收起面板" : "☰ 指标、图层与打印";
      toggle.title = open ? "收起侧栏，地图占满页面" : "打开侧栏：指标、图层、打印与链接";
      relayout(map);
    };
    toggle = panelToggle(map, setOpen);
    if (close) {
      close.hidden = false;
      close.addEventListener("click", function () { setOpen(false); });
    }
    var narrow = window.matchMedia ? window.matchMedia(NARROW) : null;
    setOpen(!(narrow && narrow.matches));
    if (narrow && narrow.addEventListener) {
      narrow.addEventListener("change", function (e) { setOpen(!e.matches); });
    }
  }

  // The layer list in the panel, where it covers no part of the map.
  function moveLayerList() {
    var slot = document.getElementById("im-layers");
    var controlsSeen = window.innomap.layerControls;
    var layers = controlsSeen[controlsSeen.length - 1];
    if (!slot || !layers || !layers.getContainer()) return;
    var el = layers.getContainer();
    slot.appendChild(el);
    el.classList.add("leaflet-control-layers-expanded");
    var box = document.getElementById("im-layers-box");
    box.hidden = false;
    if (window.matchMedia && window.matchMedia(NARROW).matches) box.open = false;  // a long list
  }

  // -------------------------------------------------------------- permalink

  function layerControl() {
    var seen = window.innomap.layerControls;
    return seen.length ? seen[seen.length - 1] : null;
  }

  // A stable key per layer: its name without the feature count, "区划" for the units.
  function layerKey(entry) {
    if (window.innomap.isUnitLayer && window.innomap.isUnitLayer(entry.layer)) return "区划";
    var div = document.createElement("div");
    div.innerHTML = entry.name;
    return div.textContent.replace(/（\d+）$/, "").trim();
  }

  function layerState(map) {
    var control = layerControl();
    var out = {};
    (control ? control._layers : []).forEach(function (entry) {
      out[layerKey(entry)] = {on: map.hasLayer(entry.layer), entry: entry};
    });
    return out;
  }

  function hashFor(map) {
    var parts = [];
    if (!state.atHome) {
      var c = map.getCenter();
      parts.push("map=" + Number(map.getZoom().toFixed(2)) + "/" + c.lat.toFixed(4) + "/" + c.lng.toFixed(4));
    }
    var now = layerState(map), on = [], off = [], base = null;
    Object.keys(now).forEach(function (key) {
      var was = state.defaults[key];
      if (!was || was.on === now[key].on) return;
      if (now[key].entry.overlay) (now[key].on ? on : off).push(key);
      else if (now[key].on) base = key;
    });
    if (on.length) parts.push("on=" + on.map(encodeURIComponent).join(","));
    if (off.length) parts.push("off=" + off.map(encodeURIComponent).join(","));
    if (base) parts.push("base=" + encodeURIComponent(base));
    return parts.join("&");
  }

  function writeHash(map) {
    if (!state.ready) return;
    var hash = hashFor(map);
    var url = location.pathname + location.search + (hash ? "#" + hash : "");
    history.replaceState(history.state, "", url);
    var field = document.getElementById("im-link");
    if (field) field.value = location.href;
  }

  function parseHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var i = part.indexOf("=");
      if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
    });
    return out;
  }

  function restore(map) {
    var h = parseHash();
    var now = layerState(map);
    var list = function (v) { return v ? v.split(",").map(decodeURIComponent) : []; };
    list(h.off).forEach(function (k) { if (now[k] && now[k].on) map.removeLayer(now[k].entry.layer); });
    list(h.on).forEach(function (k) { if (now[k] && !now[k].on) map.addLayer(now[k].entry.layer); });
    var base = h.base && now[decodeURIComponent(h.base)];
    if (base && !base.entry.overlay) {
      Object.keys(now).forEach(function (k) {
        if (!now[k].entry.overlay && now[k].on) map.removeLayer(now[k].entry.layer);
      });
      map.addLayer(base.entry.layer);
    }
    var view = /^(\d+(?:\.\d+)?)\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(h.map || "");
    if (view) {
      state.atHome = false;
      map.setView([Number(view[2]), Number(view[3])], Number(view[1]), {animate: false});
    }
  }

  function setupPermalink(map) {
    state.defaults = layerState(map);
    restore(map);
    state.ready = true;
    map.on("moveend overlayadd overlayremove baselayerchange", function () { writeHash(map); });
    writeHash(map);
    var copy = document.getElementById("im-copy-link");
    var field = document.getElementById("im-link");
    if (!copy || !field) return;
    copy.closest("section").hidden = false;
    copy.addEventListener("click", function () {
      field.value = location.href;
      field.select();
      var done = function () { copy.textContent = "已复制"; setTimeout(function () { copy.textContent = "复制链接"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done, function () {});
      else if (document.execCommand && document.execCommand("copy")) done();
    });
  }

  // -------------------------------------------------------------- thematic form

  function withHash(url) {
    return url.split("#")[0] + location.hash;
  }

  function wireSteps() {
    var range = document.getElementById("im-step-range");
    var links = document.querySelectorAll("#im-steps a.im-step");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function () { link.href = withHash(link.href); });
    });
    if (!range) return;
    range.addEventListener("change", function () {
      var link = links[Number(range.value)];
      if (link) window.location.href = withHash(link.href);
    });
  }

  // The view and layers stay when the indicator changes: the form keeps the hash.
  function wireForm() {
    wireSteps();
    var form = document.getElementById("im-form");
    if (!form) return;
    var keep = function () { form.action = location.pathname + location.hash; };
    form.addEventListener("submit", keep);
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
        keep();
        form.submit();
      });
    });
  }

  // The corridor's carrier list: a name shows its carrier on the map.
  function wireMembers(map) {
    var narrow = window.matchMedia ? window.matchMedia(NARROW) : null;
    Array.prototype.forEach.call(document.querySelectorAll("button.im-member"), function (b) {
      b.addEventListener("click", function () {
        if (narrow && narrow.matches) {
          var close = document.getElementById("im-panel-close");
          if (close) close.click();
        }
        if (window.innomap.search) window.innomap.search.open(map, b.getAttribute("data-name"));
      });
    });
  }

  function setup(map) {
    watchSize(map);
    setupPanel(map);
    wireMembers(map);
    moveLayerList();
    wireForm();
    if (window.innomap.print) window.innomap.print.setup();
    setupPermalink(map);
    relayout(map);
  }

  window.innomap.page = {setup: setup, home: home, relayout: relayout, hashFor: hashFor,
                         state: state};
}());

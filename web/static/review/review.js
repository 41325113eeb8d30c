// Review page of an uploaded plan: every change is one JSON POST with the candidate's
// version; a 409 says who changed it meanwhile. Plan text is only ever set as text.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var cands = data.candidates;
  var base = "/admin/plans/" + encodeURIComponent(data.draft);
  var message = document.getElementById("message");
  var GROUP = {targets: "指标目标", entities: "创新载体", tasks: "任务", partnerships: "合作"};
  var STATUS = {pending: "待审", accepted: "已接受", rejected: "已拒绝", merged: "已合并"};

  function say(text) { message.textContent = text || ""; }

  function post(path, body) {
    return fetch(base + path, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRF-Token": data.csrf},
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { throw new Error((j && (j.description || j.detail || j.message)) || ("HTTP " + r.status)); }
        return j;
      });
    });
  }

  function progress(p) {
    document.getElementById("progress-n").textContent = p[0];
    document.getElementById("progress-m").textContent = p[1];
  }

  function update(c) {
    cands[c.cid] = c;
    var li = document.getElementById("c" + c.cid);
    if (!li) { return; }
    li.dataset.version = c.version;
    li.className = "cand st-" + c.status;
    li.querySelector(".status").textContent = STATUS[c.status];
    if (c.summary) { li.querySelector(".sum").textContent = c.summary; }
    li.querySelector(".who").textContent = c.changed_by + " " + c.changed_at;
    var county = li.querySelector(".county");
    if (county) { county.textContent = c.data.county_adcode || "区县未定"; }
  }

  function change(list) {
    say("");
    return post("/changes", {changes: list}).then(function (j) {
      j.candidates.forEach(update);
      progress(j.progress);
      return j;
    }).catch(function (e) { say(e.message); throw e; });
  }

  function one(cid, fields) {
    var c = cands[cid];
    var item = {cid: c.cid, version: c.version};
    Object.keys(fields).forEach(function (k) { item[k] = fields[k]; });
    return change([item]);
  }

  // -- highlight the quote of the candidate under the pointer
  document.querySelectorAll(".cand").forEach(function (li) {
    li.addEventListener("mouseenter", function () { hot(li.dataset.cid, true); });
    li.addEventListener("mouseleave", function () { hot(li.dataset.cid, false); });
  });
  function hot(cid, on) {
    document.querySelectorAll(".q").forEach(function (s) {
      if (s.dataset.cids.split(" ").indexOf(String(cid)) >= 0) { s.classList.toggle("hot", on); }
    });
  }

  // -- buttons of each candidate
  document.getElementById("text").addEventListener("click", function (ev) {
    var button = ev.target.closest("button");
    if (!button) { return; }
    if (button.classList.contains("accept-section")) { return acceptSection(button); }
    var li = button.closest(".cand");
    if (!li) { return; }
    var cid = Number(li.dataset.cid), act = button.dataset.act;
    if (act === "accepted" || act === "rejected") { one(cid, {status: act}).catch(function () {}); }
    else if (act === "edit") { edit(cid); }
    else if (act === "merge") {
      var into = window.prompt("合并到哪条候选？请输入其编号（同一类别）");
      if (into) { one(cid, {status: "merged", merged_into: Number(into)}).catch(function () {}); }
    } else if (act === "locate") { locate(cid); }
  });

  // Every pending candidate of the section, on every page: the server gave each section's
  // versions; those shown here are as this page last saw them.
  function acceptSection(button) {
    var section = button.closest("h3").dataset.section;
    var versions = {}, count = 0;
    var known = (data.sections || {})[section] || {};
    Object.keys(known).forEach(function (cid) {
      var c = cands[cid];
      if (c && c.status !== "pending") { return; }
      versions[cid] = c ? c.version : known[cid];
      count += 1;
    });
    if (!count) { return; }
    say("");
    post("/sections/accept", {section: section, versions: versions}).then(function (j) {
      j.candidates.forEach(update);
      progress(j.progress);
      data.sections[section] = {};
    }).catch(function (e) { say(e.message); });
  }

  // -- the editor: one form for the candidate being edited
  var editor = document.getElementById("editor");
  var fieldsBox = document.getElementById("editor-fields");
  var FIELDS = {
    targets: [["indicator", "指标（原文）"], ["indicator_name", "知识库指标（输入名称可得建议）"],
              ["new_indicator", "或新建指标：名称"], ["new_unit", "新建指标的单位"],
              ["value", "数值"], ["value_max", "区间上限"], ["unit", "单位"], ["year", "年份"],
              ["kind", "基期 baseline / 目标 target"], ["qualifier", "限定词"]],
    entities: [["name", "名称"], ["type", "类型"], ["precision", "定位精度"]],
    tasks: [["task", "任务"], ["lead", "牵头单位"], ["partners", "配合单位"]],
    partnerships: [["partner", "合作方"], ["kind", "合作方式"]],
    // a partner the knowledge base does not hold yet: where it is, placed on the map
    partner_place: [["type", "类型"], ["location", "所在地"], ["precision", "定位精度"]]
  };
  var editing = null;

  function input(name, value) {
    var el;
    if (name === "type" || name === "precision") {
      el = document.createElement("select");
      var opts = name === "type" ? data.options.types : data.options.grades;
      el.appendChild(new Option("（未定）", ""));
      opts.forEach(function (o) { el.appendChild(new Option(o.label + "（" + o.id + "）", o.id)); });
    } else {
      el = document.createElement("input");
      if (name === "indicator_name") { el.setAttribute("list", "indicator-names"); }
    }
    el.name = name;
    el.value = value == null ? "" : value;
    return el;
  }

  function indicatorName(id) {
    var hit = data.options.indicators.filter(function (i) { return i.id === id; })[0];
    return hit ? hit.name : "";
  }
  function indicatorId(name) {
    var hit = data.options.indicators.filter(function (i) {
      return i.name === name || (i.variants || "").split("|").indexOf(name) >= 0;
    })[0];
    return hit ? hit.id : null;
  }

  function openEditor(title, group, values, onSave) {
    editing = {group: group, save: onSave};
    document.getElementById("editor-title").textContent = title;
    fieldsBox.textContent = "";
    FIELDS[group].forEach(function (f) {
      var label = document.createElement("label");
      label.textContent = f[1] + " ";
      label.appendChild(input(f[0], values[f[0]]));
      fieldsBox.appendChild(label);
    });
    editor.hidden = false;
  }

  function edit(cid) {
    var c = cands[cid], v = Object.assign({}, c.data);
    v.indicator_name = indicatorName(v.indicator_id);
    openEditor("编辑候选 " + cid + "（" + GROUP[c.group] + "）", c.group, v, function (vals) {
      return one(cid, {data: vals});
    });
  }

  function collect(group) {
    var out = {};
    FIELDS[group].forEach(function (f) {
      var v = editor.elements[f[0]].value.trim();
      out[f[0]] = v === "" ? null : v;
    });
    if (group === "targets") {
      if (out.new_indicator) {
        out.new_indicator = {name: out.new_indicator, unit: out.new_unit || out.unit || ""};
        out.indicator_id = null;
      } else if (out.indicator_name) {
        out.indicator_id = indicatorId(out.indicator_name);
        if (!out.indicator_id) { throw new Error("知识库中没有名为“" + out.indicator_name + "”的指标"); }
      }
      delete out.indicator_name; delete out.new_unit;
      ["value", "value_max"].forEach(function (k) { if (out[k] != null) { out[k] = Number(out[k]); } });
      if (out.year != null) { out.year = Number(out.year); }
    }
    return out;
  }

  editor.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var vals;
    try { vals = collect(editing.group); } catch (e) { say(e.message); return; }
    editing.save(vals).then(function () { editor.hidden = true; }).catch(function () {});
  });
  document.getElementById("editor-cancel").addEventListener("click", function () { editor.hidden = true; });

  // -- add a missing candidate by selecting text: offsets from the segments' data-o
  function offsetOf(node, offset) {
    var el = node.nodeType === 3 ? node.parentNode : node;
    var span = el.closest ? el.closest("span[data-o]") : null;
    if (!span) { return null; }
    return Number(span.dataset.o) + (node.nodeType === 3 ? offset : 0);
  }
  document.getElementById("text").addEventListener("mouseup", function () {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) { return; }
    var range = sel.getRangeAt(0);
    var start = offsetOf(range.startContainer, range.startOffset);
    var end = offsetOf(range.endContainer, range.endOffset);
    var quote = sel.toString();
    if (start == null || end == null || end <= start) { return; }
    addFrom(start, end, quote);
  });

  function addFrom(start, end, quote) {
    var group = window.confirm("把所选文字添加为创新载体？（选“取消”则添加为指标目标）") ? "entities" : "targets";
    openEditor("添加" + GROUP[group] + "：" + quote.slice(0, 30), group,
               group === "entities" ? {name: quote} : {indicator: quote}, function (vals) {
      return post("/add", {group: group, start: start, end: end, quote: quote, data: vals})
        .then(function (j) { progress(j.progress); say("已添加候选 " + j.candidate.cid + "（刷新后显示在原文中）"); })
        .catch(function (e) { say(e.message); throw e; });
    });
  }

  // -- the map: the region's counties, a draggable marker for the entity being placed
  var map = L.map("review-map", {attributionControl: false}).setView([33, 118], 6);
  window.innomapReviewMap = map;
  if (data.region) {
    var outline = L.geoJSON(data.region, {style: {color: "#555", weight: 1, fillOpacity: 0.05},
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name + " " + f.properties.adcode); }
    }).addTo(map);
    map.fitBounds(outline.getBounds());
  }
  var marker = null, placing = null;
  // An entity, or a partner outside the region (pan the map to it first).
  function locate(cid) {
    var c = cands[cid];
    var name = c.data.name || c.data.partner;
    placing = cid;
    var at = c.data.lat != null ? [c.data.lat, c.data.lon] : map.getCenter();
    if (marker) { marker.remove(); }
    marker = L.marker(at, {draggable: true, title: name}).addTo(map);
    marker.bindTooltip(name, {permanent: true}).openTooltip();
    marker.on("dragend", function () { moved(marker.getLatLng()); });
    map.panTo(at, {animate: false});
    var fields = c.group === "partnerships" ? "partner_place" : "entities";
    openEditor("定位 " + name + "：拖动地图上的标记，并选择定位精度", fields, c.data, function (vals) {
      return one(cid, {data: vals});
    });
  }
  function moved(ll) {
    var c = cands[placing];
    var grade = editor.elements.precision ? editor.elements.precision.value : "";
    var fields = {lon: ll.lng, lat: ll.lat};
    if (grade) { fields.precision = grade; }
    return one(c.cid, {data: fields}).catch(function () {});
  }

  // -- the plan's own fields
  var planForm = document.getElementById("plan-form");
  planForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var plan = {};
    Array.prototype.forEach.call(planForm.elements, function (el) {
      if (!el.name) { return; }
      var v = el.value.trim();
      plan[el.name] = v === "" ? null : (/^period_/.test(el.name) ? Number(v) : v);
    });
    post("/plan", {version: Number(planForm.dataset.version), plan: plan}).then(function (j) {
      planForm.dataset.version = j.version; say("规划信息已保存");
    }).catch(function (e) { say(e.message); });
  });
}());

// /targets' filters: a choice applies at once (the form is submitted, so the URL keeps
// the view and a link reproduces it; without JavaScript a 筛选 button does the same),
// and the indicator list, grouped by 指标类别, narrows to the names that contain what
// is typed in the search box (an indicator's name or any of the plan's wordings of it).
(function () {
  "use strict";
  var form = document.getElementById("im-filters");
  if (!form) return;

  Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
    select.addEventListener("change", function () { form.submit(); });
  });

  var select = document.getElementById("im-indicator");
  var input = document.getElementById("im-indicator-search");
  var status = document.getElementById("im-indicator-matches");
  if (!select || !input) return;
  input.closest("label").hidden = false;

  function fold(text) {
    return (text.normalize ? text.normalize("NFKC") : text).replace(/\s+/g, "").toLowerCase();
  }
  // The full list once: [{label, options: [{value, text, words, selected}]}].
  var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (g) {
    return { label: g.label, options: Array.prototype.map.call(g.children, function (o) {
      var raw = o.getAttribute("data-words") || "";
      return { value: o.value, text: o.textContent, selected: o.selected, raw: raw,
               words: fold(o.textContent + "|" + raw) };
    }) };
  });

  function option(item) {
    var o = document.createElement("option");
    o.value = item.value;
    o.textContent = item.text;
    o.selected = item.selected;
    o.setAttribute("data-words", item.raw);
    return o;
  }

  // Rebuilds the list with the indicators whose words contain the text; the chosen one
  // stays in the list so that the form still says what the page shows.
  function narrow() {
    var wanted = fold(input.value);
    var shown = 0;
    while (select.children.length > 1) select.removeChild(select.lastChild);
    groups.forEach(function (g) {
      var kept = g.options.filter(function (item) {
        return item.selected || !wanted || item.words.indexOf(wanted) >= 0;
      });
      if (!kept.length) return;
      var group = document.createElement("optgroup");
      group.label = g.label;
      kept.forEach(function (item) {
        group.appendChild(option(item));
        if (!item.selected || item.words.indexOf(wanted) >= 0) shown += 1;
      });
      select.appendChild(group);
    });
    status.textContent = wanted ? (shown ? "找到 " + shown + " 项" : "没有名称含此字词的指标") : "";
    return shown;
  }

  input.addEventListener("input", narrow);
  // Enter chooses the first match instead of sending the form as it is.
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();
    var wanted = fold(input.value);
    var first = Array.prototype.find.call(select.querySelectorAll("optgroup option"), function (o) {
      return wanted && fold(o.textContent + "|" + (o.getAttribute("data-words") || "")).indexOf(wanted) >= 0;
    });
    if (first) {
      select.value = first.value;
      form.submit();
    }
  });
})();

// Under 600 px the monitoring tables read as cards (CSS in monitor/base.html): each cell
// shows its column's heading, copied here from the table's own header row.
(function () {
  "use strict";
  document.querySelectorAll("table.im-table").forEach(function (table) {
    var headRow = table.querySelector("thead tr") || table.querySelector("tr");
    if (!headRow) return;
    var labels = Array.prototype.map.call(headRow.children, function (th) {
      return th.textContent.replace(/[▲▼]/g, "").trim();
    });
    table.querySelectorAll("tr").forEach(function (tr) {
      if (tr === headRow) return;
      Array.prototype.forEach.call(tr.children, function (cell, i) {
        if (labels[i]) cell.setAttribute("data-label", labels[i]);
      });
    });
    table.classList.add("im-labelled");
  });
})();

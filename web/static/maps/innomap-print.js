/* innomap print panel: paper, orientation, dpi, title and a 审图号 / 内部用图 line.
 *
 * Builds /export/<map>.<fmt>?<the page's thematic query>&size&orientation&dpi&title&note,
 * fetches the file with progress shown, then offers it for download; a refusal
 * (400, 503, …) shows the server's own explanation.
 */
(function () {
  "use strict";
  var PAGE_ARGS = ["size", "orientation", "dpi", "title", "note"];
  var FORMAT_LABELS = {png: "PNG 图片", svg: "SVG 矢量图", pdf: "PDF 打印版"};
  var ORIENTATION_LABELS = {landscape: "横向", portrait: "纵向"};
  var current = null;   // {controller, timer, objectUrl}

  function noteText(form) {
    var kind = form.elements.note_kind.value;
    if (kind === "internal") return "内部用图";
    if (kind === "approval") {
      var number = form.elements.approval.value.trim();
      return number ? "审图号：" + number : null;
    }
    return "";
  }

  // The export URL for the form's choices; null (with a reason) when incomplete.
  function exportUrl(section, form) {
    var link = new URL(section.getAttribute("data-export"), location.href);
    var fmt = form.elements.format.value;
    var query = new URLSearchParams(link.search);
    PAGE_ARGS.forEach(function (k) { query.delete(k); });
    query.set("size", form.elements.size.value);
    query.set("orientation", form.elements.orientation.value);
    if (fmt !== "svg") query.set("dpi", form.elements.dpi.value);
    var title = form.elements.title.value.trim();
    if (title) query.set("title", title);
    var note = noteText(form);
    if (note === null) return {error: "请填写审图号，或改选“无”或“内部用图”。"};
    if (note) query.set("note", note);
    var path = link.pathname.replace(/\.(png|svg|pdf)$/, "") + "." + fmt;
    return {url: path + "?" + query.toString(), fmt: fmt};
  }

  function describe(form) {
    var fmt = form.elements.format.value;
    var text = FORMAT_LABELS[fmt] + "（" + form.elements.size.value + " " +
      ORIENTATION_LABELS[form.elements.orientation.value];
    return text + (fmt === "svg" ? "）" : " " + form.elements.dpi.value + " dpi）");
  }

  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB"
      : Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function say(status, text, busy) {
    status.textContent = text;
    status.classList.toggle("im-busy", !!busy);
    status.classList.remove("im-error");
  }

  // The server's reason: the description of its JSON error, else the page's text.
  function reason(response) {
    return response.text().then(function (body) {
      try {
        var data = JSON.parse(body);
        if (data && data.description) return data.description;
      } catch (e) { /* not JSON */ }
      var doc = new DOMParser().parseFromString(body, "text/html");
      var main = doc.querySelector(".description, main, body");
      return (main ? main.textContent : body).replace(/\s+/g, " ").trim().slice(0, 300);
    });
  }

  function readWithProgress(response, onProgress) {
    var total = Number(response.headers.get("Content-Length")) || 0;
    if (!response.body || !response.body.getReader) return response.blob();
    var reader = response.body.getReader(), chunks = [], got = 0;
    var type = response.headers.get("Content-Type") || "application/octet-stream";
    return (function pump() {
      return reader.read().then(function (step) {
        if (step.done) return new Blob(chunks, {type: type});
        chunks.push(step.value);
        got += step.value.length;
        onProgress(got, total);
        return pump();
      });
    })();
  }

  function filename(response, fmt) {
    var header = response.headers.get("Content-Disposition") || "";
    var m = /filename="?([^";]+)"?/.exec(header);
    return m ? m[1] : "innomap." + fmt;
  }

  function offer(status, blob, name) {
    current.objectUrl = URL.createObjectURL(blob);
    say(status, "已生成：");
    var a = document.createElement("a");
    a.href = current.objectUrl;
    a.download = name;
    a.className = "im-print-file";
    a.textContent = name + "（" + size(blob.size) + "）";
    status.appendChild(a);
    a.click();
  }

  function finish(form, cancel) {
    if (current && current.timer) clearInterval(current.timer);
    form.querySelector("button[type=submit]").disabled = false;
    cancel.hidden = true;
  }

  function start(section, form, status, cancel) {
    var built = exportUrl(section, form);
    if (built.error) {
      say(status, built.error);
      status.classList.add("im-error");
      return;
    }
    if (current && current.objectUrl) URL.revokeObjectURL(current.objectUrl);
    var label = describe(form), began = Date.now();
    current = {controller: window.AbortController ? new AbortController() : null};
    var waiting = function () {
      say(status, "正在生成 " + label + "… 已用 " + Math.round((Date.now() - began) / 1000) + " 秒", true);
    };
    waiting();
    current.timer = setInterval(waiting, 500);
    form.querySelector("button[type=submit]").disabled = true;
    cancel.hidden = false;
    section.setAttribute("data-last-url", built.url);
    fetch(built.url, {headers: {Accept: "application/json;q=0.9, */*;q=0.5"},
                      signal: current.controller && current.controller.signal})
      .then(function (response) {
        clearInterval(current.timer);
        if (!response.ok) {
          return reason(response).then(function (text) {
            throw new Error("生成失败（HTTP " + response.status + "）：" + text);
          });
        }
        return readWithProgress(response, function (got, total) {
          say(status, "正在下载 " + label + "… " + (total ? Math.round(100 * got / total) + "%" : size(got)), true);
        }).then(function (blob) { offer(status, blob, filename(response, built.fmt)); });
      })
      .catch(function (err) {
        var text = err && err.name === "AbortError" ? "已取消。" : err && err.message &&
          /^生成失败/.test(err.message) ? err.message : "无法连接服务器，请稍后重试。";
        say(status, text);
        status.classList.add("im-error");
      })
      .then(function () { finish(form, cancel); });
  }

  function setup() {
    var section = document.getElementById("im-print");
    if (!section || !window.fetch) return;
    var form = section.querySelector("form");
    var status = document.getElementById("im-print-status");
    var cancel = document.getElementById("im-print-cancel");
    section.hidden = false;
    var sync = function () {
      form.elements.dpi.disabled = form.elements.format.value === "svg";
      form.elements.approval.disabled = form.elements.note_kind.value !== "approval";
    };
    form.addEventListener("change", sync);
    sync();
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      start(section, form, status, cancel);
    });
    cancel.addEventListener("click", function () {
      if (current && current.controller) current.controller.abort();
    });
  }

  window.innomap.print = {setup: setup, exportUrl: exportUrl};
}());

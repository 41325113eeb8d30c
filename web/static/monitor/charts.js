// Draws the chart specs the server embeds (monitor.compare / monitor.report), with the
// ECharts build served from our own /vendor path. window.imCharts holds every instance.
(function () {
  "use strict";
  var COLOURS = ["#9bb7d4", "#1f4e8c", "#e08a1e"];
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif';
  function fmt(v) { return v === null || v === undefined ? "—" : String(+v.toFixed(4)); }

  // A chart's title within its width: long titles break into lines on a phone (never cut
  // at both ends), and the plot starts below however many lines that takes.
  var TITLE_SIZE = 14;
  function titled(spec, el, subtext) {
    var width = Math.max(120, el.clientWidth - 16);
    var lines = Math.max(1, Math.ceil(spec.title.length * TITLE_SIZE / width));
    return { extra: (lines - 1) * (TITLE_SIZE + 6),
             title: { text: spec.title, subtext: subtext, left: "center",
                      textStyle: { fontSize: TITLE_SIZE, width: width, overflow: "break" } } };
  }

  // The legend names only series with at least one bar (no 实际值 key when nothing
  // was imported yet).
  function drawn(series) {
    return series.filter(function (s) {
      return s.data.some(function (v) { return v !== null && v !== undefined; });
    }).map(function (s) { return s.name; });
  }

  function compareOption(spec, el) {
    var head = titled(spec, el, "单位：" + spec.unit);
    var series = spec.series.map(function (s, i) {
      var item = { name: s.name, type: "bar", data: s.data, itemStyle: { color: COLOURS[i] },
                   label: { show: true, position: "top", fontSize: 10,
                            formatter: function (p) { return s.labels ? s.labels[p.dataIndex] : fmt(p.value); } } };
      if (i === 1 && spec.reference) {
        item.markLine = { symbol: "none", lineStyle: { type: "dashed", color: "#a1281b" },
                          label: { position: "insideEndTop", formatter: spec.reference.name + " " + fmt(spec.reference.value) + spec.unit },
                          data: [{ yAxis: spec.reference.value }] };
      }
      return item;
    });
    return {
      textStyle: { fontFamily: FONT }, animation: false,
      title: head.title,
      tooltip: { trigger: "axis" }, legend: { bottom: 0, data: drawn(spec.series) },
      grid: { top: 70 + head.extra, bottom: 50, left: 10, right: 10, containLabel: true },
      xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, width: 70, overflow: "break" } },
      yAxis: { type: "value", name: spec.unit }, series: series
    };
  }

  function progressOption(spec, el) {
    var head = titled(spec, el, "");
    return {
      textStyle: { fontFamily: FONT }, animation: false,
      title: head.title,
      tooltip: { trigger: "axis" }, legend: { bottom: 0 },
      grid: { top: 40 + head.extra, bottom: 50, left: 20, right: 40, containLabel: true },
      yAxis: { type: "category", data: spec.categories, inverse: true,
               axisLabel: { width: Math.min(260, Math.round(el.clientWidth * 0.4)), overflow: "break" } },
      xAxis: { type: "value", name: "%", max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); } },
      series: [
        { name: "完成率", type: "bar", data: spec.completion, itemStyle: { color: "#1f4e8c" } },
        { name: "时序进度", type: "bar", data: spec.time_progress, itemStyle: { color: "#c9c9c9" } }
      ]
    };
  }

  // One indicator of one region across plan periods (monitor.lineage): a time axis of
  // years, baselines and targets as points, actuals as a line; each point's plan in its tooltip.
  function lineageOption(spec, el) {
    var head = titled(spec, el, "单位：" + spec.unit);
    var styles = { baseline: ["diamond", COLOURS[0]], target: ["triangle", COLOURS[1]],
                   actual: ["circle", COLOURS[2]] };
    var series = spec.series.map(function (s) {
      return { name: s.name, type: s.key === "actual" ? "line" : "scatter", data: s.data,
               symbol: styles[s.key][0], symbolSize: 12, itemStyle: { color: styles[s.key][1] },
               label: { show: true, position: "top", formatter: function (p) { return fmt(p.value[1]); } } };
    });
    var years = spec.points.map(function (p) { return p.year; });
    return {
      textStyle: { fontFamily: FONT }, animation: false,
      title: head.title,
      tooltip: { trigger: "item", formatter: function (p) { return p.value[0] + "年 " + fmt(p.value[1]) + echarts.format.encodeHTML(spec.unit) + "<br>" + echarts.format.encodeHTML(p.value[2]); } },
      legend: { bottom: 0 }, grid: { top: 60 + head.extra, bottom: 50, left: 50, right: 30 },
      xAxis: { type: "value", min: Math.min.apply(null, years) - 1, max: Math.max.apply(null, years) + 1,
               interval: 1, axisLabel: { formatter: function (v) { return String(v); } } },
      yAxis: { type: "value", name: spec.unit, scale: true }, series: series
    };
  }

  var builders = { compare: compareOption, progress: progressOption, lineage: lineageOption };
  window.imCharts = [];
  document.querySelectorAll("[data-chart-kind]").forEach(function (el) {
    var spec = JSON.parse(document.getElementById(el.id + "-spec").textContent);
    if (el.dataset.chartKind === "progress") {
      el.style.height = Math.max(260, 110 + 70 * spec.categories.length) + "px";
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(builders[el.dataset.chartKind](spec, el));
    window.imCharts.push(chart);
  });
  window.addEventListener("resize", function () { window.imCharts.forEach(function (c) { c.resize(); }); });
})();

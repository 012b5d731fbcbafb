/* 统计图表: draws each <div class="echart" data-chart="name" data-kind="stack|line|bar"> from the page's JSON
   (<script type="application/json" id="dashboard-data">, written by json_script) with the vendored Apache ECharts.
   No inline script (CSP 'self'). Narrow screens get horizontal bars, so long organization names stay readable. */
(function () {
  "use strict";
  var GRADE_COLORS = ["#4c9a5f", "#5b8fd1", "#d8b243", "#c0392b"];
  var COLORS = ["#b3131b", "#5b8fd1", "#4c9a5f", "#d8b243", "#8e44ad", "#16a085"];
  var charts = [];

  function narrow(el) { return el.clientWidth < 560; }

  function option(el, spec) {
    var kind = el.dataset.kind, unit = el.dataset.unit || "";
    var isGrade = /^grades_/.test(el.dataset.chart);
    var flip = kind !== "line" && (narrow(el) || spec.categories.length > 10);
    var small = narrow(el);
    var category = {
      type: "category", data: spec.categories,
      axisLabel: { interval: 0, fontSize: small ? 11 : 12, width: flip ? (small ? 84 : 140) : 80, overflow: "truncate",
                   rotate: !flip && spec.categories.length > 6 ? 30 : 0 },
      inverse: flip
    };
    var value = { type: "value", minInterval: 1, axisLabel: { formatter: "{value}" + unit } };
    if (unit === "%") { value.max = 100; }
    var series = spec.series.map(function (s) {
      return {
        name: s.name, data: s.data, type: kind === "line" ? "line" : "bar",
        stack: kind === "stack" ? "total" : undefined, connectNulls: false,
        label: kind === "bar" ? { show: true, position: flip ? "right" : "top", formatter: "{c}" + unit } : undefined,
        emphasis: { focus: "series" }, barMaxWidth: 36
      };
    });
    return {
      color: isGrade ? GRADE_COLORS : COLORS,
      animation: false,
      // Drawn inside the chart, not as HTML: an HTML tooltip carries inline styles, which the CSP refuses.
      tooltip: { trigger: "axis", confine: true, renderMode: "richText" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: flip ? 40 : 16, top: 36, bottom: 8, containLabel: true },
      xAxis: flip ? value : category,
      yAxis: flip ? category : value,
      series: series
    };
  }

  function height(el, spec) {
    var kind = el.dataset.kind;
    var flip = kind !== "line" && (narrow(el) || spec.categories.length > 10);
    if (!flip) { return narrow(el) ? 260 : 320; }
    return Math.max(220, 70 + spec.categories.length * (kind === "stack" ? 30 : 26));
  }

  function draw(item) {
    item.el.style.height = height(item.el, item.spec) + "px";
    item.chart.resize();
    item.chart.setOption(option(item.el, item.spec), true);
  }

  function start() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll(".echart[data-chart]").forEach(function (el) {
      var spec = data[el.dataset.chart];
      if (!spec || !spec.categories || !spec.categories.length) { el.hidden = true; return; }
      var item = { el: el, spec: spec, chart: window.echarts.init(el, null, { renderer: "svg", locale: "ZH" }) };
      charts.push(item);
      draw(item);
    });
    var pending = null;
    function redraw() {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(function () { charts.forEach(draw); }, 120);
    }
    window.addEventListener("resize", redraw);
    window.addEventListener("beforeprint", function () { charts.forEach(draw); });
    window.addEventListener("afterprint", redraw);
    var button = document.getElementById("print-page");
    if (button) { button.addEventListener("click", function () { window.print(); }); }
    document.documentElement.classList.add("charts-ready");
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

// The statistics dashboard: charts of the report embedded in the page (#stats data-report),
// drawn with uPlot. Days on a time axis; collections, protocols and users as bars.
(function () {
  "use strict";
  const el = document.getElementById("stats");
  const report = JSON.parse(el.dataset.report);
  const mib = (b) => b / 1048576;
  const width = () => Math.min(1100, document.body.clientWidth - 60);
  window.iroiseCharts = [];

  function timeChart(target, title, label, values, color) {
    const days = report.by_day.map((t) => Date.parse(t.key + "T00:00:00Z") / 1000);
    const opts = {
      title, width: width(), height: 220,
      scales: { x: { time: true } },
      series: [{}, { label, stroke: color, fill: color + "33", width: 2, paths: uPlot.paths.bars({ size: [0.6, 60] }) }],
      axes: [{}, { size: 70 }],
    };
    window.iroiseCharts.push(new uPlot(opts, [days, values], document.getElementById(target)));
  }

  function barChart(target, title, tallies, color) {
    const xs = tallies.map((_, i) => i);
    const opts = {
      title, width: width(), height: 200,
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, tallies.length - 0.5)] } },
      series: [{}, { label: "MiB", stroke: color, fill: color + "55", paths: uPlot.paths.bars({ size: [0.7, 80] }) }],
      axes: [{ values: (u, splits) => splits.map((i) => (Number.isInteger(i) && tallies[i] ? tallies[i].key : "")) }, { size: 70 }],
    };
    window.iroiseCharts.push(new uPlot(opts, [xs, tallies.map((t) => mib(t.bytes))], document.getElementById(target)));
  }

  if (report.by_day.length === 0) {
    document.getElementById("empty").hidden = false;
    return;
  }
  timeChart("chart-bytes", "MiB sent per day", "MiB", report.by_day.map((t) => mib(t.bytes)), "#0b3954");
  timeChart("chart-requests", "Requests per day", "requests", report.by_day.map((t) => t.requests), "#c0392b");
  barChart("chart-collections", "MiB by collection", report.by_collection, "#087e8b");
  barChart("chart-protocols", "MiB by protocol", report.by_protocol, "#ff5a5f");
  barChart("chart-users", "MiB by user (top)", report.by_user, "#6a4c93");
})();

// The wall display's charts (Apache ECharts, vendored in web/static/vendor), clock and full-screen button.
// The data comes from the page (data-charts on #wall-charts); live.js replaces it on a change and fires
// "dutydesk:updated", and the charts are drawn again.
"use strict";

(() => {
  const COLORS = ["#6fa8ff", "#2f6db5", "#4f9a8f", "#c58a1b", "#7a5aa6", "#b5472f"];
  const AXIS = { color: "#d7e3f1", fontSize: 16 };
  const charts = {};

  function chart(id) {
    const el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    charts[id] = charts[id] || window.echarts.init(el, null, { renderer: "svg" });
    return charts[id];
  }

  function draw() {
    const region = document.getElementById("wall-charts");
    if (!region) return;
    const data = JSON.parse(region.dataset.charts || "{}"), words = JSON.parse(region.dataset.words || "{}");
    const title = (text) => ({ text, left: "center", textStyle: { color: "#ffffff", fontSize: 18 } });
    // a chart with nothing to draw says so (暂无数据), not an empty frame
    const none = (rows) => ({ graphic: (rows || []).length ? [] : [{ type: "text", left: "center", top: "middle",
      style: { text: words.empty, fill: "#9fb8d6", fontSize: 20 } }] });
    const pie = chart("chart-category");
    if (pie) pie.setOption({
      title: title(words.category), color: COLORS, animation: false, ...none(data.category),
      legend: { bottom: 0, textStyle: { color: "#ffffff", fontSize: 14 }, itemWidth: 14 },
      series: [{ type: "pie", radius: ["30%", "60%"], top: 20, bottom: 40,
                 label: { position: "inside", color: "#ffffff", fontSize: 16, fontWeight: "bold", formatter: "{c}" },
                 data: (data.category || []).map(([name, value]) => ({ name, value })) }],
    }, true);
    const grade = chart("chart-grade");
    if (grade) grade.setOption({
      title: title(words.grade), animation: false, ...none(data.grade), grid: { left: 100, right: 30, top: 40, bottom: 24 },
      xAxis: { type: "value", minInterval: 1, splitNumber: 3, axisLabel: AXIS, splitLine: { lineStyle: { color: "#2a4568" } } },
      yAxis: { type: "category", data: (data.grade || []).map((x) => x[0]), axisLabel: AXIS },
      series: [{ type: "bar", data: (data.grade || []).map((x) => x[1]), itemStyle: { color: "#2f6db5" },
                 label: { show: true, position: "right", color: "#ffffff", fontSize: 15 } }],
    }, true);
    const pass = chart("chart-pass");
    if (pass) pass.setOption({
      title: title(words.pass), animation: false, ...none(data.pass), grid: { left: 90, right: 56, top: 40, bottom: 24 },
      xAxis: { type: "value", max: 100, splitNumber: 2, axisLabel: { ...AXIS, formatter: "{value}%" }, splitLine: { lineStyle: { color: "#2a4568" } } },
      yAxis: { type: "category", data: (data.pass || []).map((x) => x[0]), axisLabel: AXIS },
      series: [{ type: "bar", data: (data.pass || []).map((x) => ({ value: x[1], itemStyle: { color: x[1] < 80 ? "#d9534f" : "#4f9a8f" } })),
                 label: { show: true, position: "right", color: "#ffffff", fontSize: 15, formatter: "{c}%" } }],
    }, true);
  }

  // The clock shows the server's time in the office's time zone, not the screen computer's: the page carries
  // the server's time (data-now, data-tz) and every (re)connection of the live stream sends it again; the
  // offset from the browser's clock is kept.
  let offset = 0;
  function setServerTime(iso) {
    const at = Date.parse(iso);
    if (!Number.isNaN(at)) offset = at - Date.now();
  }

  function clock() {
    const el = document.getElementById("wall-clock");
    if (!el) return;
    const now = new Date(Date.now() + offset);
    el.dataset.shown = now.toISOString();
    // zh-CN: 2026/12/03 周四 15:04:05; English: Thu, 3 Dec 2026, 15:04:05 (a month by name: never 03/12 or 12/03)
    const en = document.body.dataset.lang === "en";
    el.textContent = now.toLocaleString(en ? "en-GB" : "zh-CN",
      { timeZone: el.dataset.tz || undefined, year: "numeric", month: en ? "short" : "2-digit", day: en ? "numeric" : "2-digit", weekday: "short", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  // A list longer than its panel scrolls slowly to its end, waits, and starts again from the top.
  function roll() {
    document.querySelectorAll(".wall .scroll").forEach((el) => {
      if (el.scrollHeight <= el.clientHeight + 2) return;
      const now = Date.now();
      if (el._waitUntil && now < el._waitUntil) return;
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) {
        el._waitUntil = now + 4000;
        setTimeout(() => { el.scrollTop = 0; el._waitUntil = Date.now() + 4000; }, 4000);
        return;
      }
      el.scrollTop += 1;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    draw();
    setInterval(roll, 60);
    const shown = document.getElementById("wall-clock");
    if (shown && shown.dataset.now) setServerTime(shown.dataset.now);
    document.addEventListener("dutydesk:servertime", (ev) => setServerTime(ev.detail));
    clock();
    setInterval(clock, 1000);
    document.addEventListener("dutydesk:updated", (ev) => { if (ev.target.id === "wall-charts") { Object.keys(charts).forEach((k) => { charts[k].dispose(); delete charts[k]; }); draw(); } });
    window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
    const full = document.getElementById("wall-full");
    if (full) full.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen(); else document.documentElement.requestFullscreen();
    });
  });
})();

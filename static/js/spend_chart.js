/* The dashboard's spend and estimated savings by vendor country (Chart.js 4).
   The numbers come from a json_script block; the table beside the chart shows
   the same values for screen readers and print. The legend's words come
   translated in the canvas's data-msg-* attributes. */
(function () {
  "use strict";

  var LANG = document.documentElement.lang || undefined;

  function draw() {
    var canvas = document.querySelector("canvas[data-spend-chart]");
    if (!canvas || typeof window.Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.spendChart);
    if (!source) return;
    var rows = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.name; }),
        datasets: [
          { label: canvas.dataset.msgSpend, data: rows.map(function (r) { return Number(r.spend); }), backgroundColor: "#1d4ed8" },
          { label: canvas.dataset.msgSavings, data: rows.map(function (r) { return Number(r.savings); }), backgroundColor: "#16a34a" },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return ctx.dataset.label + ": " + Math.round(ctx.raw).toLocaleString(LANG);
              },
            },
          },
        },
        scales: {
          y: { beginAtZero: true, ticks: { callback: function (v) { return Number(v).toLocaleString(LANG); } } },
        },
      },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

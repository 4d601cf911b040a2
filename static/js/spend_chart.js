/* The dashboard's spend and estimated savings by vendor country (Chart.js 4).
   The numbers come from a json_script block; the table beside the chart shows
   the same values for screen readers and print. */
(function () {
  "use strict";

  function draw() {
    var canvas = document.querySelector("canvas[data-spend-chart]");
    if (!canvas || typeof window.Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.spendChart);
    if (!source) return;
    var rows = JSON.parse(source.textContent);
    var currency = canvas.dataset.currency || "";
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.name; }),
        datasets: [
          { label: "Spend (" + currency + ")", data: rows.map(function (r) { return Number(r.spend); }), backgroundColor: "#1d4ed8" },
          { label: "Estimated savings (" + currency + ")", data: rows.map(function (r) { return Number(r.savings); }), backgroundColor: "#16a34a" },
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
                return ctx.dataset.label + ": " + Math.round(ctx.raw).toLocaleString();
              },
            },
          },
        },
        scales: {
          y: { beginAtZero: true, ticks: { callback: function (v) { return Number(v).toLocaleString(); } } },
        },
      },
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

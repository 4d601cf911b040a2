/* The shortlist's "fit against cost" scatter chart (Chart.js 4). The data comes
   from a json_script block; the Pareto front (computed on the server) is drawn
   as a highlighted, connected series. Runs on page load and again when HTMX
   swaps the finished results in. */
(function () {
  "use strict";

  var BRAND = "#1d4ed8";
  var FRONT = "#b45309";
  var MUTED = "rgba(75, 85, 104, 0.45)";

  function formatMoney(value, currency) {
    return Math.round(value).toLocaleString() + " " + currency;
  }

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof window.Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.paretoChart);
    if (!source) return;
    var points = JSON.parse(source.textContent);
    var currency = canvas.dataset.currency || "";
    canvas.dataset.drawn = "1";
    var toPoint = function (p) {
      return { x: p.cost, y: p.score, rank: p.rank, name: p.name };
    };
    var front = points.filter(function (p) { return p.pareto; }).map(toPoint).sort(function (a, b) { return a.x - b.x; });
    var others = points.filter(function (p) { return !p.pareto; }).map(toPoint);
    new window.Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          {
            label: "Pareto front",
            data: front,
            showLine: true,
            borderColor: FRONT,
            backgroundColor: FRONT,
            pointRadius: 6,
            pointHoverRadius: 8,
            borderWidth: 2,
            order: 0,
          },
          {
            label: "Other shortlisted vendors",
            data: others,
            backgroundColor: MUTED,
            borderColor: BRAND,
            borderWidth: 1,
            pointRadius: 4,
            pointHoverRadius: 6,
            order: 1,
          },
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
                var p = ctx.raw;
                return "#" + p.rank + " " + p.name + ": score " + p.y.toFixed(1) + ", " + formatMoney(p.x, currency);
              },
            },
          },
        },
        scales: {
          x: {
            title: { display: true, text: "Estimated cost (" + currency + ")" },
            ticks: { callback: function (value) { return Number(value).toLocaleString(); } },
          },
          y: { title: { display: true, text: "Score (0-100)" }, suggestedMax: 100 },
        },
      },
    });
  }

  function init(root) {
    (root || document).querySelectorAll("canvas[data-pareto-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
})();

/* The shortlist's "fit against cost" scatter chart (Chart.js 4). The data comes
   from a json_script block; the Pareto front (computed on the server) is drawn
   as a highlighted, connected series. Runs on page load and again when HTMX
   swaps the finished results in. Its words come translated in the canvas's
   data-msg-* attributes; numbers are formatted for the page's language. */
(function () {
  "use strict";

  var BRAND = "#1d4ed8";
  var FRONT = "#b45309";
  var MUTED = "rgba(75, 85, 104, 0.45)";

  var LANG = document.documentElement.lang || undefined;

  function formatMoney(value, currency) {
    return Math.round(value).toLocaleString(LANG) + " " + currency;
  }

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof window.Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.paretoChart);
    if (!source) return;
    var points = JSON.parse(source.textContent);
    var currency = canvas.dataset.currency || "";
    var msg = canvas.dataset;
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
            label: msg.msgFront,
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
            label: msg.msgOthers,
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
                return msg.msgPoint
                  .replace("{rank}", p.rank)
                  .replace("{name}", p.name)
                  .replace("{score}", p.y.toLocaleString(LANG, { minimumFractionDigits: 1, maximumFractionDigits: 1 }))
                  .replace("{cost}", formatMoney(p.x, currency));
              },
            },
          },
        },
        scales: {
          x: {
            title: { display: true, text: msg.msgXAxis },
            ticks: { callback: function (value) { return Number(value).toLocaleString(LANG); } },
          },
          y: { title: { display: true, text: msg.msgYAxis }, suggestedMax: 100 },
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

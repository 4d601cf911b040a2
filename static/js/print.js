/* A button that prints the page (data-print): in a file of its own, since the
   Content-Security-Policy allows no inline script (onclick="..."). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();

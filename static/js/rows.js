/* Add a formset row without a reload: a button with data-add-row (the id of a
   <template> holding the empty form with __prefix__), data-rows (the id of the
   rows container) and data-total (the id of the TOTAL_FORMS input). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var template = document.getElementById(button.dataset.addRow);
    var rows = document.getElementById(button.dataset.rows);
    var total = document.getElementById(button.dataset.total);
    if (!template || !rows || !total) return;
    var max = document.getElementById(button.dataset.total.replace("TOTAL", "MAX_NUM"));
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= parseInt(max.value, 10)) return;
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    var first = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (first) first.focus();
  });
})();

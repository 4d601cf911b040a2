/* Vendor directory: the "Compare selected" picker and faithful HTMX history.
   Everything here is an enhancement: without JavaScript the filter form is a plain
   GET form and the compare checkboxes submit with the compare form. */
(function () {
  "use strict";
  var KEY = "kpo.compare";
  var MIN = 2, MAX = 4;

  function load() {
    try { return JSON.parse(sessionStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function save(items) {
    try { sessionStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* private mode: selection lives on this page only */ }
  }
  var selected = load();

  function nameOf(box) {
    var row = box.closest(".vendor-row");
    var link = row && row.querySelector(".vendor-name a");
    return link ? link.textContent.trim() : box.value;
  }

  function render() {
    var count = document.getElementById("compare-count");
    var button = document.getElementById("compare-button");
    var clear = document.getElementById("compare-clear");
    if (!count || !button) { return; }
    document.querySelectorAll(".compare-check").forEach(function (box) {
      box.checked = selected.some(function (item) { return item.slug === box.value; });
    });
    var n = selected.length;
    var names = selected.map(function (item) { return item.name; }).join(", ");
    var bar = document.getElementById("compare-bar");
    var message = n === 0 ? bar.dataset.msgNone : n < MIN ? bar.dataset.msgOne : n > MAX ? bar.dataset.msgMany : bar.dataset.msgSome;
    count.textContent = message.replace("{n}", n).replace("{names}", names).replace("{max}", MAX);
    button.disabled = n < MIN || n > MAX;
    if (clear) { clear.hidden = n === 0; }
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("compare-check")) { return; }
    selected = selected.filter(function (item) { return item.slug !== box.value; });
    if (box.checked) { selected.push({ slug: box.value, name: nameOf(box) }); }
    save(selected);
    render();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id !== "compare-form") { return; }
    // Vendors picked on other pages or before a filter change are not on screen: send them too.
    form.querySelectorAll("input[type=hidden]").forEach(function (input) { input.remove(); });
    selected.forEach(function (item) {
      var onPage = document.querySelector('.compare-check[value="' + CSS.escape(item.slug) + '"]');
      if (onPage && onPage.checked) { return; }
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "v";
      input.value = item.slug;
      form.appendChild(input);
    });
  });

  document.addEventListener("click", function (event) {
    if (event.target.id !== "compare-clear") { return; }
    selected = [];
    save(selected);
    render();
  });

  // htmx keeps a snapshot of the page for the back button, taken just before the
  // next list replaces this one, when the form already holds the *next* filters.
  // So the form's markup is brought in line with its values each time a list
  // arrives: a snapshot then pairs every list with the filters that produced it.
  function recordFilters() {
    document.querySelectorAll("#directory-filters input, #directory-filters select").forEach(function (el) {
      if (el.form && el.form.id !== "directory-filters") { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { el.setAttribute("checked", ""); } else { el.removeAttribute("checked"); }
      } else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (option) {
          if (option.selected) { option.setAttribute("selected", ""); } else { option.removeAttribute("selected"); }
        });
      } else {
        el.setAttribute("value", el.value);
      }
    });
  }
  // Leave unset filters out of the request, so the address pushed to the history
  // (the shareable URL) says only what was chosen: ?q=ledger&domain=finance.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "directory-filters") { return; }
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (name) {
      if (params[name] === "") { delete params[name]; }
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "results") { recordFilters(); }
  });

  // A filter changed (not the search box, which has its own debounced trigger, nor a compare
  // box): refresh the results. Decided here rather than in an hx-trigger filter expression,
  // which htmx would have to eval, and the Content-Security-Policy allows no eval.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!field.form || field.form.id !== "directory-filters" || field.id === "id_q") { return; }
    if (window.htmx) { window.htmx.trigger(field.form, "filters-changed"); }
  });

  document.addEventListener("htmx:afterSettle", render);
  document.addEventListener("htmx:historyRestore", render);

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("filters-panel");
    if (panel && window.matchMedia("(max-width: 760px)").matches) { panel.open = false; }
    render();
  });
})();

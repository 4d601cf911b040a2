/* The requirement form: add and remove skill rows without a reload (Django
   formset + its empty_form template), and preselect the domain's default
   selection method when the domain changes. Works without it: the server
   falls back to the domain default and shows one skill row. Messages come
   translated in the form's data-msg-* attributes. */
(function () {
  "use strict";

  function setupFormset(form) {
    var rows = form.querySelector("[data-formset-rows]");
    var template = document.getElementById("skill-row-template");
    var total = form.querySelector("input[name='skills-TOTAL_FORMS']");
    var addButton = form.querySelector("[data-formset-add]");
    var status = form.querySelector("[data-formset-status]");
    if (!rows || !template || !total || !addButton) return;

    function announce(text) {
      if (status) status.textContent = text;
    }

    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = rows.lastElementChild;
      var input = row && row.querySelector("input[list]");
      if (input) input.focus();
      announce(form.dataset.msgRowAdded);
    });

    rows.addEventListener("click", function (event) {
      var button = event.target.closest("[data-formset-remove]");
      if (!button) return;
      var row = button.closest("[data-formset-row]");
      var remove = row.querySelector("input[name$='-DELETE']");
      if (remove) remove.checked = true;
      row.hidden = true;
      announce(form.dataset.msgRowRemoved);
      addButton.focus();
    });
  }

  function setupMethod(form) {
    var dataNode = document.getElementById("method-data");
    var domain = form.querySelector("select[name='domain']");
    if (!dataNode || !domain) return;
    var data = JSON.parse(dataNode.textContent);
    var hint = form.querySelector("[data-method-hint]");
    var radios = form.querySelectorAll("input[name='selection_method']");
    var weightInputs = form.querySelectorAll("input[data-weight]");

    function selected() {
      for (var i = 0; i < radios.length; i++) if (radios[i].checked) return radios[i].value;
      return data.defaults[domain.value] || null;
    }

    function showPlaceholders() {
      var method = selected();
      var weights = method ? data.weights[method] : null;
      weightInputs.forEach(function (input) {
        input.placeholder = weights ? String(weights[input.dataset.weight]) : "";
      });
    }

    function showDefault() {
      var code = data.defaults[domain.value];
      form.querySelectorAll("[data-default-badge]").forEach(function (badge) {
        badge.hidden = badge.dataset.defaultBadge !== code;
      });
      if (hint && code) {
        var label = domain.options[domain.selectedIndex].text;
        hint.textContent = form.dataset.msgMethodDefault.replace("{domain}", label).replace("{method}", data.labels[code]);
      }
    }

    domain.addEventListener("change", function () {
      var code = data.defaults[domain.value];
      radios.forEach(function (radio) {
        radio.checked = radio.value === code;
      });
      showDefault();
      showPlaceholders();
    });
    radios.forEach(function (radio) {
      radio.addEventListener("change", showPlaceholders);
    });
    showDefault();
    showPlaceholders();
  }

  function init() {
    var form = document.querySelector("[data-requirement-form]");
    if (!form) return;
    setupFormset(form);
    setupMethod(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

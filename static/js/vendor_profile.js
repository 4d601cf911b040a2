/* The vendor's profile form: add and remove rows of the skills, rates, delivery
   centres and certifications formsets without a reload (Django formsets + their
   empty_form template, as in requirement_form.js), and keep each delivery
   centre's time-zone select to the zones of its country. Works without it: the
   server validates the zone against the country. Messages come translated in
   the form's data-msg-* attributes. */
(function () {
  "use strict";

  function announce(form, text) {
    var status = form.querySelector("[data-formset-status]");
    if (status && text) status.textContent = text;
  }

  function setupFormset(form, section) {
    var prefix = section.dataset.prefix;
    var rows = section.querySelector("[data-formset-rows]");
    var template = section.querySelector("template[data-row-template]");
    var total = section.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var addButton = section.querySelector("[data-formset-add]");
    var empty = section.querySelector("[data-formset-empty]");
    if (!rows || !template || !total || !addButton) return;

    function refreshEmpty() {
      if (!empty) return;
      var visible = rows.querySelectorAll("[data-formset-row]:not([hidden])").length;
      empty.hidden = visible > 0;
    }

    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = rows.lastElementChild;
      var zone = row && row.querySelector("[data-zone-select]");
      if (zone) filterZones(form, row);
      var first = row && row.querySelector("select, input:not([type=hidden]), textarea");
      if (first) first.focus();
      refreshEmpty();
      announce(form, form.dataset.msgRowAdded);
    });

    rows.addEventListener("click", function (event) {
      var button = event.target.closest("[data-formset-remove]");
      if (!button) return;
      var row = button.closest("[data-formset-row]");
      var remove = row.querySelector("input[name$='-DELETE']");
      if (remove) remove.checked = true;
      row.hidden = true;
      refreshEmpty();
      announce(form, form.dataset.msgRowRemoved);
      addButton.focus();
    });
  }

  var zonesByCountry = null;

  function filterZones(form, row) {
    var country = row.querySelector("[data-country-select]");
    var zone = row.querySelector("[data-zone-select]");
    if (!country || !zone || !zonesByCountry) return;
    if (!zone._allOptions) {
      zone._allOptions = Array.prototype.map.call(zone.options, function (option) {
        return [option.value, option.text];
      });
    }
    var allowed = zonesByCountry[country.value] || [];
    var current = zone.value;
    zone.innerHTML = "";
    var placeholder = document.createElement("option");
    placeholder.value = "";
    placeholder.textContent = country.value ? "—" : form.dataset.msgPickCountry;
    zone.appendChild(placeholder);
    zone._allOptions.forEach(function (pair) {
      if (pair[0] && allowed.indexOf(pair[0]) !== -1) {
        var option = document.createElement("option");
        option.value = pair[0];
        option.textContent = pair[1];
        zone.appendChild(option);
      }
    });
    if (allowed.indexOf(current) !== -1) zone.value = current;
    else if (allowed.length === 1) zone.value = allowed[0];
    else zone.value = "";
    // Keep a rejected value visible so its error message still makes sense.
    if (current && zone.value !== current && row.classList.contains("row-invalid") && !zone._touched) {
      var kept = document.createElement("option");
      kept.value = current;
      kept.textContent = current.replace(/_/g, " ");
      zone.appendChild(kept);
      zone.value = current;
    }
  }

  function setupZones(form) {
    var node = document.getElementById("country-zones");
    if (!node) return;
    zonesByCountry = JSON.parse(node.textContent);
    form.querySelectorAll("[data-formset-row]").forEach(function (row) {
      if (row.querySelector("[data-zone-select]")) filterZones(form, row);
    });
    form.addEventListener("change", function (event) {
      if (!event.target.matches("[data-country-select]")) return;
      var row = event.target.closest("[data-formset-row]");
      var zone = row && row.querySelector("[data-zone-select]");
      if (!zone) return;
      zone._touched = true;
      filterZones(form, row);
    });
  }

  function init() {
    var form = document.querySelector("[data-vendor-profile-form]");
    if (!form) return;
    form.querySelectorAll("[data-formset]").forEach(function (section) {
      setupFormset(form, section);
    });
    setupZones(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

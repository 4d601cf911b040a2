/* Every multiple <select> of the site (working languages, excluded countries, ...) and every long
   single one marked data-searchable (the time zone) becomes one
   accessible widget, Tom Select (npm, static/vendor): type to filter, Enter or a plain click adds
   an option without losing the others, each chosen one removable by its own button or Backspace.
   The <select> underneath stays the form's field, so without JavaScript it still works. */
(function () {
  "use strict";
  function enhance(root) {
    if (!window.TomSelect) { return; }
    root.querySelectorAll("select[multiple]:not(.tomselected), select[data-searchable]:not(.tomselected)").forEach(function (select) {
      var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
      new window.TomSelect(select, {
        plugins: select.multiple ? { remove_button: { title: select.dataset.removeLabel || "Remove" } } : {},
        // A single choice (the time zone) may be the empty "default" option.
        allowEmptyOption: !select.multiple,
        closeAfterSelect: !select.multiple,
        maxOptions: null,
        // A choice made: the typed words are cleared, so the next search starts afresh.
        onItemAdd: function () { this.setTextboxValue(""); this.refreshOptions(false); },
        onInitialize: function () {
          // The typing box is named by the field's own label (Tom Select points the label at it).
          if (label) { this.control_input.setAttribute("aria-label", label.textContent.trim()); }
          // The <select> stays in the form, out of sight and out of the tab order: the combobox
          // stands for it, so assistive technology meets the field once.
          select.setAttribute("aria-hidden", "true");
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (event) { enhance(event.target); });
})();

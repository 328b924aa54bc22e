// The mail settings pages' small behaviours (no inline handlers: strict CSP). Delegated from `document`, so
// content swapped in by htmx (the DNS report) works without re-binding.
(function () {
  "use strict";

  // The relay form shows the fields of the chosen kind only; without script every field shows.
  function refreshRelayFields() {
    var chosen = document.querySelector("input[name=kind]:checked");
    if (!chosen) return;
    document.querySelectorAll("[data-relay-fields]").forEach(function (fieldset) {
      fieldset.hidden = fieldset.getAttribute("data-relay-fields") !== chosen.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target instanceof HTMLInputElement && event.target.name === "kind") refreshRelayFields();
  });

  // A copy button puts its data-copy text on the clipboard and says so for a moment.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.firstChild;
      var before = label.textContent;
      label.textContent = "Copied";
      window.setTimeout(function () { label.textContent = before; }, 1500);
    });
  });

  document.addEventListener("DOMContentLoaded", refreshRelayFields);
})();

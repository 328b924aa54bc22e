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

  // A copy button puts its data-copy text on the clipboard and says so for a moment. Where the clipboard API
  // is missing (a plain-http address is not a secure context), the record's text is selected instead, ready
  // for Ctrl+C.
  function say(button, text) {
    var label = button.firstChild;
    var before = label.textContent;
    label.textContent = text;
    window.setTimeout(function () { label.textContent = before; }, 2000);
  }

  function selectNearby(button) {
    var code = button.parentElement && button.parentElement.querySelector("code");
    if (!code) return;
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    say(button, "Selected: press Ctrl+C");
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    if (!navigator.clipboard || !window.isSecureContext) {
      selectNearby(button);
      return;
    }
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(
      function () { say(button, "Copied"); },
      function () { selectNearby(button); }
    );
  });

  document.addEventListener("DOMContentLoaded", refreshRelayFields);
})();

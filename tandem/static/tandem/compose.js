// The compose and template pages: insert a merge field where the cursor is, and show the "Send at" field only
// when "Schedule" is chosen. Delegated from `document`, so the fields htmx swaps in keep working.
(function () {
  "use strict";

  var lastTarget = null;

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-merge-target]")) lastTarget = event.target;
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-merge-insert]");
    if (!button) return;
    var form = button.closest("form");
    var field = lastTarget && document.body.contains(lastTarget) ? lastTarget
      : form && form.querySelector("[data-merge-target='body']");
    if (!field) return;
    var code = button.getAttribute("data-merge-insert");
    var start = field.selectionStart != null ? field.selectionStart : field.value.length;
    var end = field.selectionEnd != null ? field.selectionEnd : field.value.length;
    field.value = field.value.slice(0, start) + code + field.value.slice(end);
    field.focus();
    field.setSelectionRange(start + code.length, start + code.length);
    // The preview listens for input on the form.
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });

  function refreshSchedule() {
    document.querySelectorAll("[data-compose-schedule]").forEach(function (box) {
      var form = box.closest("form");
      var later = form && form.querySelector("input[name='when'][value='later']");
      box.hidden = !(later && later.checked);
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "when") refreshSchedule();
  });
  document.addEventListener("DOMContentLoaded", refreshSchedule);
  if (document.readyState !== "loading") refreshSchedule();
})();

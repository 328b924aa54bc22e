// The brand kit page: each colour's picker and its hex field show the same value. The hex field is the one
// submitted (it works without script); the picker writes into it and fires `input`, so the preview follows.
(function () {
  "use strict";

  var HEX = /^#[0-9a-fA-F]{6}$/;

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches("input[data-colour-picker]")) {
      var text = document.getElementById(target.getAttribute("data-colour-picker"));
      if (text) {
        text.value = target.value;
        text.dispatchEvent(new Event("input", { bubbles: true }));
      }
    } else if (target.matches("input[data-colour-text]") && HEX.test(target.value.trim())) {
      var picker = document.querySelector('input[data-colour-picker="' + target.id + '"]');
      if (picker) picker.value = target.value.trim().toLowerCase();
    }
  });
})();

// The API docs: the contents list stays open beside the reference on wide screens and folds away on
// narrow ones; a link to a schema opens its folded panel.
(function () {
  "use strict";
  var contents = document.querySelector("[data-api-docs-toc]");
  var wide = window.matchMedia("(min-width: 900px)");
  function fit() { if (contents) { contents.open = wide.matches; } }
  function openTarget() {
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
  }
  fit();
  wide.addEventListener("change", fit);
  window.addEventListener("hashchange", openTarget);
  openTarget();
  if (contents) {
    contents.addEventListener("click", function (event) {
      if (event.target.closest("a") && !wide.matches) { contents.open = false; }
    });
  }
})();

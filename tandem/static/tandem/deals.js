// The deal board: drag a card onto another column to move the deal (native drag and drop, then an htmx
// POST of the board's one form's fields: the deal, the stage and the kept filters, to the URL its cards'
// "Move to" buttons post to, so the keyboard path and this one are one path).
(function () {
  "use strict";
  var dragged = null;

  function board() { return document.querySelector("[data-board]"); }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("deal-card--dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.deal);
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("deal-card--dragging");
    dragged = null;
    document.querySelectorAll(".board-column--over").forEach(function (column) {
      column.classList.remove("board-column--over");
    });
  });

  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column || !dragged || column.dataset.stageKind === "lost") return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("board-column--over");
  });

  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("board-column--over");
  });

  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column || !dragged) return;
    event.preventDefault();
    var from = dragged.closest(".board-column");
    var dealId = dragged.dataset.deal;
    if (from === column) return;
    var form = board();
    var values = { deal: dealId, stage: column.dataset.stage };
    // The form's hidden fields: the CSRF token and the filters the board was drawn with.
    form.querySelectorAll("input[type=hidden]").forEach(function (input) {
      values[input.name] = input.value;
    });
    window.htmx.ajax("POST", form.getAttribute("action"), { target: "#deal-board", values: values });
  });
})();

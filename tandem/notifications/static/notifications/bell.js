// The notifications bell: no request while the tab is hidden, a fresh count when it shows again, and the
// dropdown loaded only when it opens (the <details> fires "toggle" on close too).
(function () {
  "use strict";
  if (window.tandemNotificationBell) return;  // the shell may render the script tag more than once
  window.tandemNotificationBell = true;

  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    if (!(element instanceof Element)) return;
    if (element.id === "notification-badge" && document.hidden) {
      event.preventDefault();
      return;
    }
    if (element.matches("details[data-notification-bell]") && !element.open) {
      event.preventDefault();
    }
  });

  document.addEventListener("visibilitychange", function () {
    var badge = document.getElementById("notification-badge");
    if (!document.hidden && badge && window.htmx) window.htmx.trigger(badge, "refresh-badge");
  });
})();

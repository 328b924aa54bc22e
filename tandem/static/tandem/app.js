// Small behaviours htmx does not cover. No framework, no build step, no inline handlers (strict CSP).
// Everything is delegated from `document`, so content swapped in by htmx works without re-binding;
// `refresh` recomputes derived state (bulk counts) after each swap.
(function () {
  "use strict";

  function rowsOf(form) {
    return form ? Array.prototype.slice.call(form.querySelectorAll("input[data-select-row]")) : [];
  }

  // The bulk bar counts checked rows in its form; the select-all box mirrors them (indeterminate when mixed).
  function refreshBulk(form) {
    if (!form) return;
    var rows = rowsOf(form);
    var checked = rows.filter(function (row) { return row.checked; }).length;
    form.querySelectorAll("[data-bulk-count]").forEach(function (counter) {
      counter.textContent = checked === 1 ? "1 selected" : checked + " selected";
    });
    form.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.checked = rows.length > 0 && checked === rows.length;
      box.indeterminate = checked > 0 && checked < rows.length;
    });
    form.querySelectorAll(".bulk-bar").forEach(function (bar) {
      if (bar.hasAttribute("data-bulk-always")) return;
      bar.hidden = checked === 0;
    });
    // Every row of the page ticked: offer the whole filter ("all N matching", set-based on the server).
    var scope = form.querySelector("[data-bulk-scope]");
    var matching = form.querySelector("[data-bulk-matching]");
    if (scope && matching) {
      var allOnPage = rows.length > 0 && checked === rows.length;
      if (!allOnPage) scope.value = "page";
      matching.hidden = !allOnPage;
      var wide = scope.value === "matching";
      matching.textContent = matching.getAttribute(wide ? "data-label-matching" : "data-label-page");
      if (wide) {
        form.querySelectorAll("[data-bulk-count]").forEach(function (counter) {
          counter.textContent = matching.getAttribute("data-count-matching");
        });
      }
    }
  }

  // The bulk bar shows only the chosen action's input; the others are disabled so they are not sent
  // (two actions share the name "tag"). A destructive action asks before submitting.
  function refreshBulkAction(select) {
    var form = select.form;
    if (!form) return;
    var action = select.value;
    form.querySelectorAll("[data-bulk-input]").forEach(function (wrapper) {
      var active = wrapper.getAttribute("data-bulk-input") === action;
      wrapper.hidden = !active;
      wrapper.querySelectorAll("input, select").forEach(function (control) { control.disabled = !active; });
    });
    var option = select.options[select.selectedIndex];
    var question = option && option.getAttribute("data-confirm");
    if (question) form.setAttribute("data-confirm", question); else form.removeAttribute("data-confirm");
  }

  // The filter form mirrors the address bar. Sorting from a column header, removing a chip, paging and
  // Back all change the URL without touching the form, and a form that kept its old sort would send it
  // with the next filter change (issue 7: "Back restores the wrong sort").
  function syncFilters() {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form[data-record-filters]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (control) {
        var name = control.name;
        if (!name || control.type === "hidden" || control.type === "submit") return;
        if (control.type === "checkbox" || control.type === "radio") {
          control.checked = params.getAll(name).indexOf(control.value) !== -1;
        } else if (control.tagName === "SELECT") {
          var wanted = params.get(name);
          if (wanted === null) { control.selectedIndex = 0; return; }
          control.value = wanted;
          if (control.value !== wanted) control.selectedIndex = 0;
        } else {
          control.value = params.get(name) || "";
        }
      });
    });
  }

  function refresh(root) {
    var forms = new Set();
    (root || document).querySelectorAll("input[data-select-row], input[data-select-all]").forEach(function (input) {
      if (input.form) forms.add(input.form);
    });
    forms.forEach(refreshBulk);
    (root || document).querySelectorAll("select[data-bulk-action]").forEach(refreshBulkAction);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.matches("input[data-select-all]")) {
      rowsOf(target.form).forEach(function (row) { row.checked = target.checked; });
      refreshBulk(target.form);
      return;
    }
    if (target.matches("input[data-select-row]")) {
      refreshBulk(target.form);
      return;
    }
    if (target.matches("select[data-bulk-action]")) {
      refreshBulkAction(target);
      return;
    }
    var form = target.closest("form[data-autosubmit]");
    if (form && target.matches("select, input[type=checkbox], input[type=radio], input[type=date]")) {
      if (window.htmx && (form.hasAttribute("hx-get") || form.hasAttribute("hx-post"))) {
        window.htmx.trigger(form, "submit");
      } else if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }
  });

  // Quick stage change: a move back in the funnel asks first, and says so to the server.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-stage-form")) return;
    var select = form.querySelector("select");
    var option = select && select.options[select.selectedIndex];
    if (!option || !option.hasAttribute("data-backwards")) return;
    var question = "Move back from " + form.getAttribute("data-current-stage") + " to " + option.textContent + "?";
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var confirmed = form.querySelector("input[name=confirmed]") || document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    form.appendChild(confirmed);
  }, true);

  // form[data-confirm] asks before submitting; the submitter's data-confirm wins when present.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Export from a list: go to the export page with the filter as it stands in the form (a search typed a moment
  // ago included), as a whole-page navigation, so that the export page has its own address. The list's pending
  // requests (the search box waits 400 ms) are refused while the page is left: their answers would push the
  // list's address over the export page's.
  var leavingList = false;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (leavingList) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-export-link]") : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var form = document.querySelector("form[data-record-filters]");
    if (!form) return;
    var parameters = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && value !== "" && name !== "cursor") parameters.append(name, value);
    });
    event.preventDefault();
    leavingList = true;
    var query = parameters.toString();
    window.location.assign(link.pathname + (query ? "?" + query : ""));
  });

  // A <details data-dismissable> holding a form (a quote line's edit dialog): its Cancel button and Escape
  // close it without saving, put back the values it opened with, and return focus to its summary.
  function dismiss(details) {
    details.querySelectorAll("form").forEach(function (form) { form.reset(); });
    details.removeAttribute("open");
    var summary = details.querySelector("summary");
    if (summary) summary.focus();
  }
  document.addEventListener("click", function (event) {
    var cancel = event.target instanceof Element ? event.target.closest("[data-dismiss]") : null;
    var details = cancel ? cancel.closest("details[data-dismissable]") : null;
    if (!details) return;
    event.preventDefault();
    dismiss(details);
  });

  // Mobile menu: the sidebar's button toggles data-open and aria-expanded.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var matching = target.closest("[data-bulk-matching]");
    if (matching && matching.form) {
      var scope = matching.form.querySelector("[data-bulk-scope]");
      scope.value = scope.value === "matching" ? "page" : "matching";
      refreshBulk(matching.form);
      return;
    }
    var toggle = target.closest("[data-nav-toggle]");
    if (toggle) {
      var sidebar = toggle.closest(".sidebar");
      var open = !sidebar.hasAttribute("data-open");
      sidebar.toggleAttribute("data-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    // Close open <details> menus when clicking elsewhere.
    document.querySelectorAll("details.menu[open], details.filter-more[open]").forEach(function (menu) {
      if (!menu.contains(target)) menu.removeAttribute("open");
    });
    // Close the search suggestions when clicking outside the search box.
    var search = document.querySelector("[data-global-search]");
    if (search && !search.contains(target)) {
      var box = search.querySelector(".search-suggest");
      if (box) box.innerHTML = "";
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details[data-dismissable][open]").forEach(dismiss);
      document.querySelectorAll("details.menu[open], details.filter-more[open]").forEach(function (menu) {
        menu.removeAttribute("open");
        var summary = menu.querySelector("summary");
        if (summary) summary.focus();
      });
      var box = document.querySelector("[data-global-search] .search-suggest");
      if (box && box.innerHTML) box.innerHTML = "";
      return;
    }
    // "/" focuses the global search, as in most products, unless the user is typing somewhere.
    if (event.key === "/" && !event.metaKey && !event.ctrlKey && !event.altKey) {
      var active = document.activeElement;
      if (active && (active.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName))) return;
      var input = document.querySelector("[data-global-search] input[type=search]");
      if (input) { event.preventDefault(); input.focus(); }
    }
    // Arrow down from the search box moves into the suggestions.
    if (event.key === "ArrowDown" && event.target instanceof Element && event.target.matches("[data-global-search] input[type=search]")) {
      var first = document.querySelector("[data-global-search] .search-suggest a");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () { refresh(document); syncFilters(); });
  document.addEventListener("htmx:pushedIntoHistory", syncFilters);
  document.addEventListener("htmx:historyRestore", function () { syncFilters(); refresh(document); });
  window.addEventListener("popstate", function () { window.setTimeout(syncFilters, 0); });
  document.addEventListener("htmx:afterSwap", function (event) { refresh(event.target); });
  document.addEventListener("htmx:afterSettle", function (event) { refresh(event.target); });
})();

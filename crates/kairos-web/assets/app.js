// Kairos web UI: progressive enhancement only. Every page works without this script.
// - times are shown in the reader's own time zone and locale (the server renders UTC);
// - filter selects submit themselves;
// - keyboard shortcuts: j/k move through the inbox, r focuses the composer.
"use strict";

(function () {
  var lang = document.documentElement.lang || "en";

  function localiseTimes() {
    var format;
    try {
      format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      return;
    }
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      el.title = el.textContent;
      el.textContent = format.format(when);
    });
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) select.form.requestSubmit();
      });
    });
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function shortcuts() {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      var rows = Array.prototype.slice.call(document.querySelectorAll(".list .row"));
      var at = rows.indexOf(document.activeElement);
      if ((event.key === "j" || event.key === "k") && rows.length) {
        var next = event.key === "j" ? Math.min(at + 1, rows.length - 1) : Math.max(at - 1, 0);
        rows[next].focus();
        event.preventDefault();
      } else if (event.key === "r") {
        var body = document.getElementById("body");
        if (body) {
          body.focus();
          event.preventDefault();
        }
      }
    });
  }

  localiseTimes();
  autosubmit();
  shortcuts();
})();

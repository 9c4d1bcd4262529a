// Kairos customer portal: progressive enhancement only; every page works without it.
// On "new request", articles that may answer the question appear while the customer
// types: the server renders them (escaped, like every page) and the script swaps that
// fragment in; it never builds markup from what was typed.
"use strict";

(function () {
  var box = document.getElementById("live-suggestions");
  var form = document.getElementById("new-form");
  if (!box || !form) return;
  var timer = null;
  var last = "";

  function question() {
    var subject = form.elements.subject ? form.elements.subject.value : "";
    var body = form.elements.body ? form.elements.body.value : "";
    return (subject + "\n" + body).trim().slice(0, 512);
  }

  function ask() {
    var q = question();
    if (q === last) return;
    last = q;
    if (q.length < 4) {
      box.replaceChildren();
      return;
    }
    fetch(box.getAttribute("data-src") + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { Accept: "text/html" }
    })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (q !== last) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live-suggestions");
        box.replaceChildren.apply(box, fresh ? Array.prototype.slice.call(fresh.childNodes) : []);
      })
      .catch(function () { /* suggestions are a help, not a need */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 400);
  });
})();

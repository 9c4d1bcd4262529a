// Kairos chat widget loader. A company puts one tag on its site:
//   <script src="https://kairos.example/widget.js" data-tenant="acme" async></script>
// It adds a launcher button and, when opened, an iframe with the chat from Kairos' own
// origin (/widget/acme), which runs under Kairos' strict policy. This script only shows and
// hides the frame and an unread count; it talks to the frame with postMessage, checking the
// origin both ways, and never reads or writes the chat's content.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var tenant = script.getAttribute("data-tenant");
  if (!tenant || !/^[A-Za-z0-9_-]{1,128}$/.test(tenant)) return;
  var origin = new URL(script.src).origin;
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en").slice(0, 2);
  var german = lang.toLowerCase() === "de";
  var label = script.getAttribute("data-label") || (german ? "Chat öffnen" : "Open chat");
  var remembered = "kairos-widget-used:" + tenant;
  var frame = null;
  var loaded = false;
  var open = false;

  var button = document.createElement("button");
  button.type = "button";
  button.id = "kairos-launcher";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-label", label);
  button.textContent = "Chat";
  var badge = document.createElement("span");
  badge.setAttribute("aria-hidden", "true");
  badge.hidden = true;
  button.appendChild(badge);
  // Styles through the CSSOM: nothing here needs 'unsafe-inline' on the host page.
  var s = button.style;
  s.position = "fixed"; s.right = "16px"; s.bottom = "16px"; s.zIndex = "2147483646";
  s.minWidth = "56px"; s.minHeight = "56px"; s.padding = "0 18px"; s.borderRadius = "28px";
  s.border = "2px solid #ffffff"; s.background = "#1d4ed8"; s.color = "#ffffff";
  s.font = "600 16px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  s.cursor = "pointer"; s.boxShadow = "0 2px 8px rgba(0,0,0,.3)";
  var b = badge.style;
  b.marginLeft = "8px"; b.padding = "0 6px"; b.borderRadius = "10px";
  b.background = "#ffffff"; b.color = "#1d4ed8"; b.fontSize = "14px";

  function place() {
    if (!frame) return;
    var phone = window.innerWidth < 480;
    var f = frame.style;
    f.position = "fixed"; f.zIndex = "2147483647"; f.border = "0";
    f.background = "#ffffff"; f.boxShadow = "0 4px 24px rgba(0,0,0,.3)";
    f.right = phone ? "0" : "16px"; f.bottom = phone ? "0" : "88px";
    f.width = phone ? "100%" : "380px"; f.height = phone ? "100%" : "560px";
    f.maxHeight = phone ? "100%" : "calc(100% - 104px)";
    f.borderRadius = phone ? "0" : "12px";
    f.display = open ? "block" : "none";
  }

  function makeFrame() {
    if (frame) return;
    frame = document.createElement("iframe");
    frame.id = "kairos-chat";
    frame.title = german ? "Chat mit dem Kundenservice" : "Chat with customer service";
    frame.src = origin + "/widget/" + encodeURIComponent(tenant) + "?lang=" + (german ? "de" : "en");
    frame.setAttribute("allow", "");
    frame.addEventListener("load", function () {
      loaded = true;
      frame.contentWindow.postMessage({ kairos: "hello" }, origin);
      if (open) frame.contentWindow.postMessage({ kairos: "open" }, origin);
    });
    place();
    document.body.appendChild(frame);
  }

  function setOpen(value) {
    open = value;
    makeFrame();
    place();
    button.setAttribute("aria-expanded", String(open));
    button.style.display = open && window.innerWidth < 480 ? "none" : "";
    if (loaded) frame.contentWindow.postMessage({ kairos: open ? "open" : "closed" }, origin);
    if (open) {
      try { localStorage.setItem(remembered, "1"); } catch (e) { /* storage off */ }
      frame.focus();
    } else {
      button.focus();
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.kairos === "close") {
      setOpen(false);
    } else if (data.kairos === "unread" || data.kairos === "ready") {
      var count = Number(data.count || data.unread || 0);
      badge.hidden = !(count > 0);
      badge.textContent = count > 0 ? String(Math.min(count, 99)) : "";
      button.setAttribute("aria-label", count > 0 ? label + " (" + count + ")" : label);
    }
  });

  button.addEventListener("click", function () { setOpen(!open); });
  window.addEventListener("resize", place);

  function mount() {
    document.body.appendChild(button);
    // Someone who chatted before gets the frame at once (hidden), for live unread counts.
    var used = false;
    try { used = localStorage.getItem(remembered) === "1"; } catch (e) { used = false; }
    if (used) makeFrame();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();

// Kairos web UI: progressive enhancement only. Every page works without this script.
// - times are shown in the reader's own time zone and locale (the server renders UTC);
// - filter selects submit themselves;
// - keyboard shortcuts: j/k move through the inbox, r focuses the composer;
// - "insert link" buttons put a suggested article's link into the composer;
// - live updates: the staff socket's events refresh the parts of the page marked
//   data-live-part (re-fetched as server-rendered, escaped HTML; the script never builds
//   markup from message text); another agent viewing the same conversation is shown, and
//   so is the customer or a colleague typing (the agent's own typing is announced); the
//   agent's reading is sent as a read receipt and the customer's is shown;
// - the canned-reply picker inserts the reply, filled in by the server for this
//   conversation, into the composer at the cursor as text (without the script the picker
//   reloads the page with the composer pre-filled);
// - files in the composer: the picked files are uploaded first (POST /api/v1/chat/uploads
//   with the session and its CSRF token), then the form is sent naming their upload ids.
"use strict";

(function () {
  var lang = document.documentElement.lang || "en";

  function localiseTimes(scope) {
    var format;
    try {
      format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
    } catch (e) {
      return;
    }
    (scope || document).querySelectorAll("time[datetime]").forEach(function (el) {
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

  function insertLinks() {
    var body = document.getElementById("body");
    if (!body) return;
    document.querySelectorAll("button[data-insert]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var link = button.getAttribute("data-insert");
        var at = body.selectionStart || body.value.length;
        var before = body.value.slice(0, at);
        var gap = before && !/\s$/.test(before) ? " " : "";
        body.value = before + gap + link + body.value.slice(at);
        body.focus();
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

  // Replaces each live part with its fresh copy from the server, keeping the focus.
  function refreshParts(root) {
    return fetch(location.pathname + location.search, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var focused = document.activeElement && document.activeElement.getAttribute("href");
        root.ownerDocument.querySelectorAll("[data-live-part]").forEach(function (part) {
          var next = fresh.getElementById(part.id);
          if (!next) return;
          part.replaceWith(next);
          localiseTimes(next);
        });
        if (focused) {
          var again = document.querySelector('.list a[href="' + focused + '"]');
          if (again) again.focus();
        }
      });
  }

  function live() {
    var root = document.querySelector("[data-live]");
    if (!root || !window.WebSocket || !window.fetch) return;
    var conversation = root.getAttribute("data-conversation");
    var me = document.body.getAttribute("data-me");
    var viewers = document.getElementById("viewers");
    var typing = document.getElementById("typing");
    var typingHide = null;
    var timer = null;
    var delay = 1000;
    var current = null;

    function send(frame) {
      if (current && current.readyState === WebSocket.OPEN) current.send(JSON.stringify(frame));
    }

    // Someone else typing in this conversation: the customer, or a colleague (notes too).
    function showTyping(frame) {
      if (!typing) return;
      var who = frame.who || {};
      if (who.kind === "party" && who.id === me) return;
      clearTimeout(typingHide);
      typing.textContent = typing.getAttribute(who.kind === "customer" ? "data-customer" : "data-colleague");
      typing.hidden = !frame.typing;
      // A lost "stopped" frame must not leave the notice up for ever.
      if (frame.typing) typingHide = setTimeout(function () { typing.hidden = true; }, 8000);
    }

    // Our own typing in the composer, at most every 3 s, and "stopped" after 4 s of quiet.
    function announceTyping() {
      var body = document.getElementById("body");
      if (!body || !conversation) return;
      var lastSent = 0;
      var quiet = null;
      function note() {
        var checked = document.querySelector("input[name=kind]:checked");
        return !!checked && checked.value === "note";
      }
      function stopped() {
        clearTimeout(quiet);
        if (lastSent) send({ type: "typing", conversation_id: conversation, typing: false, note: note() });
        lastSent = 0;
      }
      body.addEventListener("input", function () {
        var now = Date.now();
        if (now - lastSent > 3000) {
          send({ type: "typing", conversation_id: conversation, typing: true, note: note() });
          lastSent = now;
        }
        clearTimeout(quiet);
        quiet = setTimeout(stopped, 4000);
      });
      if (body.form) body.form.addEventListener("submit", stopped);
    }

    function soon() {
      if (timer) return;
      timer = setTimeout(function () {
        timer = null;
        refreshParts(root).catch(function () {});
      }, 200);
    }

    // Read receipts: the agent with this conversation open has read up to the newest
    // event (sent when the page opens and when the customer writes while it is visible);
    // the customer's own receipts ("read", else "delivered") are shown until the next
    // reply. The server renders the stored one the same way, so a reload keeps it.
    var receipt = document.getElementById("receipt");
    var readUpTo = 0;
    function markRead(seq) {
      if (!conversation || !seq || seq <= readUpTo || document.visibilityState !== "visible") return;
      readUpTo = seq;
      send({ type: "seen", conversation_id: conversation, kind: "read", up_to_seq: seq });
    }
    function receiptFrom(event) {
      var data = event.data || {};
      if (!receipt || data.conversation_id !== conversation) return;
      if (!event.actor || event.actor.kind !== "customer") return;
      if (data.kind !== "read" && data.kind !== "delivered") return;
      // "Delivered" never replaces a "read" still shown.
      if (data.kind === "delivered" && !receipt.hidden && receipt.getAttribute("data-kind") === "read") return;
      receipt.setAttribute("data-kind", data.kind);
      receipt.textContent = receipt.getAttribute("data-" + data.kind) || receipt.textContent;
      receipt.hidden = false;
    }
    function afterMessage(event) {
      var data = event.data || {};
      if (event.type !== "message.appended" || data.conversation_id !== conversation) return;
      if (data.direction === "inbound") markRead(event.seq);
      else if (data.direction === "outbound" && receipt) {
        receipt.hidden = true;
        receipt.removeAttribute("data-kind");
      }
    }

    function concerns(event) {
      if (!conversation) return /^(conversation|message|customer)\./.test(event.type);
      return JSON.stringify(event.data || {}).indexOf(conversation) >= 0;
    }

    function connect() {
      var scheme = location.protocol === "https:" ? "wss:" : "ws:";
      var socket = new WebSocket(scheme + "//" + location.host + "/api/v1/staff/socket");
      current = socket;
      socket.addEventListener("open", function () {
        delay = 1000;
        document.documentElement.setAttribute("data-live-state", "open");
        if (conversation) socket.send(JSON.stringify({ type: "view", conversation_id: conversation }));
      });
      socket.addEventListener("message", function (message) {
        var frame;
        try {
          frame = JSON.parse(message.data);
        } catch (e) {
          return;
        }
        if (frame.type === "ready") {
          // Events may have passed while the socket was down.
          soon();
          markRead(frame.head);
          // What happened since the newest message shown (a receipt sent while this page
          // loaded) is replayed; receipts are only ever shown from such events.
          var after = Number(root.getAttribute("data-seq") || 0);
          if (conversation && after > 0) send({ type: "resume", after: after });
        } else if (frame.type === "event" && frame.event && frame.event.type === "conversation.seen") {
          receiptFrom(frame.event);
        } else if (frame.type === "event" && frame.event && concerns(frame.event)) {
          soon();
          afterMessage(frame.event);
        } else if (frame.type === "viewers" && viewers && frame.conversation_id === conversation) {
          var others = (frame.parties || []).filter(function (p) { return p !== me; });
          viewers.hidden = others.length === 0;
        } else if (frame.type === "typing" && frame.conversation_id === conversation) {
          showTyping(frame);
        }
      });
      socket.addEventListener("close", function () {
        document.documentElement.setAttribute("data-live-state", "closed");
        // Reconnect with jittered backoff (the server closes with 1012 on shutdown).
        setTimeout(connect, delay / 2 + Math.random() * delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    connect();
    announceTyping();
  }

  function cannedPicker() {
    var picker = document.getElementById("canned-picker");
    var body = document.getElementById("body");
    if (!picker || !body || !window.fetch) return;
    picker.addEventListener("submit", function (event) {
      var id = picker.elements.canned && picker.elements.canned.value;
      if (!id) return;
      event.preventDefault();
      var url = "/api/v1/canned-replies/" + encodeURIComponent(id) +
        "?conversation_id=" + encodeURIComponent(picker.getAttribute("data-conversation"));
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error("canned reply " + r.status);
          return r.json();
        })
        .then(function (reply) {
          var text = typeof reply.rendered === "string" ? reply.rendered : "";
          var start = body.selectionStart || 0;
          var end = body.selectionEnd || 0;
          // Text only: the textarea's value, never markup.
          body.setRangeText(text, start, end, "end");
          body.focus();
          body.dispatchEvent(new Event("input", { bubbles: true }));
        })
        .catch(function () {
          // The page without the script does the same: let the form go.
          picker.submit();
        });
    });
  }

  function composerFiles() {
    var field = document.getElementById("compose-files-field");
    var picker = document.getElementById("compose-files");
    var ids = document.getElementById("compose-attachments");
    var failed = document.getElementById("compose-files-failed");
    if (!field || !picker || !ids || !window.fetch) return;
    var form = picker.form;
    var csrf = form.querySelector("input[name=csrf]");
    field.hidden = false;
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending || !picker.files.length) return;
      event.preventDefault();
      if (!form.reportValidity()) return;
      var files = Array.prototype.slice.call(picker.files, 0, 10);
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      failed.hidden = true;
      Promise.all(files.map(function (f) {
        return fetch("/api/v1/chat/uploads?filename=" + encodeURIComponent(f.name), {
          method: "POST",
          headers: { "Content-Type": f.type || "application/octet-stream", "X-CSRF-Token": csrf ? csrf.value : "" },
          body: f,
          credentials: "same-origin"
        }).then(function (r) {
          if (!r.ok) throw new Error("status " + r.status);
          return r.json();
        }).then(function (u) { return u.id; });
      })).then(function (list) {
        ids.value = list.join(",");
        picker.value = "";
        sending = true;
        form.submit();
      }).catch(function () {
        failed.hidden = false;
        button.disabled = false;
      });
    });
  }

  localiseTimes();
  autosubmit();
  composerFiles();
  cannedPicker();
  insertLinks();
  shortcuts();
  live();
})();

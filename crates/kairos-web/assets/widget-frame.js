// Kairos chat widget, the page inside the frame (/widget/{tenant}). It runs on Kairos' own
// origin under the UI's strict policy and speaks the live-chat protocol
// (docs/live-chat.md) on the customer socket:
// - the visitor token lives in this origin's localStorage, so the next visit resumes the
//   conversation (a `resume` replays its history);
// - an optional pre-chat form (name, e-mail), typing both ways, delivery and read receipts;
// - files: uploaded on their own (`POST /api/v1/chat/uploads`), then named in `send`;
//   files on messages are fetched with the visitor token and saved from a blob URL;
// - when nobody is online it says so and asks for an e-mail address for the answer;
// - the page that embeds us only learns open/close/unread counts through postMessage, and
//   only from and to the sites the tenant allowed.
// Message text is only ever set with textContent: never parsed as markup.
"use strict";

(function () {
  var root = document.getElementById("widget");
  if (!root || !window.WebSocket || !window.fetch) return;
  var tenant = root.getAttribute("data-tenant");
  var prechat = root.getAttribute("data-prechat") === "true";
  var allowed = (root.getAttribute("data-origins") || "").split(" ").filter(Boolean);
  var text = function (name) { return root.getAttribute("data-" + name) || ""; };
  var el = function (id) { return document.getElementById(id); };
  var list = el("w-messages");
  var input = el("w-text");
  var storeKey = "kairos-visitor:" + tenant;

  var token = null;
  try { token = localStorage.getItem(storeKey); } catch (e) { token = null; }
  var socket = null;
  var delay = 1000;
  var lastSeq = 0;
  var conversation = null;
  var customer = null;
  var staffOnline = null;
  var name = null;
  var email = null;
  var emailSent = false;
  var open = window.parent === window;
  var unread = 0;
  var shown = {};
  var mine = [];
  var parentOrigin = null;
  var counter = 0;
  var pending = [];
  var MAX_FILE = 25 * 1024 * 1024;
  var MAX_FILES = 10;

  function toParent(message) {
    if (parentOrigin) window.parent.postMessage(message, parentOrigin);
  }

  // The embedding page says hello first; only an allowed site gets answers.
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || allowed.indexOf(event.origin) < 0 && !wildcard(event.origin)) return;
    var data = event.data || {};
    if (data.kairos === "hello") {
      parentOrigin = event.origin;
      toParent({ kairos: "ready", unread: unread });
    } else if (data.kairos === "open") {
      setOpen(true);
    } else if (data.kairos === "closed") {
      setOpen(false);
    }
  });

  function wildcard(origin) {
    return allowed.some(function (a) {
      var at = a.indexOf("://*.");
      if (at < 0) return false;
      var scheme = a.slice(0, at + 3);
      var rest = a.slice(at + 4);
      return origin.indexOf(scheme) === 0 && origin.slice(-rest.length) === rest && origin.length > scheme.length + rest.length;
    });
  }

  el("w-close").addEventListener("click", function () {
    setOpen(false);
    toParent({ kairos: "close" });
  });

  function setOpen(value) {
    open = value;
    if (!open) return;
    unread = 0;
    toParent({ kairos: "unread", count: 0 });
    start();
    markRead();
    if (!el("w-chat").hidden) input.focus();
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function showError(message) {
    var box = el("w-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function presence() {
    var line = el("w-presence");
    if (staffOnline === null) {
      line.textContent = "";
      return;
    }
    line.textContent = staffOnline ? text("online") : email ? text("offline-noted") : text("offline");
    el("w-offline").hidden = staffOnline || !!email || el("w-chat").hidden;
  }

  function showChat() {
    el("w-prechat").hidden = true;
    el("w-chat").hidden = false;
    presence();
  }

  // The newest receipt the other side sent for our messages, under our last message.
  var receipt = { seq: 0, kind: null };
  function renderReceipt() {
    var old = list.querySelector(".w-receipt");
    if (old) old.remove();
    if (!receipt.kind || !mine.length) return;
    var last = mine[mine.length - 1];
    if (last.seq > receipt.seq) return;
    var note = document.createElement("span");
    note.className = "w-receipt";
    note.textContent = text(receipt.kind);
    last.item.appendChild(note);
  }

  function render(message, seq) {
    if (shown[message.id]) return;
    shown[message.id] = true;
    conversation = message.conversation_id;
    var own = message.author && message.author.kind === "customer";
    var item = document.createElement("li");
    item.className = "w-msg" + (own ? " w-mine" : "");
    item.setAttribute("data-seq", String(seq));
    var who = document.createElement("span");
    who.className = "w-meta";
    var when = new Date(message.created_at);
    var label = own ? text("you") : text("agent");
    if (!isNaN(when.getTime())) {
      label += " · " + when.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
    }
    if (!own && message.channel === "email") label += " · " + text("by-email");
    who.textContent = label;
    var body = document.createElement("div");
    body.className = "w-body";
    body.textContent = message.body || "";
    item.appendChild(who);
    var files = message.attachments || [];
    // A message of files alone reads as their names: show the files instead.
    var names = files.map(function (f) { return f.filename; }).join("\n");
    if (!files.length || message.body !== names) item.appendChild(body);
    if (files.length) item.appendChild(fileList(files));
    list.appendChild(item);
    if (own) mine.push({ seq: seq, item: item });
    renderReceipt();
    list.scrollTop = list.scrollHeight;
    if (!own) {
      el("w-typing").hidden = true;
      if (open && document.visibilityState === "visible") {
        markRead();
      } else {
        send({ type: "seen", conversation_id: conversation, kind: "delivered", up_to_seq: seq });
        unread += 1;
        toParent({ kairos: "unread", count: unread });
      }
    }
  }

  function size(bytes) {
    var lang = document.documentElement.lang;
    if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)).toLocaleString(lang) + " KB";
    return (bytes / 1024 / 1024).toLocaleString(lang, { maximumFractionDigits: 1 }) + " MB";
  }

  function fileList(files) {
    var ul = document.createElement("ul");
    ul.className = "w-files";
    files.forEach(function (f) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "w-file-link";
      button.textContent = f.filename + " (" + size(f.size) + ")";
      button.setAttribute("aria-label", text("file-download") + ": " + f.filename);
      button.addEventListener("click", function () { download(f); });
      li.appendChild(button);
      ul.appendChild(li);
    });
    return ul;
  }

  // The file comes with the visitor token (no cookie), then is saved from a blob URL.
  function download(f) {
    if (!token || !/^\/api\/v1\/messages\/[0-9a-f-]+\/attachments\/\d+$/.test(f.href || "")) return;
    fetch(f.href, { headers: { Authorization: "Bearer " + token }, credentials: "omit" })
      .then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.blob();
      })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = document.createElement("a");
        link.href = url;
        link.download = f.filename;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
      })
      .catch(function () { showError(text("file-failed")); });
  }

  var fileInput = el("w-file");
  var pendingList = el("w-pending");
  function renderPending() {
    pendingList.textContent = "";
    pending.forEach(function (f, i) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = f.name + " (" + size(f.size) + ")";
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "\u2715";
      remove.setAttribute("aria-label", text("file-remove") + ": " + f.name);
      remove.addEventListener("click", function () {
        pending.splice(i, 1);
        renderPending();
        input.focus();
      });
      li.appendChild(name);
      li.appendChild(remove);
      pendingList.appendChild(li);
    });
    pendingList.hidden = !pending.length;
  }
  fileInput.addEventListener("change", function () {
    var refused = false;
    for (var i = 0; i < fileInput.files.length && pending.length < MAX_FILES; i++) {
      var f = fileInput.files[i];
      if (f.size > MAX_FILE) refused = true;
      else pending.push(f);
    }
    fileInput.value = "";
    showError(refused ? text("file-too-large") : null);
    renderPending();
  });

  function uploadAll(files) {
    return Promise.all(files.map(function (f) {
      return fetch("/api/v1/chat/uploads?filename=" + encodeURIComponent(f.name), {
        method: "POST",
        headers: { Authorization: "Bearer " + token, "Content-Type": f.type || "application/octet-stream" },
        body: f,
        credentials: "omit"
      }).then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      }).then(function (u) { return u.id; });
    }));
  }

  var readUpTo = 0;
  function markRead() {
    if (!conversation || lastSeq <= readUpTo) return;
    var items = list.querySelectorAll(".w-msg:not(.w-mine)");
    if (!items.length) return;
    var newest = Number(items[items.length - 1].getAttribute("data-seq"));
    if (newest > readUpTo && send({ type: "seen", conversation_id: conversation, kind: "read", up_to_seq: newest })) {
      readUpTo = newest;
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (open && document.visibilityState === "visible") markRead();
  });

  function onFrame(frame) {
    if (frame.type === "ready") {
      delay = 1000;
      customer = frame.customer_id;
      staffOnline = !!frame.staff_online;
      if (customer || !prechat || name !== null) showChat();
      else el("w-prechat").hidden = false;
      presence();
      send({ type: "resume", after: lastSeq });
    } else if (frame.type === "message" && frame.message) {
      lastSeq = Math.max(lastSeq, frame.seq || 0);
      render(frame.message, frame.seq || 0);
      if (customer || frame.message.author.kind === "customer") showChat();
    } else if (frame.type === "presence") {
      staffOnline = !!frame.staff_online;
      presence();
    } else if (frame.type === "typing" && frame.who && frame.who.kind === "party") {
      el("w-typing").hidden = !frame.typing;
    } else if (frame.type === "seen" && frame.by && frame.by.kind === "party") {
      var rank = { delivered: 1, read: 2 };
      if (frame.up_to_seq > receipt.seq || rank[frame.kind] > (rank[receipt.kind] || 0)) {
        receipt = { seq: Math.max(receipt.seq, frame.up_to_seq), kind: frame.kind };
        renderReceipt();
      }
    } else if (frame.type === "sent") {
      conversation = frame.conversation_id;
      customer = frame.customer_id;
      if (email) emailSent = true;
      showError(null);
    } else if (frame.type === "resumed") {
      lastSeq = Math.max(lastSeq, frame.seq || 0);
      if (!frame.complete) send({ type: "resume", after: lastSeq });
      else if (open) markRead();
    } else if (frame.type === "error" && frame.client_id) {
      showError(text("failed"));
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    var ws = new WebSocket(scheme + "//" + location.host + "/api/v1/chat/socket");
    socket = ws;
    ws.addEventListener("open", function () {
      ws.send(JSON.stringify({ type: "auth", token: token }));
    });
    ws.addEventListener("message", function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      onFrame(frame);
    });
    ws.addEventListener("close", function (event) {
      document.documentElement.setAttribute("data-live-state", "closed");
      if (event.code === 1008 && /token/.test(event.reason || "")) {
        // The token expired or the server's key changed: start over as a new visitor.
        try { localStorage.removeItem(storeKey); } catch (e) { /* private mode */ }
        token = null;
        socket = null;
        if (open) start();
        return;
      }
      setTimeout(connect, delay / 2 + Math.random() * delay);
      delay = Math.min(delay * 2, 30000);
    });
    ws.addEventListener("open", function () {
      document.documentElement.setAttribute("data-live-state", "open");
    });
  }

  var starting = false;
  function start() {
    if (socket || starting) return;
    if (token) return connect();
    starting = true;
    fetch("/api/v1/chat/visitors", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tenant: tenant }),
      credentials: "omit"
    })
      .then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.json();
      })
      .then(function (v) {
        token = v.visitor_token;
        try { localStorage.setItem(storeKey, token); } catch (e) { /* private mode: this visit only */ }
        starting = false;
        connect();
      })
      .catch(function () {
        starting = false;
        showError(text("failed"));
      });
  }

  el("w-prechat").addEventListener("submit", function (event) {
    event.preventDefault();
    name = el("w-name").value.trim();
    var given = el("w-email").value.trim();
    if (given) email = given;
    showChat();
    input.focus();
  });

  el("w-offline").addEventListener("submit", function (event) {
    event.preventDefault();
    var given = el("w-offline-email").value.trim();
    if (!given) return;
    email = given;
    emailSent = false;
    if (conversation) {
      send({ type: "follow_up", conversation_id: conversation, email: email });
      emailSent = true;
    }
    presence();
    input.focus();
  });

  // Our typing, at most every 3 s, and "stopped" after 4 s of quiet or on sending.
  var lastTyping = 0;
  var quiet = null;
  function stoppedTyping() {
    clearTimeout(quiet);
    if (lastTyping && conversation) send({ type: "typing", conversation_id: conversation, typing: false });
    lastTyping = 0;
  }
  input.addEventListener("input", function () {
    if (!conversation) return;
    var now = Date.now();
    if (now - lastTyping > 3000) {
      send({ type: "typing", conversation_id: conversation, typing: true });
      lastTyping = now;
    }
    clearTimeout(quiet);
    quiet = setTimeout(stoppedTyping, 4000);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      el("w-composer").requestSubmit();
    }
  });

  el("w-composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value;
    if (!value.trim() && !pending.length) return;
    counter += 1;
    var frame = { type: "send", text: value, client_id: "w" + Date.now().toString(36) + counter };
    if (conversation) frame.conversation_id = conversation;
    if (!customer && name) frame.name = name;
    if (email && !emailSent) frame.email = email;
    function deliver() {
      if (send(frame)) {
        stoppedTyping();
        input.value = "";
        showError(null);
      } else {
        showError(text("failed"));
        start();
      }
    }
    if (!pending.length) return deliver();
    if (!token || !socket) {
      showError(text("failed"));
      return start();
    }
    var files = pending.slice();
    var button = el("w-composer").querySelector("button[type=submit]");
    button.disabled = true;
    uploadAll(files)
      .then(function (ids) {
        frame.attachments = ids;
        pending = [];
        renderPending();
        deliver();
      })
      .catch(function () { showError(text("file-failed")); })
      .then(function () { button.disabled = false; });
  });

  // A returning visitor reconnects at once (unread answers show on the launcher); a new
  // one gets a token only when they open the chat.
  if (token || open) start();
})();

// The overview's "what changed since the last run" panel: loaded after the page, because
// diffing a large run costs more than the rest of the overview. The fragment is HTML the
// server rendered with every value escaped; it holds no script.
(function () {
  "use strict";
  var panel = document.getElementById("changes");
  var slot = document.getElementById("changes-slot");
  if (!panel || !slot) { return; }
  var src = panel.getAttribute("data-src");
  if (typeof src !== "string" || src.charAt(0) !== "/" || src.charAt(1) === "/") { return; }
  fetch(src, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var nodes = Array.prototype.slice.call(doc.body.childNodes);
      slot.replaceChildren.apply(slot, nodes.map(function (n) { return document.importNode(n, true); }));
      panel.setAttribute("data-loaded", "true");
    })
    .catch(function (err) {
      var p = document.createElement("p");
      p.className = "muted small";
      p.textContent = "Could not load the changes (" + err.message + ").";
      slot.replaceChildren(p);
      panel.setAttribute("data-loaded", "error");
    });
}());

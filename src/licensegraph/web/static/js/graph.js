// The model page's lineage graph, drawn by Cytoscape.js (vendored, see README).
// Data comes from the JSON endpoint named in data-graph-url; no inline script (CSP).
// Every Hub string reaches the page through textContent or Cytoscape's canvas labels,
// never through innerHTML.
(function () {
  "use strict";

  // License family -> colour. Families not listed get the last colour.
  var FAMILY_COLOURS = {
    "llama": "#1f6feb", "gemma": "#0e9384", "mistral": "#f79009", "qwen": "#7a5af8",
    "deepseek": "#155eef", "openrail": "#dd2590", "cc": "#e04f16", "gnu": "#a11043",
    "copyleft": "#c01048", "permissive": "#12b76a", "stability": "#875bf7", "vendor": "#475467",
    "falcon": "#ca8504", "research": "#6172f3", "modelgo": "#4e5ba6", "data": "#3e4784",
    "special": "#d0d5dd", "none": "#d0d5dd"
  };
  var OTHER_COLOUR = "#667085";
  var RELATION_LINE = { "finetune": "solid", "adapter": "dashed", "quantization": "dotted", "merge": "solid" };

  function colourOf(family) {
    return FAMILY_COLOURS[family] || OTHER_COLOUR;
  }

  function safeUrl(url) {
    // Only same-site paths the server built; anything else is ignored.
    return (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") ? url : null;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function legend(box, data) {
    if (!box) { return; }
    box.textContent = "";
    var seen = {};
    data.nodes.forEach(function (n) {
      if (n.kind === "model") { seen[n.family || "none"] = true; }
    });
    Object.keys(seen).sort().forEach(function (fam) {
      var item = el("span", "fam");
      var dot = el("span", "dot");
      // colour set through the CSSOM (allowed by the CSP), not a style attribute
      dot.style.backgroundColor = colourOf(fam);
      item.appendChild(dot);
      item.appendChild(document.createTextNode(fam));
      box.appendChild(item);
    });
    box.appendChild(el("span", "fam", "| edges: finetune ─  adapter ╌  quantization ┈  merge ═ | red diamond: noncompliant (a violation) | ringed: this model"));
  }

  // Levels with more nodes than this get slanted labels, so that neighbours do not overlap.
  var CROWDED = 8;

  function elements(data) {
    var out = [];
    var perLevel = {};
    data.nodes.forEach(function (n) { perLevel[n.depth] = (perLevel[n.depth] || 0) + 1; });
    data.nodes.forEach(function (n) {
      out.push({
        group: "nodes",
        data: {
          id: n.node_id, kind: n.kind, label: n.label, model_id: n.model_id, license: n.license,
          family: n.family || "none", colour: colourOf(n.family || "none"), depth: n.depth,
          url: n.url, hidden: n.hidden, relation: n.relation, severity: n.severity
        },
        classes: [n.kind, n.noncompliant ? "noncompliant" : "", n.depth === 0 ? "focus" : "",
                  n.has_record ? "" : "norecord", perLevel[n.depth] > CROWDED ? "crowded" : ""].join(" ").trim()
      });
    });
    data.edges.forEach(function (e, i) {
      out.push({
        group: "edges",
        data: { id: "e" + i, source: e.source, target: e.target, relation: e.relation,
                line: RELATION_LINE[e.relation] || "solid" },
        classes: e.relation
      });
    });
    return out;
  }

  function describe(node) {
    var d = node.data();
    if (d.kind === "more") {
      return d.label + " (click to list them)";
    }
    var parts = [d.model_id, "license: " + (d.license || "?")];
    if (node.hasClass("noncompliant")) { parts.push("noncompliant (" + (d.severity || "violation") + ")"); }
    return parts.join(" · ");
  }

  function start() {
    var box = document.getElementById("graph");
    if (!box || typeof cytoscape !== "function") { return; }
    var status = document.getElementById("graph-status");
    var url = safeUrl(box.getAttribute("data-graph-url"));
    var embedded = box.getAttribute("data-graph");
    // The page embeds the graph (one computation per page view); the URL serves the same JSON.
    var load = embedded ? Promise.resolve().then(function () { return JSON.parse(embedded); })
      : (url ? fetch(url, { headers: { "Accept": "application/json" } }).then(function (r) {
          if (!r.ok) { throw new Error("graph request failed: HTTP " + r.status); }
          return r.json();
        }) : null);
    if (!load) { return; }
    load
      .then(function (data) {
        var cy = cytoscape({
          container: box,
          elements: elements(data),
          wheelSensitivity: 0.3,
          minZoom: 0.1,
          maxZoom: 3,
          style: [
            { selector: "node", style: {
              "background-color": "data(colour)", "label": "data(label)", "font-size": 10,
              "text-valign": "bottom", "text-halign": "center", "text-margin-y": 3,
              "text-wrap": "ellipsis", "text-max-width": 140, "width": 18, "height": 18,
              "color": "#1d2330", "text-background-color": "#ffffff", "text-background-opacity": 0.8,
              "text-background-padding": 1 } },
            { selector: "node.norecord", style: { "background-opacity": 0.45 } },
            { selector: "node.crowded", style: {
              "text-rotation": 0.75, "text-halign": "right", "text-valign": "bottom",
              "text-margin-x": -6, "text-margin-y": 2, "text-max-width": 170 } },
            { selector: "node.noncompliant", style: {
              "border-width": 4, "border-color": "#b42318", "shape": "diamond", "width": 22, "height": 22 } },
            { selector: "node.focus", style: {
              "width": 30, "height": 30, "font-weight": "bold", "font-size": 12, "outline-width": 3,
              "outline-color": "#1d2330", "outline-offset": 2 } },
            { selector: "node.more", style: {
              "shape": "round-rectangle", "background-color": "#eaecf0", "border-width": 1,
              "border-color": "#98a2b3", "width": 26, "height": 16, "font-style": "italic" } },
            { selector: "edge", style: {
              "width": 1.6, "line-color": "#98a2b3", "target-arrow-color": "#98a2b3",
              "target-arrow-shape": "triangle", "curve-style": "bezier", "line-style": "data(line)",
              "arrow-scale": 0.8 } },
            { selector: "edge.merge", style: { "width": 3.2, "line-color": "#7a5af8", "target-arrow-color": "#7a5af8" } },
            { selector: "edge.adapter", style: { "line-color": "#12b76a", "target-arrow-color": "#12b76a" } },
            { selector: "edge.quantization", style: { "line-color": "#f79009", "target-arrow-color": "#f79009" } },
            { selector: "node:selected", style: { "overlay-opacity": 0.15 } }
          ],
          layout: { name: "breadthfirst", directed: true, spacingFactor: 1.1, padding: 20, avoidOverlap: true }
        });
        cy.on("tap", "node", function (evt) {
          var target = safeUrl(evt.target.data("url"));
          if (target) { window.location.assign(target); }
        });
        cy.on("mouseover", "node", function (evt) {
          if (status) { status.textContent = describe(evt.target); }
          box.classList.add("pointer");
        });
        cy.on("mouseout", "node", function () {
          if (status) { status.textContent = ""; }
        });
        legend(document.getElementById("graph-legend"), data);
        // For tests and the curious: the graph library's own state.
        window.lgCy = cy;
        window.lgGraph = data;
        box.setAttribute("data-ready", "1");
      })
      .catch(function (err) {
        if (status) { status.textContent = String(err.message || err); }
        box.setAttribute("data-ready", "error");
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

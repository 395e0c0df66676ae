// Autocomplete over model ids for every search box (input[data-suggest-url]).
// Suggestions come from the JSON API and are written with textContent only.
(function () {
  "use strict";

  function safeUrl(url) {
    return (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") ? url : null;
  }

  function attach(input) {
    var base = safeUrl(input.getAttribute("data-suggest-url"));
    if (!base) { return; }
    var list = document.createElement("ul");
    list.className = "suggest";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    input.setAttribute("autocomplete", "off");
    input.parentNode.appendChild(list);
    var timer = null;
    var active = -1;
    var seq = 0;

    function items() { return list.querySelectorAll("li"); }

    function highlight(i) {
      var all = items();
      active = i;
      for (var k = 0; k < all.length; k++) { all[k].classList.toggle("active", k === i); }
    }

    function go(li) {
      var target = safeUrl(li && li.getAttribute("data-url"));
      if (target) { window.location.assign(target); }
    }

    function show(matches) {
      list.textContent = "";
      matches.forEach(function (m) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("data-url", m.url);
        li.appendChild(document.createTextNode(m.model_id));
        var lic = document.createElement("span");
        lic.className = "lic";
        lic.textContent = m.license;
        li.appendChild(lic);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); go(li); });
        list.appendChild(li);
      });
      list.hidden = matches.length === 0;
      active = -1;
    }

    function query() {
      var q = input.value.trim();
      if (q.length < 2) { show([]); return; }
      var mine = ++seq;
      fetch(base + "?limit=10&q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { matches: [] }; })
        .then(function (data) { if (mine === seq) { show(data.matches || []); } })
        .catch(function () { show([]); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(query, 120);
    });
    input.addEventListener("keydown", function (ev) {
      var all = items();
      if (ev.key === "ArrowDown" && all.length) { ev.preventDefault(); highlight((active + 1) % all.length); }
      else if (ev.key === "ArrowUp" && all.length) { ev.preventDefault(); highlight((active - 1 + all.length) % all.length); }
      else if (ev.key === "Enter" && active >= 0 && all[active]) { ev.preventDefault(); go(all[active]); }
      else if (ev.key === "Escape") { list.hidden = true; }
    });
    input.addEventListener("blur", function () { setTimeout(function () { list.hidden = true; }, 150); });
  }

  function start() {
    var inputs = document.querySelectorAll("input[data-suggest-url]");
    for (var i = 0; i < inputs.length; i++) { attach(inputs[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

// report.html behaviour: street selection, map colouring, layers, scale bar. No network, no library.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var svg = document.getElementById("map");
  var circles = svg.querySelectorAll("circle.h");
  var areaSel = document.getElementById("area");
  var modeSel = document.getElementById("mode");
  var state = "after", mode = "count";

  function count1(bits) {
    var n = 0;
    for (var i = 0; i < bits.length; i++) if (bits.charAt(i) === "1") n++;
    return n;
  }

  function niceLength(target) {
    var k = Math.pow(10, Math.floor(Math.log(target) / Math.LN10));
    if (5 * k <= target) return 5 * k;
    if (2 * k <= target) return 2 * k;
    return k;
  }

  function units() {
    var vb = svg.viewBox.baseVal;
    var w = svg.getBoundingClientRect().width || 900;
    var h = svg.getBoundingClientRect().height || 600;
    var u = Math.max(vb.width / w, vb.height / h);
    svg.style.setProperty("--u", u.toFixed(4));
    var len = niceLength(vb.width / 5);
    var bar = document.getElementById("scalebar");
    bar.setAttribute("transform", "translate(" + (vb.x + vb.width * 0.03).toFixed(0) + " " +
      (vb.y + vb.height * 0.96).toFixed(0) + ")");
    bar.querySelector("rect").setAttribute("width", (len / u).toFixed(1));
    bar.querySelector("text").textContent = data.scaleLabel.replace("{m}", String(len));
    document.getElementById("north").setAttribute("transform", "translate(" +
      (vb.x + vb.width * 0.97).toFixed(0) + " " + (vb.y + vb.height * 0.05).toFixed(0) + ")");
  }

  function paint() {
    var si = data.services.indexOf(mode);
    for (var i = 0; i < circles.length; i++) {
      var c = circles[i], a = c.getAttribute("data-a"), b = c.getAttribute("data-b");
      var bits = state === "after" ? a : b, col;
      if (si < 0) col = data.ramp[count1(bits)];
      else if (bits.charAt(si) === "1") col = (state === "after" && b.charAt(si) !== "1") ? data.colours.new : data.colours.old;
      else col = data.colours.none;
      c.setAttribute("fill", col);
    }
    svg.querySelectorAll(".uncov").forEach(function (p) {
      p.style.display = (p.getAttribute("data-state") === state && p.getAttribute("data-mode") === mode) ? "" : "none";
    });
    svg.querySelectorAll(".ex").forEach(function (g) {
      g.classList.toggle("faded", si >= 0 && g.getAttribute("data-svc") !== mode);
    });
    svg.querySelectorAll(".site").forEach(function (g) {
      g.classList.toggle("faded", si >= 0 && g.getAttribute("data-svc").split(";").indexOf(mode) < 0);
      g.style.display = state === "before" ? "none" : "";
    });
    document.querySelectorAll("[data-legend]").forEach(function (el) {
      var want = el.getAttribute("data-legend");
      el.hidden = !(want === (si < 0 ? "count" : "service") || (want === "service-new" && si >= 0 && state === "after"));
    });
    document.querySelectorAll("[data-legend-title]").forEach(function (el) {
      el.hidden = el.getAttribute("data-legend-title") !== mode;
    });
  }

  function select(name) {
    var k = data.streets.indexOf(name);
    if (k < 0) name = "";
    areaSel.value = name;
    svg.setAttribute("data-sel", k < 0 ? "" : String(k));
    svg.setAttribute("viewBox", k < 0 ? svg.getAttribute("data-full") : data.boxes[name]);
    units();
    document.querySelectorAll("[data-area]").forEach(function (el) {
      el.hidden = el.getAttribute("data-area") !== name;
    });
    document.querySelectorAll("table.filter").forEach(function (t) {
      var shown = 0;
      t.querySelectorAll("tbody tr[data-street]").forEach(function (tr) {
        tr.hidden = !!name && tr.getAttribute("data-street") !== name;
        if (!tr.hidden) shown++;
      });
      var empty = t.querySelector("tr.empty");
      if (empty) empty.hidden = shown > 0;
    });
    document.querySelectorAll("#streets tbody tr[data-street]").forEach(function (tr) {
      tr.classList.toggle("sel", !!name && tr.getAttribute("data-street") === name);
    });
    try {
      history.replaceState(null, "", name ? "#" + encodeURIComponent(name) : location.pathname + location.search);
    } catch (e) { /* some viewers forbid it: selection still works */ }
  }

  areaSel.addEventListener("change", function () { select(areaSel.value); });
  modeSel.addEventListener("change", function () { mode = modeSel.value; paint(); });
  document.querySelectorAll("input[name=state]").forEach(function (r) {
    r.addEventListener("change", function () { if (r.checked) { state = r.value; paint(); } });
  });
  document.querySelectorAll("input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.getElementById(box.getAttribute("data-layer")).style.display = box.checked ? "" : "none";
    });
  });
  document.querySelectorAll("#streets tbody tr[data-street]").forEach(function (tr) {
    tr.addEventListener("click", function () { select(tr.getAttribute("data-street")); });
  });
  svg.querySelectorAll(".street-area").forEach(function (p) {
    p.addEventListener("click", function () {
      var s = p.getAttribute("data-street");
      select(areaSel.value === s ? "" : s);
    });
  });
  svg.querySelectorAll(".site").forEach(function (g) {
    g.addEventListener("click", function () {
      var row = document.getElementById("site-" + g.getAttribute("data-id"));
      if (!row) return;
      document.querySelectorAll("tr.pick").forEach(function (r) { r.classList.remove("pick"); });
      row.classList.add("pick");
      row.scrollIntoView({ block: "center" });
    });
  });
  window.addEventListener("resize", units);
  var start = "";
  try { start = decodeURIComponent(location.hash.replace(/^#/, "")); } catch (e) { start = ""; }
  select(start);
  mode = modeSel.value;  // a reloaded page may keep the previous choices
  document.querySelectorAll("input[name=state]").forEach(function (r) { if (r.checked) state = r.value; });
  paint();
  document.documentElement.setAttribute("data-ready", "1");
})();

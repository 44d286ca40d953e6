// Filters for the ecrscan HTML report. Everything it reads comes from data-* attributes
// written (escaped) by the renderer; it never builds markup from data. The filter state lives
// in the URL fragment (#status=FAIL&region=eu-west-1), so a filtered view can be linked.
(function () {
  "use strict";
  var KEYS = ["account", "region", "control", "severity", "status"];
  var form = document.getElementById("filters");

  function current() {
    var filter = {};
    KEYS.forEach(function (key) {
      var value = form.elements[key].value;
      if (value) { filter[key] = value; }
    });
    return filter;
  }

  function inScope(el, f) {
    return (!f.account || el.dataset.account === f.account) &&
      (!f.region || el.dataset.region === f.region);
  }

  function cellMatches(el, f) {
    return (!f.control || el.dataset.control === f.control) &&
      (!f.severity || el.dataset.severity === f.severity) &&
      (!f.status || el.dataset.status === f.status);
  }

  function applyToGrid(section, f) {
    var cellFilter = Boolean(f.control || f.severity || f.status);
    var shown = 0;
    section.querySelectorAll("[data-column]").forEach(function (el) {
      el.hidden = Boolean(f.control) && el.dataset.column !== f.control;
    });
    section.querySelectorAll("tbody tr").forEach(function (row) {
      var any = false;
      row.querySelectorAll("td.cell").forEach(function (cell) {
        var match = Boolean(cell.dataset.status) && cellMatches(cell, f);
        cell.classList.toggle("dim", cellFilter && !match);
        any = any || match;
      });
      row.hidden = !(inScope(row, f) && (!cellFilter || any));
      if (!row.hidden) { shown += 1; }
    });
    section.hidden = shown === 0;
    return [shown, section.querySelectorAll("tbody tr").length];
  }

  function apply() {
    var f = current();
    var shown = 0, total = 0;
    document.querySelectorAll("section.matrix").forEach(function (section) {
      var counts = applyToGrid(section, f);
      shown += counts[0];
      total += counts[1];
    });
    document.querySelectorAll("tr.finding").forEach(function (row) {
      row.hidden = !(inScope(row, f) && cellMatches(row, f));
    });
    document.querySelectorAll("article.control").forEach(function (article) {
      article.hidden = Boolean(f.control) && article.dataset.control !== f.control;
    });
    document.getElementById("shown").textContent =
      shown + " of " + total + " resources shown";
    var fragment = new URLSearchParams(f).toString();
    try { history.replaceState(null, "", fragment ? "#" + fragment : location.pathname); }
    catch (e) { /* some file:// contexts refuse; the filters still work */ }
  }

  function fromFragment() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    KEYS.forEach(function (key) {
      var select = form.elements[key];
      var wanted = params.get(key) || "";
      var known = Array.prototype.some.call(select.options, function (o) {
        return o.value === wanted;
      });
      select.value = known ? wanted : "";
    });
  }

  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  window.addEventListener("hashchange", function () { fromFragment(); apply(); });
  fromFragment();
  apply();
  document.body.dataset.ready = "true";
})();

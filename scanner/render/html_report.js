// The ecrscan HTML report: draws the matrices and the findings from the JSON data block, a page
// at a time, filtered. It builds elements with textContent only, never markup from data (see
// scanner/render/html_data.py for the data's shape). The filter state lives in the URL
// fragment (#status=FAIL&region=eu-west-1), so a filtered view can be linked.
(function () {
  "use strict";
  var PAGE = 100;
  var KEYS = ["account", "region", "control", "severity", "status", "name", "passing"];
  var SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];
  var FINDING = ["FAIL", "ERROR", "WAIVED", "SUPPRESSED"];
  var NAME = "\u0001", DIGEST = "\u0002", ACCOUNT = "\u0003", REGION = "\u0004";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var form = document.getElementById("filters");
  var pages = {};

  // Row fields: [type, account, region, name, statuses, reasons, extra]
  function extra(row) { return row[6] || {}; }
  function status(row, column) {
    var code = row[4].charAt(column);
    return code === "-" ? null : data.statuses[+code];
  }
  function control(row, column) { return data.controls[data.types[row[0]].controls[column]]; }
  function severity(row, column) {
    var override = extra(row).v;
    return (override && override[column]) || control(row, column).severity;
  }
  function reason(row, column) {
    var index = row[5][column];
    if (index < 0) { return "not judged"; }
    var digest = extra(row).d ? "sha256:" + extra(row).d : "";
    return data.reasons[index].split(NAME).join(extra(row).n || row[3]).split(DIGEST).join(digest);
  }
  function exception(row, column) {
    var summaries = extra(row).x;
    return summaries && column in summaries ? data.exceptions[summaries[column]] : "";
  }
  function resourceId(row) {
    if (extra(row).i) { return extra(row).i; }
    return data.idTemplates[row[0]].split(NAME).join(extra(row).n || row[3])
      .split(ACCOUNT).join(data.accounts[row[1]]).split(REGION).join(data.regions[row[2]]);
  }

  function current() {
    var filter = {};
    KEYS.forEach(function (key) {
      var element = form.elements[key];
      var value = element.type === "checkbox" ? (element.checked ? "yes" : "") : element.value;
      if (value) { filter[key] = value; }
    });
    return filter;
  }

  function inScope(row, f) {
    return (!f.account || data.accounts[row[1]] === f.account) &&
      (!f.region || data.regions[row[2]] === f.region) &&
      (!f.name || row[3].toLowerCase().indexOf(f.name.toLowerCase()) >= 0);
  }

  function cellMatches(row, column, f) {
    var s = status(row, column);
    return s !== null && (!f.control || control(row, column).id === f.control) &&
      (!f.severity || severity(row, column) === f.severity) && (!f.status || s === f.status);
  }

  function allPassing(row) { return /^[03-]*$/.test(row[4]); } // PASS, N/A or not judged

  function matchingRows(typeIndex, f) {
    var cellFilter = Boolean(f.control || f.severity || f.status);
    var width = data.types[typeIndex].controls.length;
    var out = [], folded = 0, total = 0;
    data.rows.forEach(function (row, index) {
      if (row[0] !== typeIndex) { return; }
      total += 1;
      if (!inScope(row, f)) { return; }
      if (cellFilter) {
        for (var c = 0; c < width; c += 1) {
          if (cellMatches(row, c, f)) { out.push(index); return; }
        }
        return;
      }
      if (!f.passing && allPassing(row)) { folded += 1; return; }
      out.push(index);
    });
    return { rows: out, folded: folded, total: total };
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function statusClass(s) { return "s-" + s.toLowerCase().replace(/[^a-z]/g, ""); }

  function drawGrid(section, typeIndex, f) {
    var found = matchingRows(typeIndex, f);
    var controls = data.types[typeIndex].controls;
    var cellFilter = Boolean(f.control || f.severity || f.status);
    section.querySelectorAll("th[data-column]").forEach(function (th) {
      th.hidden = Boolean(f.control) && th.dataset.column !== f.control;
    });
    var body = document.createElement("tbody");
    pageOf(section, found.rows).forEach(function (index) {
      var row = data.rows[index];
      var tr = el("tr");
      tr.dataset.account = data.accounts[row[1]];
      tr.dataset.region = data.regions[row[2]];
      tr.appendChild(el("td", data.accounts[row[1]], "nowrap"));
      tr.appendChild(el("td", data.regions[row[2]], "nowrap"));
      var name = el("th", row[3]);
      name.scope = "row";
      name.title = resourceId(row) + (extra(row).s ? " (" + extra(row).s + ")" : "");
      tr.appendChild(name);
      controls.forEach(function (controlIndex, column) {
        var id = data.controls[controlIndex].id;
        var s = status(row, column);
        var td = el("td", s || "-", "cell " + (s ? statusClass(s) : "s-none"));
        td.dataset.column = id;
        if (s) {
          td.dataset.status = s;
          td.dataset.severity = severity(row, column);
          td.title = [reason(row, column), exception(row, column)].filter(Boolean).join(" | ");
        } else {
          td.title = "not judged";
        }
        td.hidden = Boolean(f.control) && id !== f.control;
        if (cellFilter && !cellMatches(row, column, f)) { td.classList.add("dim"); }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    section.querySelector("tbody").replaceWith(body);
    section.hidden = found.rows.length === 0 && found.folded === 0;
    var note = found.folded ? ", " + found.folded.toLocaleString("en") +
      " where every cell passes folded" : "";
    section.querySelector(".count").textContent = "(" + found.total.toLocaleString("en") + ")";
    drawPager(section, found.rows.length, note);
    return found;
  }

  function findings(f) {
    // Ordered by status, then severity, then resource (rows are sorted already): buckets, no sort.
    var buckets = [];
    FINDING.forEach(function () { SEVERITIES.forEach(function () { buckets.push([]); }); });
    data.rows.forEach(function (row, index) {
      if (!inScope(row, f)) { return; }
      for (var c = 0; c < row[4].length; c += 1) {
        var s = status(row, c);
        var rank = FINDING.indexOf(s);
        if (rank >= 0 && cellMatches(row, c, f)) {
          buckets[rank * SEVERITIES.length + SEVERITIES.indexOf(severity(row, c))].push([index, c]);
        }
      }
    });
    return [].concat.apply([], buckets);
  }

  function drawFindings(f) {
    var section = document.getElementById("findings");
    var found = findings(f);
    var body = document.createElement("tbody");
    pageOf(section, found).forEach(function (pair) {
      var row = data.rows[pair[0]], column = pair[1];
      var s = status(row, column);
      var tr = el("tr", null, "finding");
      tr.dataset.status = s;
      tr.dataset.account = data.accounts[row[1]];
      tr.dataset.control = control(row, column).id;
      var badge = el("td");
      badge.appendChild(el("span", s, "badge " + statusClass(s)));
      tr.appendChild(badge);
      tr.appendChild(el("td", severity(row, column)));
      tr.appendChild(el("td", control(row, column).id, "nowrap"));
      tr.appendChild(el("td", data.accounts[row[1]], "nowrap"));
      tr.appendChild(el("td", data.regions[row[2]], "nowrap"));
      var name = el("td", row[3]);
      name.title = resourceId(row);
      tr.appendChild(name);
      tr.appendChild(el("td", reason(row, column), "reason"));
      tr.appendChild(el("td", exception(row, column)));
      body.appendChild(tr);
    });
    section.querySelector("tbody").replaceWith(body);
    section.querySelector(".count").textContent = "(" + found.length.toLocaleString("en") + ")";
    drawPager(section, found.length, "");
  }

  function pageOf(section, items) {
    var last = Math.max(0, Math.ceil(items.length / PAGE) - 1);
    var page = Math.min(pages[section.id] || 0, last);
    pages[section.id] = page;
    return items.slice(page * PAGE, (page + 1) * PAGE);
  }

  function drawPager(section, count, note) {
    var nav = section.querySelector(".pager");
    var page = pages[section.id] || 0;
    var pageCount = Math.max(1, Math.ceil(count / PAGE));
    nav.textContent = "";
    var previous = el("button", "Previous");
    previous.type = "button";
    previous.disabled = page === 0;
    previous.addEventListener("click", function () { turn(section, -1); });
    var next = el("button", "Next");
    next.type = "button";
    next.disabled = page >= pageCount - 1;
    next.addEventListener("click", function () { turn(section, 1); });
    var first = count ? page * PAGE + 1 : 0;
    var label = el("span", first.toLocaleString("en") + "–" +
      Math.min(count, (page + 1) * PAGE).toLocaleString("en") + " of " +
      count.toLocaleString("en") + note, "position");
    nav.appendChild(previous);
    nav.appendChild(label);
    nav.appendChild(next);
  }

  function turn(section, step) {
    pages[section.id] = (pages[section.id] || 0) + step;
    draw(false);
  }

  function draw(fromStart) {
    var f = current();
    if (fromStart) { pages = {}; }
    var shown = 0, total = 0;
    document.querySelectorAll("section.matrix").forEach(function (section) {
      var typeIndex = data.types.map(function (t) { return t.type; }).indexOf(section.dataset.type);
      var found = drawGrid(section, typeIndex, f);
      shown += found.rows.length;
      total += found.total;
    });
    drawFindings(f);
    document.querySelectorAll("article.control").forEach(function (article) {
      article.hidden = Boolean(f.control) && article.dataset.control !== f.control;
    });
    document.getElementById("shown").textContent =
      shown.toLocaleString("en") + " of " + total.toLocaleString("en") + " resources shown";
    var fragment = new URLSearchParams(f).toString();
    try { history.replaceState(null, "", fragment ? "#" + fragment : location.pathname); }
    catch (e) { /* some file:// contexts refuse; the filters still work */ }
  }

  function fromFragment() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    KEYS.forEach(function (key) {
      var element = form.elements[key];
      var wanted = params.get(key) || "";
      if (element.type === "checkbox") { element.checked = wanted === "yes"; return; }
      if (element.tagName === "INPUT") { element.value = wanted; return; }
      var known = Array.prototype.some.call(element.options, function (o) {
        return o.value === wanted;
      });
      element.value = known ? wanted : "";
    });
  }

  form.addEventListener("change", function () { draw(true); });
  form.addEventListener("input", function (event) {
    if (event.target.name === "name") { draw(true); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("reset", function () { setTimeout(function () { draw(true); }, 0); });
  window.addEventListener("hashchange", function () { fromFragment(); draw(true); });
  fromFragment();
  draw(true);
  void document.body.offsetHeight; // lay the first page out: interactive means drawn
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "true";
})();

/* kb: sort and filter the papers table, the map's tap card, and mark the schedule's past and
   next sessions at view time. Vanilla JS, no network; re-initialised on every page load of
   mkdocs-material's instant navigation through its document$ observable. */
(function () {
  "use strict";

  function cellValue(row, index, kind) {
    var text = row.cells[index].textContent.trim();
    if (kind === "number") {
      var n = parseFloat(text);
      return isNaN(n) ? -Infinity : n;
    }
    return text.toLowerCase();
  }

  function sortBy(table, header) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var index = headers.indexOf(header);
    var kind = header.getAttribute("data-sort");
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function filter(box) {
    var table = box.querySelector("table");
    var words = box.querySelector(".kb-filter").value.toLowerCase().split(/\s+/).filter(Boolean);
    var tag = box.querySelector(".kb-tag-filter").value;
    var shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var text = row.textContent.toLowerCase();
      var tags = (row.getAttribute("data-tags") || "").split(" ");
      var keep = words.every(function (w) { return text.indexOf(w) !== -1; }) &&
        (!tag || tags.indexOf(tag) !== -1);
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    box.querySelector(".kb-count").textContent = shown + (shown === 1 ? " paper" : " papers");
  }

  /* The map: a mouse click opens a paper at once (its <title> showed on hover); a tap, a
     pen or the keyboard's focus first shows a card with the title, year and sessions and a
     link, and lights the paper's citation lines; a second tap on the same point opens it. */
  var pointer = { kind: "mouse", at: 0 };

  function initMap(figure) {
    if (figure.getAttribute("data-kb-ready")) { return; }
    figure.setAttribute("data-kb-ready", "1");
    var plot = figure.querySelector(".kb-map-plot");
    var card = figure.querySelector(".kb-map-card");
    var svg = figure.querySelector(".kb-map-svg");
    var lines = Array.prototype.slice.call(figure.querySelectorAll(".kb-map-edges line"));
    var selected = null;

    function light(key) {
      lines.forEach(function (line) {
        var on = !!key && (line.getAttribute("data-a") === key || line.getAttribute("data-b") === key);
        line.classList.toggle("kb-lit", on);
      });
    }
    function hide() {
      if (selected) { selected.querySelector(".kb-dot").classList.remove("kb-selected"); }
      selected = null;
      card.hidden = true;
      light(null);
    }
    function show(link) {
      var dot = link.querySelector(".kb-dot");
      if (selected && selected !== link) { selected.querySelector(".kb-dot").classList.remove("kb-selected"); }
      selected = link;
      dot.classList.add("kb-selected");
      card.textContent = "";
      var title = document.createElement("strong");
      title.textContent = dot.getAttribute("data-title");
      var where = document.createElement("span");
      where.className = "kb-note";
      where.textContent = dot.getAttribute("data-where");
      var open = document.createElement("a");
      open.className = "kb-link kb-map-open";
      open.href = link.href && link.href.baseVal !== undefined ? link.href.baseVal : link.getAttribute("href");
      open.textContent = "Open the paper \u2192";
      card.appendChild(title);
      card.appendChild(where);
      card.appendChild(open);
      card.hidden = false;
      var box = plot.getBoundingClientRect(), at = dot.getBoundingClientRect();
      var x = at.left + at.width / 2 - box.left, y = at.top + at.height / 2 - box.top;
      var left = Math.max(0, Math.min(x - card.offsetWidth / 2, box.width - card.offsetWidth));
      var top = y + 14;
      if (top + card.offsetHeight > box.height) { top = Math.max(0, y - 14 - card.offsetHeight); }
      card.style.left = left + "px";
      card.style.top = top + "px";
      light(dot.getAttribute("data-key"));
    }
    svg.addEventListener("pointerdown", function (event) {
      pointer.kind = event.pointerType || "mouse";
      pointer.at = Date.now();
    }, true);
    svg.querySelectorAll("a").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (pointer.kind === "mouse" && Date.now() - pointer.at < 1000) { return; }
        if (selected === link && !card.hidden) { return; }  // the second tap opens the paper
        event.preventDefault();
        show(link);
      });
      link.addEventListener("focus", function () {
        if (Date.now() - pointer.at > 500) { show(link); }  // focus from the keyboard
      });
      link.addEventListener("mouseenter", function () {
        light(link.querySelector(".kb-dot").getAttribute("data-key"));
      });
      link.addEventListener("mouseleave", function () {
        light(selected ? selected.querySelector(".kb-dot").getAttribute("data-key") : null);
      });
    });
    document.addEventListener("click", function (event) {
      if (selected && !plot.contains(event.target)) { hide(); }
    });
    figure.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { hide(); }
    });
  }

  // "Now" in the course's time zone (the schedule's data-kb-timezone), else the reader's:
  // {date: "YYYY-MM-DD", time: "HH:MM"}.
  function now(zone) {
    var options = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
      minute: "2-digit", hourCycle: "h23" };
    var parts;
    try {
      if (zone) { options.timeZone = zone; }
      parts = new Intl.DateTimeFormat("en-US", options).formatToParts(new Date());
    } catch (error) {  // a zone this browser does not know: the reader's own
      delete options.timeZone;
      parts = new Intl.DateTimeFormat("en-US", options).formatToParts(new Date());
    }
    var get = function (type) {
      var part = parts.filter(function (p) { return p.type === type; })[0];
      return part ? part.value : "";
    };
    var hour = get("hour") === "24" ? "00" : get("hour");
    return { date: get("year") + "-" + get("month") + "-" + get("day"), time: hour + ":" + get("minute") };
  }

  function setStatus(row, status) {
    row.className = row.className.replace(/\bkb-status-[\w-]+/g, "").trim();
    row.classList.add("kb-status-" + status);
    var cell = row.querySelector(".kb-col-session");
    if (!cell) { return; }
    cell.querySelectorAll(".kb-badge").forEach(function (badge) {
      var before = badge.previousSibling;
      if (before && before.nodeType === 3 && /^\s*$/.test(before.nodeValue)) { before.remove(); }
      badge.remove();
    });
    if (status === "next" || status === "today") {
      var badge = document.createElement("span");
      badge.className = "kb-badge kb-badge-" + status;
      badge.textContent = status;
      var title = cell.querySelector("a");
      cell.insertBefore(badge, title ? title.nextSibling : cell.firstChild);
      cell.insertBefore(document.createTextNode(" "), badge);
    }
  }

  // The same rule as the build (kb.site.pages.schedule.statuses), on today's date: past, today
  // (or past once its end: has gone by), the first later one next, the others upcoming.
  function markSessions(wrap) {
    var current = now(wrap.getAttribute("data-kb-timezone"));
    var rows = Array.prototype.filter.call(wrap.querySelectorAll("tbody tr"), function (row) {
      return row.querySelector("td[data-kb-date]");
    });
    var dated = rows.map(function (row, index) {
      var cell = row.querySelector("td[data-kb-date]");
      return { row: row, index: index, date: cell.getAttribute("data-kb-date"),
        end: cell.getAttribute("data-kb-end") || "" };
    });
    dated.sort(function (a, b) { return a.date < b.date ? -1 : a.date > b.date ? 1 : a.index - b.index; });
    var nextSeen = false;
    dated.forEach(function (item) {
      var status;
      if (item.date < current.date || (item.date === current.date && item.end && item.end <= current.time)) {
        status = "past";
      } else if (item.date === current.date) {
        status = "today";
        nextSeen = true;
      } else if (!nextSeen) {
        status = "next";
        nextSeen = true;
      } else {
        status = "upcoming";
      }
      setStatus(item.row, status);
    });
    wrap.setAttribute("data-kb-marked", current.date + "T" + current.time);
  }

  function init() {
    document.querySelectorAll("[data-kb-map]").forEach(initMap);
    document.querySelectorAll(".kb-schedule-wrap").forEach(markSessions);
    // the theme's search dialog has no accessible name of its own
    var dialog = document.querySelector(".md-search[role=dialog]");
    if (dialog && !dialog.getAttribute("aria-label")) { dialog.setAttribute("aria-label", "Search"); }
    document.querySelectorAll("[data-kb-table]").forEach(function (box) {
      if (box.getAttribute("data-kb-ready")) { return; }
      box.setAttribute("data-kb-ready", "1");
      var table = box.querySelector("table");
      table.tHead.querySelectorAll("th[data-sort]").forEach(function (header) {
        header.setAttribute("tabindex", "0");
        header.addEventListener("click", function () { sortBy(table, header); });
        header.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            sortBy(table, header);
          }
        });
      });
      box.querySelector(".kb-filter").addEventListener("input", function () { filter(box); });
      box.querySelector(".kb-tag-filter").addEventListener("change", function () { filter(box); });
      var params = new URLSearchParams(window.location.search);
      if (params.get("tag")) { box.querySelector(".kb-tag-filter").value = params.get("tag"); }
      if (params.get("q")) { box.querySelector(".kb-filter").value = params.get("q"); }
      filter(box);
    });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

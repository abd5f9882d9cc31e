/* kb: sort and filter the papers table. Vanilla JS, no network; re-initialised on every
   page load of mkdocs-material's instant navigation through its document$ observable. */
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

  function init() {
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

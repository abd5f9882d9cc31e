/* kb: the search page (its form and results) and the link to it from mkdocs-material's search
   box. Uses the API of kb-search.js (window.kb), an ES module like this one. Results are built
   as DOM nodes with textContent, so titles, names and excerpts from content files always show
   as text (an excerpt's matched words are <mark> elements made here, around text nodes). The
   page is re-initialised on every page load of the theme's instant navigation (document$). */

import api from "./kb-search.js";

var DELAY = 150;  // ms of quiet typing before a search

function el(tag, className, text) {
  var node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text != null) { node.textContent = text; }
  return node;
}

function option(select, value, label) {
  var o = el("option", null, label);
  o.value = value;
  select.appendChild(o);
}

function byline(authors) {
  if (!authors.length) { return ""; }
  return authors.length > 3 ? authors.slice(0, 3).join(", ") + " et al." : authors.join(", ");
}

function pageUrl(relative) {
  // Page addresses follow the site: ".../page/" (directory URLs) or ".../page.html".
  var html = /\.html$/.test(location.pathname);
  return new URL(html ? relative + ".html" : relative + "/", api.root).href;
}

// The excerpt as text nodes, each highlighted span inside a <mark>: never parsed as HTML.
function excerptNode(excerpt) {
  var node = el("div", "kb-search__excerpt");
  node.setAttribute("data-by", excerpt.by);
  var text = excerpt.text, at = 0;
  excerpt.highlights.forEach(function (span) {
    if (span[0] < at || span[1] > text.length) { return; }
    node.appendChild(document.createTextNode(text.slice(at, span[0])));
    node.appendChild(el("mark", null, text.slice(span[0], span[1])));
    at = span[1];
  });
  node.appendChild(document.createTextNode(text.slice(at)));
  return node;
}

function renderResults(box, results, sessions) {
  var list = box.querySelector(".kb-search__results");
  list.textContent = "";
  var titles = new Map(sessions.map(function (s) { return [s.number, s]; }));
  results.forEach(function (r) {
    var item = el("li", "kb-search__result");
    item.setAttribute("data-key", r.key);
    var link = el("a", "kb-search__title", r.title);
    link.href = r.url;
    item.appendChild(link);
    var meta = [byline(r.authors), r.year, r.venue].filter(function (x) { return x; });
    item.appendChild(el("div", "kb-search__meta", meta.join(" · ")));
    if (r.excerpt) { item.appendChild(excerptNode(r.excerpt)); }
    var extra = el("div", "kb-search__extra");
    r.tags.forEach(function (t) { extra.appendChild(el("span", "kb-search__tag", t)); });
    r.sessions.forEach(function (n) {
      var s = titles.get(n);
      if (!s) { return; }
      var a = el("a", "kb-search__session", "Session " + n);
      a.href = new URL(s.url, api.root).href;
      a.title = s.title;
      extra.appendChild(a);
    });
    var words = r.matched.filter(function (w) { return w.length > 1; });
    var why = words.length ? "matches: " + words.join(", ") + (r.why === "both" ? " \u00b7 and by meaning" : "")
      : r.why === "meaning" || r.why === "both" ? "found by meaning" : "";
    if (why) { extra.appendChild(el("span", "kb-search__why", why)); }
    item.appendChild(extra);
    list.appendChild(item);
  });
}

function fillFilters(form, data) {
  data.sessions.forEach(function (s) { option(form.session, String(s.number), s.number + ". " + s.title); });
  var tags = new Set(), types = new Set(), years = [];
  data.papers.forEach(function (p) {
    p.tags.forEach(function (t) { tags.add(t); });
    if (p.type) { types.add(p.type); }
    if (p.year != null) { years.push(p.year); }
  });
  Array.from(tags).sort().forEach(function (t) { option(form.tag, t, t); });
  Array.from(types).sort().forEach(function (t) { option(form.type, t, t); });
  if (years.length) {
    form.from.placeholder = String(Math.min.apply(null, years));
    form.to.placeholder = String(Math.max.apply(null, years));
  }
}

// Form field -> URL parameter. Not "q": the theme opens its own search box for that one.
var FIELDS = { q: "query", mode: "mode", session: "session", tag: "tag", type: "type", from: "from", to: "to" };

function readUrl(form) {
  var params = new URLSearchParams(location.search);
  Object.keys(FIELDS).forEach(function (name) {
    var value = params.get(FIELDS[name]);
    if (value != null && form[name]) { form[name].value = value; }
  });
}

function writeUrl(form) {
  var params = new URLSearchParams();
  Object.keys(FIELDS).forEach(function (name) {
    var value = form[name].value;
    if (value && !(name === "mode" && value === "hybrid")) { params.set(FIELDS[name], value); }
  });
  var query = params.toString();
  history.replaceState(history.state, "", location.pathname + (query ? "?" + query : ""));
}

function initPage(box) {
  if (box.getAttribute("data-kb-ready")) { return; }
  box.setAttribute("data-kb-ready", "1");
  var form = box.querySelector("form");
  var status = box.querySelector(".kb-search__status");
  var bar = box.querySelector(".kb-search__progress");
  var timer = null, generation = 0, data = null;

  function say(text) { status.textContent = text; }

  function options() {
    return { k: 20, mode: form.mode.value, session: form.session.value, tag: form.tag.value,
      type: form.type.value, yearFrom: form.from.value, yearTo: form.to.value };
  }

  function describe(results, mode, query) {
    var count = results.length === 1 ? "1 paper" : results.length + " papers";
    if (!results.length) { return "No paper matches \u201c" + query + "\u201d with these filters."; }
    var how = mode === "keyword" ? "by its words" : mode === "semantic" ? "by meaning" : "by words and meaning";
    if (results.strong === false) {
      return "No strong match for \u201c" + query + "\u201d; the nearest " + count + ", " + how + ":";
    }
    return count + " for \u201c" + query + "\u201d, best first, " + how + ".";
  }

  function run() {
    var mine = ++generation, o = options(), query = form.q.value.trim();
    writeUrl(form);
    if (!query) {
      box.querySelector(".kb-search__results").textContent = "";
      say("");
      return;
    }
    // Words first, at once; then, unless asked for words only, the full query.
    api.search(query, Object.assign({}, o, { mode: "keyword" })).then(function (words) {
      if (mine !== generation) { return; }
      renderResults(box, words, data.sessions);
      if (o.mode === "keyword") { say(describe(words, "keyword", query)); return; }
      if (api.status().model !== "ready" && api.status().model !== "unavailable") {
        say(describe(words, "keyword", query) + " Loading the model to search by meaning\u2026");
      }
      return api.search(query, o).then(function (results) {
        if (mine !== generation) { return; }
        renderResults(box, results, data.sessions);
        say(results.note || describe(results, o.mode, query));
      });
    }).catch(function (error) {
      if (mine !== generation) { return; }
      say(o.mode === "semantic"
        ? "Search by meaning is not available: " + api.status().error + ". Choose \u201cwords only\u201d."
        : "Search failed: " + (error && error.message || error));
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(run, DELAY);
  }

  api.onStatus(function (s, progress) {
    if (s.model === "loading" && progress && progress.total) {
      bar.hidden = false;
      bar.max = progress.total;
      bar.value = progress.loaded;
      var mb = function (x) { return (x / 1048576).toFixed(1); };
      bar.textContent = mb(progress.loaded) + " of " + mb(progress.total) + " MB";
      bar.title = "Loading the search model: " + bar.textContent;
    } else if (s.model !== "loading") {
      bar.hidden = true;
    }
  });

  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  say("Loading the list of papers\u2026");
  api.loadIndex().then(function (loaded) {
    data = loaded;
    fillFilters(form, data);
    readUrl(form);
    say("");
    if (!window.WebAssembly) {
      say("This browser runs no WebAssembly: search matches words only.");
    }
    if (form.q.value.trim()) { run(); }
    form.q.focus();
  }, function (error) {
    say("The search index could not be loaded (" + error.message + "); the papers table lists every paper.");
  });
}

// A link from the theme's search box to the search page, carrying the query along. It goes
// before the theme's result list, not into it: the theme takes that list's first and last
// children for its own message and results.
function searchBoxLink(input) {
  var result = document.querySelector(".md-search-result");
  if (!result || !result.parentNode) { return; }
  var link = result.parentNode.querySelector(":scope > .kb-search-jump");
  if (!link) {
    link = el("a", "kb-search-jump");
    link.addEventListener("click", function () {  // close the theme's search overlay
      var toggle = document.querySelector("[data-md-toggle=search]");
      if (toggle && toggle.checked) { toggle.click(); }
    });
    result.parentNode.insertBefore(link, result);
  }
  var q = input.value.trim();
  link.href = pageUrl("search") + (q ? "?query=" + encodeURIComponent(q) : "");
  link.textContent = q ? "Search papers by meaning: \u201c" + q + "\u201d \u2192" : "Search papers by meaning \u2192";
}

document.addEventListener("input", function (event) {
  var target = event.target;
  if (target && target.classList && target.classList.contains("md-search__input")) { searchBoxLink(target); }
}, true);
document.addEventListener("focusin", function (event) {
  var target = event.target;
  if (target && target.classList && target.classList.contains("md-search__input")) { searchBoxLink(target); }
});

function init() {
  document.querySelectorAll("[data-kb-search]").forEach(initPage);
}

if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(init);
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init);
} else {
  init();
}

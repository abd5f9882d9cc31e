/* kb: the search page (its form and results) and the link to it from mkdocs-material's search
   box. Uses the API of kb-search.js (window.kb), an ES module like this one. Results are built
   as DOM nodes with textContent, so titles, names and excerpts from content files always show
   as text (an excerpt's matched words are <mark> elements made here, around text nodes). The
   page is re-initialised on every page load of the theme's instant navigation (document$). */

import api from "./kb-search.js";
import { filtersLabel, filtersSet, fullModelPolicy, megabytes, progressText, sameOrder } from "./page-rules.js";

var DELAY = 150;  // ms of quiet typing before a search
var WIDE = "(min-width: 60em)";  // a desk's screen, where the link's speed is not known
var FILTER_DEFAULTS = { mode: "hybrid" };

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

// The full model's size, all its files (the payload says it; an older one may not).
function fullBytes(data) {
  var bytes = data && data.model && data.model.bytes;
  if (typeof bytes === "number") { return bytes; }
  if (bytes && typeof bytes === "object") {
    return Object.keys(bytes).reduce(function (sum, k) { return sum + (Number(bytes[k]) || 0); }, 0);
  }
  return 0;
}

// Which model ranked a list: "full", "quick" or "keyword" (meaning unavailable, with a note).
function tierOf(results, mode) {
  if (mode === "keyword") { return "keyword"; }
  return results.tier || (results.note ? "keyword" : "full");
}

function initPage(box) {
  if (box.getAttribute("data-kb-ready")) { return; }
  box.setAttribute("data-kb-ready", "1");
  var form = box.querySelector("form");
  var status = box.querySelector(".kb-search__status");
  var list = box.querySelector(".kb-search__results");
  var line = box.querySelector(".kb-search__model");
  var lineText = line.querySelector(".kb-search__model-text");
  var loadButton = line.querySelector(".kb-search__load");
  var bar = line.querySelector(".kb-search__progress");
  var offer = box.querySelector(".kb-search__offer");
  var fold = box.querySelector(".kb-search__fold");
  var filters = box.querySelector(".kb-search__filters");
  var timer = null, generation = 0, data = null;
  // What the list shows, and whether the reader has used it since it was shown (scrolled the
  // page, or focused, hovered or touched a result): then nothing reorders it unasked.
  var shown = { generation: 0, tier: null, results: null, mode: null, query: "", touched: false, y: 0 };
  var pending = null;  // better-ranked results held back until the reader asks for them
  // The full model: "ask" once the reader is to be asked, "tried" once asked for or started.
  var full = { offer: null, progress: null, loaded: false, refined: 0, last: null };

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

  /* ---------------------------------------------------------- the list, never reordered unasked */

  function show(mine, results, tier, mode, query) {
    var focused = document.activeElement && list.contains(document.activeElement)
      ? document.activeElement.closest(".kb-search__result") : null;
    var key = focused && focused.getAttribute("data-key");
    renderResults(box, results, data.sessions);
    list.setAttribute("data-tier", tier);
    shown = { generation: mine, tier: tier, results: results, mode: mode, query: query,
      touched: false, y: window.scrollY };
    pending = null;
    offer.hidden = true;
    say(results.note || describe(results, tier === "keyword" ? "keyword" : mode, query));
    if (key) {
      var again = list.querySelector(".kb-search__result[data-key=\"" + CSS.escape(key) + "\"] a");
      if (again) { again.focus({ preventScroll: true }); }
    }
    updateLine();
  }

  // Results for the query on screen, ranked better than the list shown: shown at once if the
  // reader has not used the list yet; otherwise offered.
  function deliver(mine, results, tier, mode, query) {
    if (mine !== generation) { return; }
    if (shown.generation !== mine || !shown.touched) {
      show(mine, results, tier, mode, query);
    } else if (sameOrder(shown.results, results)) {
      shown.tier = tier;  // the same papers in the same order: nothing to move
      list.setAttribute("data-tier", tier);
      say(results.note || describe(results, mode, query));
      updateLine();
    } else {
      pending = { generation: mine, results: results, tier: tier, mode: mode, query: query };
      say(describe(shown.results, shown.tier === "keyword" ? "keyword" : shown.mode, query));
      offer.hidden = false;
    }
  }

  function applyPending() {
    var p = pending;
    if (!p || p.generation !== generation) { return; }
    show(p.generation, p.results, p.tier, p.mode, p.query);
    if (status.getBoundingClientRect().top < 0) { status.scrollIntoView({ block: "start" }); }
    shown.y = window.scrollY;
    var first = list.querySelector(".kb-search__title");
    if (first) { first.focus({ preventScroll: true }); }
    shown.touched = true;  // the reader is at the list now
  }

  function touched() { shown.touched = true; }
  // A pointer that moves over the list, not one the new list slid under.
  ["focusin", "pointerdown", "pointermove", "touchstart", "wheel"].forEach(function (name) {
    list.addEventListener(name, touched, { passive: true });
  });
  function scrolled() {
    if (!box.isConnected) { window.removeEventListener("scroll", scrolled); return; }
    if (Math.abs(window.scrollY - shown.y) > 2) { touched(); }
  }
  window.addEventListener("scroll", scrolled, { passive: true });
  offer.querySelector("button").addEventListener("click", applyPending);

  /* ---------------------------------------------------------- the full model's line */

  // One visible line: the offer of the full model with its size, its download counted over
  // every file, or what became of it.
  function updateLine() {
    var s = api.status();
    var meaning = shown.tier === "quick" || (shown.tier === "keyword" && shown.mode !== "keyword"
      && shown.results && shown.results.note);
    var text = "", button = "", progress = null;
    if (s.model === "loading") {
      var p = full.progress || { loaded: 0, total: 0 };
      var total = Math.max(fullBytes(data), p.total || 0);
      text = progressText(p.loaded || 0, total);
      progress = [p.loaded || 0, total];
    } else if (s.model === "ready") {
      text = full.loaded && line.hidden === false ? "The full model is loaded." : "";
    } else if (meaning && typeof WebAssembly !== "object") {
      text = "The full model needs WebAssembly, which this browser does not run; the quick model ranks these results.";
    } else if (s.model === "unavailable") {
      text = full.offer === "tried" && shown.mode !== "keyword"
        ? "The full model could not be loaded (" + s.error + "); the quick model ranks these results." : "";
    } else if (full.offer && meaning && shown.mode !== "keyword") {
      var size = fullBytes(data);
      text = "Better ranking:";
      button = "Load the full model" + (size ? " (" + megabytes(size) + " MB)" : "");
    }
    line.hidden = !text;
    lineText.textContent = text;
    loadButton.hidden = !button;
    loadButton.textContent = button;
    bar.hidden = !progress;
    if (progress) {
      bar.max = progress[1] || 1;
      bar.value = Math.min(progress[0], bar.max);
    }
  }

  function progressed(p) {
    if (p && p.total) { full.progress = p; }
    updateLine();
  }

  function loadFull() {
    full.offer = "tried";
    api.loadModel(progressed).then(function () {
      full.loaded = true;
      refine();
    }, function () { updateLine(); });
    updateLine();
  }

  // The full model is ready: rank the query on screen with it.
  function refine() {
    var mine = generation, o = options(), query = form.q.value.trim();
    updateLine();
    if (!query || o.mode === "keyword" || shown.tier === "full" || full.refined === mine) { return; }
    full.refined = mine;
    api.search(query, Object.assign({}, o, { tier: "full" })).then(function (results) {
      deliver(mine, results, tierOf(results, o.mode), o.mode, query);
    }, function () { /* the line says why */ });
  }

  // After an answer by meaning from the quick model: load the full one now, or offer it.
  function considerFull(tier) {
    if (tier === "full" || api.status().model !== "idle" || full.offer === "tried"
        || typeof WebAssembly !== "object") { updateLine(); return; }
    var wide = window.matchMedia && window.matchMedia(WIDE).matches;
    if (fullModelPolicy(navigator.connection, wide) === "background") {
      loadFull();
    } else {
      full.offer = "ask";
      updateLine();
    }
  }

  loadButton.addEventListener("click", loadFull);
  api.onStatus(function (s, progress) {
    if (s.model === "loading" && progress && s.quick !== "loading") { full.progress = progress; }
    if (s.model === "ready" && full.last !== "ready" && full.offer === "tried") { full.loaded = true; }
    full.last = s.model;
    updateLine();
  });

  /* ---------------------------------------------------------- the filters, folded on a phone */

  function foldLabel() {
    fold.textContent = filtersLabel(filtersSet({ mode: form.mode.value, session: form.session.value,
      tag: form.tag.value, type: form.type.value, from: form.from.value, to: form.to.value },
    FILTER_DEFAULTS));
  }

  fold.addEventListener("click", function () {
    var open = fold.getAttribute("aria-expanded") !== "true";
    fold.setAttribute("aria-expanded", String(open));
    filters.classList.toggle("kb-search__filters--open", open);
  });

  /* ---------------------------------------------------------- searching */

  function run() {
    var mine = ++generation, o = options(), query = form.q.value.trim();
    writeUrl(form);
    foldLabel();
    pending = null;
    offer.hidden = true;
    full.loaded = false;  // "the full model is loaded" was news for the last query only
    if (!query) {
      list.textContent = "";
      list.removeAttribute("data-tier");
      shown = { generation: mine, tier: null, results: null, mode: o.mode, query: "", touched: false, y: window.scrollY };
      say("");
      updateLine();
      return;
    }
    // Words first, at once; then, unless asked for words only, the query by meaning (the full
    // model when it is loaded, else the quick one, a few MB).
    api.search(query, Object.assign({}, o, { mode: "keyword" })).then(function (words) {
      if (mine !== generation) { return; }
      show(mine, words, "keyword", "keyword", query);
      if (o.mode === "keyword") { return; }
      say(describe(words, "keyword", query) + " Searching by meaning\u2026");
      return api.search(query, o).then(function (results) {
        if (mine !== generation) { return; }
        var tier = tierOf(results, o.mode);
        deliver(mine, results, tier, o.mode, query);
        considerFull(tier);
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

  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  say("Loading the list of papers\u2026");
  api.loadIndex().then(function (loaded) {
    data = loaded;
    fillFilters(form, data);
    readUrl(form);
    foldLabel();
    say("");
    // Focus the box only to type a query: one in the address is to be read (a phone would
    // open its keyboard over the results).
    if (form.q.value.trim()) { run(); } else { form.q.focus(); }
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

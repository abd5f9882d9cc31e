/* kb: search the course's papers by keyword and by meaning, in the browser, with no server.

   The API, on every page of the site:

     await window.kb.search(query, {k, mode, session, tag, yearFrom, yearTo, type, key})
       mode: "hybrid" (default), "semantic" or "keyword"; k: how many (default 10).
       tag and key: one, or a list meaning any of them.
       Resolves to the best papers first: [{key, title, url, score, authors, year, venue,
       type, tags, sessions, matched, why, strong, excerpt}], `matched` being the query's
       content words found in the paper, `why` "keyword", "meaning" or "both", `strong`
       whether the score reaches the mode's threshold (null in keyword mode), `excerpt`
       {text, highlights: [[start, end], ...], by: "words" | "meaning" | "lead"} or null.
       The list's `strong` is false when no result is a strong match (hybrid and semantic).
       Scores order one result list; they are not comparable across modes. In "hybrid" mode
       a browser that cannot run the model gets the keyword results, and the list carries
       `note` saying so; "semantic" mode rejects with that reason instead.
     await window.kb.embed(text)     the query vector (384 numbers), as search uses it
     window.kb.status()              {index, model, error}: "idle", "loading", "ready",
                                     "unavailable"
     await window.kb.loadModel(onProgress)
                                     load the query encoder now; onProgress({loaded, total})
     await window.kb.loadIndex()     the payload (index.json); window.kb.onStatus(fn) calls
                                     fn(status, progress) on each change; window.kb.root is
                                     the site's address

   Everything comes from the site itself (assets/kb/search/, assets/kb/model/,
   assets/kb/vendor/): the papers' metadata and passages, their vectors (computed by kb, the
   CLI's own), FTS5's keyword postings, the int8 query encoder run by transformers.js.
   Ranking follows kb.search.engine: keyword scores are kb's bm25 over the same postings,
   meaning scores the cosine of the query's vector with each paper's, and hybrid scores the
   cosine plus the weighted share of the query's words a paper holds (kb.search.fusion), with
   the constants the build copied from the library. The model loads on the first query by
   meaning, never on a page that does not search.

   An ES module (the pages load it with <script type="module">), beside the modules it wires:
   tokens.js (FTS5's tokens), rank.js (the ranking, pure functions), model.js (the encoder).
   This one holds the page's state: the index once loaded, the model, their status. */

import { ftsTokens, queryTerms } from "./tokens.js";
import {
  cosines, coverage, explain, filterFor, fuse, hits, keywordIndex, keywordRanking, passageIndex,
  semanticRanking, vectorIndex
} from "./rank.js";
import { embedWith, loadEncoder } from "./model.js";

var ROOT = new URL("../../", import.meta.url).href;  // this file is assets/kb/kb-search.js
var SEARCH = ROOT + "assets/kb/search/";
var VENDOR = ROOT + "assets/kb/vendor/";
var MODEL = new URL("assets/kb/model/", ROOT).href;

var state = {
  index: "idle", model: "idle", error: null,
  data: null, dataPromise: null, modelPromise: null, extractor: null,
  keyword: null, vectors: null, passages: null, listeners: []
};

/* ------------------------------------------------------------ the index */

function fetchOk(url, kind) {
  return fetch(url).then(function (r) {
    if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
    return kind === "json" ? r.json() : r.arrayBuffer();
  });
}

function loadIndex() {
  if (state.dataPromise) { return state.dataPromise; }
  state.index = "loading";
  state.dataPromise = fetchOk(SEARCH + "index.json", "json").then(function (data) {
    state.keyword = keywordIndex(data);
    state.data = data;
    if (!data.vectors) { return data; }
    return fetchOk(SEARCH + data.vectors.file, "buffer").then(function (buffer) {
      state.vectors = vectorIndex(data, buffer);
      if (!data.passages) { return data; }
      return fetchOk(SEARCH + data.passages.file, "buffer").then(function (more) {
        state.passages = passageIndex(data, more);
        return data;
      });
    });
  }).then(function (data) {
    state.index = "ready";
    notify();
    return data;
  }, function (error) {
    state.index = "unavailable";
    state.dataPromise = null;
    notify();
    throw error;
  });
  return state.dataPromise;
}

/* ------------------------------------------------------------ the query encoder */

function notify(progress) {
  state.listeners.forEach(function (fn) {
    try {
      if (progress) { fn(status(), progress); } else { fn(status()); }
    } catch (e) { /* a listener's own bug */ }
  });
}

function status() { return { index: state.index, model: state.model, error: state.error }; }

function unavailable(reason) {
  state.model = "unavailable";
  state.error = reason;
  notify();
  return Promise.reject(new Error(reason));
}

function loadModel(onProgress) {
  if (state.modelPromise) { return state.modelPromise; }
  state.modelPromise = loadIndex().then(function (data) {
    if (!data.model || !data.vectors) {
      return unavailable("this site ships no model for search by meaning");
    }
    if (typeof WebAssembly !== "object") {
      return unavailable("this browser runs no WebAssembly");
    }
    state.model = "loading";
    notify();
    return loadEncoder({
      vendor: VENDOR, modelBase: MODEL, name: data.model.name, dtype: data.model.dtype,
      onProgress: function (totals) {
        if (onProgress) { onProgress({ loaded: totals.loaded, total: totals.total }); }
        notify(totals);
      }
    }).then(function (extractor) {
      state.extractor = extractor;
      state.model = "ready";
      state.error = null;
      notify();
      return extractor;
    }, function (error) {
      return unavailable("the model could not be loaded (" + (error && error.message || error) + ")");
    });
  });
  return state.modelPromise;
}

function embed(text) {
  return loadModel().then(function (extractor) { return embedWith(extractor, text); });
}

/* ------------------------------------------------------------ the API */

function search(query, options) {
  var o = options || {};
  var mode = o.mode || "hybrid", k = o.k == null ? 10 : Number(o.k);
  return loadIndex().then(function (data) {
    if (data.rules.modes.indexOf(mode) < 0) {
      throw new Error("unknown search mode " + JSON.stringify(mode) + ": use one of " + data.rules.modes.join(", "));
    }
    query = String(query == null ? "" : query).trim();
    if (!query || k <= 0) { return []; }
    var papers = data.papers, rules = data.rules;
    var ok = filterFor(papers, o);
    var depth = Math.max(k, rules.fusion_depth);
    var matched = new Map();
    var words = keywordRanking(state.keyword, query, mode === "keyword" ? k : depth, ok, matched);
    var cover = coverage(state.keyword, query);
    var terms = queryTerms(query, state.keyword.stopWords);
    var functionWords = new Set(rules.function_words || []);
    function results(ranked, cos, vector, judged) {
      var out = hits(papers, ranked, k, matched, ROOT, function (p, score) {
        var e = explain(papers[p], p, state.passages, terms, cover.weights, cover.held.get(p),
          judged, cos ? cos[p] : null, vector, functionWords, rules.strong.semantic);
        return { matched: e.matched, why: e.why,
          strong: judged in rules.strong ? score >= rules.strong[judged] : null, excerpt: e.excerpt };
      });
      if (judged in rules.strong) { out.strong = out.some(function (h) { return h.strong; }); }
      return out;
    }
    if (mode === "keyword") { return results(words, null, null, "keyword"); }
    return loadModel().then(function () {
      return embed(query);
    }).then(function (vector) {
      var cos = cosines(state.vectors, vector);
      if (mode === "semantic") {
        return results(semanticRanking(state.vectors, vector, k, ok, cos), cos, vector, "semantic");
      }
      var fused = fuse(words, semanticRanking(state.vectors, vector, depth, ok, cos), cos, cover,
        rules.coverage_weight, papers);
      return results(fused, cos, vector, "hybrid");
    }, function (error) {
      if (mode === "semantic") { throw error; }
      var fallback = results(words, null, null, "keyword");
      fallback.note = "Search by meaning is not available: " + state.error +
        ". These results match your words.";
      return fallback;
    });
  });
}

var api = window.kb = window.kb || {};
api.search = search;
api.embed = embed;
api.status = status;
api.loadModel = loadModel;
api.loadIndex = loadIndex;
api.onStatus = function (fn) { state.listeners.push(fn); };
api.root = ROOT;
api.textTokens = ftsTokens;  // FTS5's tokens of a text (for checks against SQLite)
api.queryTerms = function (q) {
  return loadIndex().then(function () { return queryTerms(q, state.keyword.stopWords); });
};

export default api;

/* kb: search the course's papers by keyword and by meaning, in the browser, with no server.

   The API, on every page of the site:

     await window.kb.search(query, {k, mode, session, tag, yearFrom, yearTo, type, key, tier})
       mode: "hybrid" (default), "semantic" or "keyword"; k: how many (default 10).
       tag and key: one, or a list meaning any of them (as kb search's repeated --tag and
       --key); every filter given must hold (the rule of kb.course.filters).
       tier: which model answers by meaning: "auto" (default: the full model when it is
       loaded, else the quick one, loaded on demand), "quick" or "full" (waits for it).
       Resolves to the best papers first: [{key, title, url, score, authors, year, venue,
       type, tags, sessions, matched, why, strong, excerpt}], `matched` being the query's
       content words found in the paper, `why` "keyword", "meaning" or "both", `strong`
       whether the score reaches the threshold of the mode and model (null in keyword mode),
       `excerpt` {text, highlights: [[start, end], ...], by: "words" | "meaning" | "lead"}
       or null. The list's `strong` is false when no result is a strong match (hybrid and
       semantic), its `tier` says which model ranked it: "full", "quick" or "keyword".
       Scores order one result list; they are not comparable across modes or tiers. In
       "hybrid" mode a browser that cannot run a model gets the keyword results, and the
       list carries `note` saying so; "semantic" mode rejects with that reason instead.
     await window.kb.embed(text)     the full model's query vector (384 numbers)
     await window.kb.embedQuick(text)
                                     the quick model's query vector
     window.kb.status()              {index, model, quick, error}: each "idle", "loading",
                                     "ready" or "unavailable" (model: the full model)
     await window.kb.loadModel(onProgress)
                                     load the full model now; onProgress({loaded, total}) in
                                     bytes over every file it downloads (data.model.bytes)
     await window.kb.loadQuick()     load the quick model now (data.quick.bytes)
     await window.kb.loadIndex()     the payload (index.json); window.kb.onStatus(fn) calls
                                     fn(status, progress) on each change; window.kb.root is
                                     the site's address

   Everything comes from the site itself (assets/kb/search/, assets/kb/model/,
   assets/kb/quick/, assets/kb/vendor/): the papers' metadata and passages, their vectors
   (computed by kb, the CLI's own), FTS5's keyword postings, the int8 query encoder run by
   transformers.js, and the quick model (kb.search.static), a table of word-piece vectors
   of a few MB that answers the first query by meaning while the full model (about 40 MB)
   has not loaded. Ranking follows kb.search.engine: keyword scores are kb's bm25 over the
   same postings, meaning scores the cosine of the query's vector with each paper's, and
   hybrid scores the cosine plus the weighted share of the query's words a paper holds
   (kb.search.fusion), with the constants the build copied from the library. A model loads
   on the first query by meaning, never on a page that does not search.

   An ES module (the pages load it with <script type="module">), beside the modules it wires:
   tokens.js (FTS5's tokens), rank.js (the ranking, pure functions), model.js (the encoder),
   quick.js and wordpiece.js (the quick model).
   This one holds the page's state: the index once loaded, the model, their status. */

import { ftsTokens, queryTerms } from "./tokens.js";
import {
  cosines, coverage, explain, filterFor, fuse, hits, keywordIndex, keywordRanking, passageIndex,
  semanticRanking, vectorIndex
} from "./rank.js";
import { countedFetch, embedWith, loadEncoder } from "./model.js";
import { embedQuick, quickModel } from "./quick.js";

var ROOT = new URL("../../", import.meta.url).href;  // this file is assets/kb/kb-search.js
var SEARCH = ROOT + "assets/kb/search/";
var VENDOR = ROOT + "assets/kb/vendor/";
var MODEL = new URL("assets/kb/model/", ROOT).href;

var state = {
  index: "idle", model: "idle", quick: "idle", error: null,
  data: null, dataPromise: null, modelPromise: null, extractor: null, quickPromise: null,
  keyword: null, vectors: null, passages: null, quickModel: null, quickVectors: null,
  quickPassages: null, listeners: []
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
    return data;
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

function status() {
  return { index: state.index, model: state.model, quick: state.quick, error: state.error };
}

function unavailable(reason) {
  state.model = "unavailable";
  state.error = reason;
  notify();
  return Promise.reject(new Error(reason));
}

// Every file the full model downloads is counted: transformers.js and ONNX Runtime's files are
// fetched here (the wasm handed over as bytes, the scripts then come from the browser's
// cache), the model's own files through transformers.js' progress events. The total is the
// build's list of their sizes (data.model.files), so the line is right from its first byte.
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
    var total = data.model.bytes || 0, own = 0, theirs = 0;
    function report() {
      var totals = { loaded: Math.min(own + theirs, total || own + theirs), total: total || own + theirs };
      if (onProgress) { onProgress(totals); }
      notify(totals);
    }
    report();
    var count = function (n) { own += n; report(); };
    var vendorFile = function (name) { return countedFetch(VENDOR + name, count); };
    // the papers' and passages' vectors by the full model come with it
    var vectors = countedFetch(SEARCH + data.vectors.file, count).then(function (buffer) {
      state.vectors = vectorIndex(data, buffer);
      if (!data.passages) { return null; }
      return countedFetch(SEARCH + data.passages.file, count).then(function (more) {
        state.passages = passageIndex(data, more);
      });
    });
    return Promise.all([vendorFile("transformers.min.js"), vendorFile("ort-wasm-simd-threaded.mjs"),
      vendorFile("ort-wasm-simd-threaded.wasm"), vectors]).then(function (files) {
      return loadEncoder({
        vendor: VENDOR, modelBase: MODEL, name: data.model.name, dtype: data.model.dtype,
        wasmBinary: files[2],
        onProgress: function (totals) { theirs = totals.loaded; report(); }
      });
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

// The quick model: its vocabulary and table, and the papers' and passages' vectors by it.
function loadQuick() {
  if (state.quickPromise) { return state.quickPromise; }
  state.quickPromise = loadIndex().then(function (data) {
    var q = data.quick;
    if (!q) { throw new Error("this site ships no quick model"); }
    state.quick = "loading";
    notify();
    return Promise.all([
      fetch(ROOT + q.vocab).then(function (r) {
        if (!r.ok) { throw new Error(q.vocab + ": HTTP " + r.status); }
        return r.text();
      }),
      fetchOk(ROOT + q.embeddings, "buffer"), fetchOk(SEARCH + q.vectors.file, "buffer"),
      fetchOk(SEARCH + q.passages.file, "buffer")
    ]).then(function (parts) {
      state.quickModel = quickModel(parts[0], parts[1], q.count, q.dim, q.unknown, q.special);
      state.quickVectors = vectorIndex({ papers: data.papers, vectors: q.vectors }, parts[2]);
      state.quickPassages = passageIndex({ papers: data.papers, passages: q.passages }, parts[3]);
      state.quick = "ready";
      notify();
      return state.quickModel;
    });
  }).catch(function (error) {
    state.quick = "unavailable";
    state.quickPromise = null;
    notify();
    throw error;
  });
  return state.quickPromise;
}

function embed(text) {
  return loadModel().then(function (extractor) { return embedWith(extractor, text); });
}

/* ------------------------------------------------------------ the API */

// Which model answers a query by meaning: "full" waits for the full model; "quick" takes the
// quick one; "auto" the full one when it is loaded, else the quick one (loaded on demand, a
// few MB), else, where the site has no quick model, the full one.
function meaning(tier) {
  if (tier === "full" || (tier !== "quick" && state.model === "ready") || !state.data.quick) {
    return loadModel().then(function () { return "full"; });
  }
  return loadQuick().then(function () { return "quick"; }, function (error) {
    if (tier === "quick") { throw error; }
    return loadModel().then(function () { return "full"; });
  });
}

function search(query, options) {
  var o = options || {};
  var mode = o.mode || "hybrid", k = o.k == null ? 10 : Number(o.k), tier = o.tier || "auto";
  return loadIndex().then(function (data) {
    if (data.rules.modes.indexOf(mode) < 0) {
      throw new Error("unknown search mode " + JSON.stringify(mode) + ": use one of " + data.rules.modes.join(", "));
    }
    if (["auto", "quick", "full"].indexOf(tier) < 0) {
      throw new Error("unknown tier " + JSON.stringify(tier) + ": use auto, quick or full");
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
    function results(ranked, cos, vector, judged, used) {
      var strong = used === "quick" ? rules.strong_quick : rules.strong;
      var passages = used === "quick" ? state.quickPassages : state.passages;
      var out = hits(papers, ranked, k, matched, ROOT, function (p, score) {
        var e = explain(papers[p], p, passages, terms, cover.weights, cover.held.get(p),
          judged, cos ? cos[p] : null, vector, functionWords, strong.semantic);
        return { matched: e.matched, why: e.why,
          strong: judged in strong ? score >= strong[judged] : null, excerpt: e.excerpt };
      });
      if (judged in strong) { out.strong = out.some(function (h) { return h.strong; }); }
      out.tier = used;
      return out;
    }
    if (mode === "keyword") { return results(words, null, null, "keyword", "keyword"); }
    var used = null;
    return meaning(tier).then(function (chosen) {
      used = chosen;
      return used === "quick" ? embedQuick(state.quickModel, query, data.quick.centre) : embed(query);
    }).then(function (vector) {
      var index = used === "quick" ? state.quickVectors : state.vectors;
      var cos = cosines(index, vector);
      if (mode === "semantic") {
        return results(semanticRanking(index, vector, k, ok, cos), cos, vector, "semantic", used);
      }
      var fused = fuse(words, semanticRanking(index, vector, depth, ok, cos), cos, cover,
        used === "quick" ? rules.coverage_weight_quick : rules.coverage_weight, papers);
      return results(fused, cos, vector, "hybrid", used);
    }, function (error) {
      if (mode === "semantic") { throw error; }
      var fallback = results(words, null, null, "keyword", "keyword");
      fallback.note = "Search by meaning is not available: " + (state.error || error.message) +
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
api.loadQuick = loadQuick;
api.embedQuick = function (text) {
  return loadQuick().then(function (model) { return embedQuick(model, text, state.data.quick.centre); });
};
api.loadIndex = loadIndex;
api.onStatus = function (fn) { state.listeners.push(fn); };
api.root = ROOT;
api.textTokens = ftsTokens;  // FTS5's tokens of a text (for checks against SQLite)
api.queryTerms = function (q) {
  return loadIndex().then(function () { return queryTerms(q, state.keyword.stopWords); });
};

export default api;

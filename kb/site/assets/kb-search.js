/* kb: search the course's papers by keyword and by meaning, in the browser, with no server.

   The API, on every page of the site:

     await window.kb.search(query, {k, mode, session, tag, yearFrom, yearTo, type})
       mode: "hybrid" (default), "semantic" or "keyword"; k: how many (default 10).
       Resolves to the best papers first: [{key, title, url, score, authors, year, venue,
       type, tags, sessions, matched}], `matched` being the query's words found in the paper.
       Scores order one result list; they are not comparable across modes. In "hybrid" mode
       a browser that cannot run the model gets the keyword results, and the list carries
       `note` saying so; "semantic" mode rejects with that reason instead.
     await window.kb.embed(text)     the query vector (384 numbers), as search uses it
     window.kb.status()              {index, model, error}: "idle", "loading", "ready",
                                     "unavailable"
     await window.kb.loadModel(onProgress)
                                     load the query encoder now; onProgress({loaded, total})

   Everything comes from the site itself (assets/kb/search/, assets/kb/model/,
   assets/kb/vendor/): the papers' metadata, their vectors (computed by kb, the CLI's own),
   FTS5's keyword postings, the int8 query encoder run by transformers.js. Ranking follows
   kb.search.engine: keyword scores are FTS5's bm25 over the same postings, meaning scores
   the cosine of the query's vector with each paper's, and hybrid fuses the two rankings by
   weighted reciprocal rank fusion with the constants the build copied from the library. The
   model loads on the first query by meaning, never on a page that does not search. */
(function () {
  "use strict";

  var script = document.currentScript;
  var ROOT = new URL("../../", script && script.src ? script.src : location.href).href;
  var SEARCH = ROOT + "assets/kb/search/";
  var VENDOR = ROOT + "assets/kb/vendor/";

  var state = {
    index: "idle", model: "idle", error: null,
    data: null, dataPromise: null, modelPromise: null, extractor: null,
    vectors: null, scales: null, dim: 0, postings: null, avgdl: 0, listeners: []
  };

  /* ------------------------------------------------------------ text, as FTS5 reads it */

  function isVowel(c, prevCons) {
    return c === "a" || c === "e" || c === "i" || c === "o" || c === "u" ||
      (prevCons && c === "y");
  }

  // The offset just after the first vowel-consonant run of z from `start`, or -1.
  function vcRun(z, start, prevCons) {
    var cons = prevCons, i = start;
    for (; i < z.length; i++) {
      cons = !isVowel(z[i], cons);
      if (!cons) { break; }
    }
    for (i++; i < z.length; i++) {
      cons = !isVowel(z[i], cons);
      if (cons) { return i + 1; }
    }
    return -1;
  }

  function mGt0(s) { return vcRun(s, 0, false) >= 0; }
  function mGt1(s) { var n = vcRun(s, 0, false); return n >= 0 && vcRun(s, n, true) >= 0; }
  function mEq1(s) { var n = vcRun(s, 0, false); return n >= 0 && vcRun(s, n, true) < 0; }
  function hasVowel(s) {
    for (var i = 0; i < s.length; i++) { if (isVowel(s[i], i > 0)) { return true; } }
    return false;
  }
  function cvc(s) {  // *o: ends consonant-vowel-consonant, the last not w, x or y
    if (!s.length || "wxy".indexOf(s[s.length - 1]) >= 0) { return false; }
    var mask = 0, cons = false;
    for (var i = 0; i < s.length; i++) {
      cons = !isVowel(s[i], cons);
      mask = ((mask << 1) | (cons ? 1 : 0)) & 7;
    }
    return mask === 5;
  }
  function mGt1ST(s) { var c = s[s.length - 1]; return (c === "s" || c === "t") && mGt1(s); }

  var STEP1B = [["eed", mGt0, "ee", false], ["ed", hasVowel, "", true], ["ing", hasVowel, "", true]];
  var STEP1B2 = [["at", null, "ate", true], ["bl", null, "ble", true], ["iz", null, "ize", true]];
  var STEP2 = [["ational", "ate"], ["tional", "tion"], ["enci", "ence"], ["anci", "ance"],
    ["izer", "ize"], ["logi", "log"], ["bli", "ble"], ["alli", "al"], ["entli", "ent"],
    ["eli", "e"], ["ousli", "ous"], ["ization", "ize"], ["ation", "ate"], ["ator", "ate"],
    ["alism", "al"], ["iveness", "ive"], ["fulness", "ful"], ["ousness", "ous"],
    ["aliti", "al"], ["iviti", "ive"], ["biliti", "ble"]].map(function (r) {
    return [r[0], mGt0, r[1], false];
  });
  var STEP3 = [["icate", "ic"], ["ative", ""], ["alize", "al"], ["iciti", "ic"], ["ical", "ic"],
    ["ful", ""], ["ness", ""]].map(function (r) { return [r[0], mGt0, r[1], false]; });
  var STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent",
    "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize"].map(function (s) {
    return [s, s === "ion" ? mGt1ST : mGt1, "", false];
  });

  // The first rule whose suffix ends the word decides (even when its condition fails).
  function apply(word, rules) {
    for (var i = 0; i < rules.length; i++) {
      var suffix = rules[i][0];
      if (word.length > suffix.length && word.slice(-suffix.length) === suffix) {
        var stem = word.slice(0, -suffix.length);
        if (rules[i][1] && !rules[i][1](stem)) { return [word, false]; }
        return [stem + rules[i][2], rules[i][3]];
      }
    }
    return [word, false];
  }

  var encoder = new TextEncoder();

  // SQLite FTS5's porter stemmer: tokens under 3 or over 64 bytes pass through.
  function stem(token) {
    var bytes = encoder.encode(token).length;
    if (bytes < 3 || bytes > 64) { return token; }
    var w = token, n = w.length, r;
    if (w[n - 1] === "s") {
      if (w[n - 2] === "e") {
        w = (n > 4 && w.slice(-4) === "sses") || (n > 3 && w[n - 3] === "i") ? w.slice(0, -2) : w.slice(0, -1);
      } else if (w[n - 2] !== "s") {
        w = w.slice(0, -1);
      }
    }
    r = apply(w, STEP1B);
    w = r[0];
    if (r[1]) {
      r = apply(w, STEP1B2);
      w = r[0];
      if (!r[1]) {
        var c = w[w.length - 1];
        if (!isVowel(c, false) && c !== "l" && c !== "s" && c !== "z" && c === w[w.length - 2]) {
          w = w.slice(0, -1);
        } else if (mEq1(w) && cvc(w)) {
          w += "e";
        }
      }
    }
    if (w[w.length - 1] === "y" && hasVowel(w.slice(0, -1))) { w = w.slice(0, -1) + "i"; }
    w = apply(w, STEP2)[0];
    w = apply(w, STEP3)[0];
    w = apply(w, STEP4)[0];
    if (w[w.length - 1] === "e") {
      var s = w.slice(0, -1);
      if (mGt1(s) || (mEq1(s) && !cvc(s))) { w = s; }
    }
    if (w.length > 1 && w.slice(-2) === "ll" && mGt1(w.slice(0, -1))) { w = w.slice(0, -1); }
    return w;
  }

  // unicode61 (letters, numbers, private use; case and diacritics folded), then porter.
  var TOKEN = /[\p{L}\p{N}\p{Co}][\p{L}\p{N}\p{Co}\p{M}]*/gu;
  function ftsTokens(text) {
    return (text.match(TOKEN) || []).map(function (t) {
      return stem(t.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC"));
    });
  }

  // kb.search.keyword.query_terms: words, lower-cased, stop words dropped, each once.
  var WORD = /[\p{L}\p{N}_]+/gu;
  function queryTerms(query, stopWords) {
    var words = (query.match(WORD) || []).map(function (w) { return w.toLowerCase(); });
    var kept = words.filter(function (w) { return !stopWords.has(w); });
    var seen = new Set();
    return (kept.length ? kept : words).filter(function (w) {
      if (seen.has(w)) { return false; }
      seen.add(w);
      return true;
    });
  }

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
      var kw = data.keyword;
      state.postings = new Map(Object.entries(kw.terms));
      var total = kw.lengths.reduce(function (a, b) { return a + b; }, 0);
      state.avgdl = kw.rows ? total / kw.rows : 0;
      state.stopWords = new Set(data.rules.stop_words);
      state.byKey = new Map(data.papers.map(function (p, i) { return [p.key, i]; }));
      state.data = data;
      if (!data.vectors) { return data; }
      return fetchOk(SEARCH + data.vectors.file, "buffer").then(function (buffer) {
        var n = data.vectors.count;
        state.dim = data.vectors.dim;
        state.scales = new Float32Array(buffer, 0, n);
        state.vectors = new Int8Array(buffer, 4 * n, n * state.dim);
        return data;
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

  function allowed(paper, o) {
    if (o.session != null && o.session !== "" && paper.sessions.indexOf(Number(o.session)) < 0) { return false; }
    if (o.tag && paper.tags.indexOf(o.tag) < 0) { return false; }
    if (o.yearFrom != null && o.yearFrom !== "" && !(paper.year != null && paper.year >= Number(o.yearFrom))) { return false; }
    if (o.yearTo != null && o.yearTo !== "" && !(paper.year != null && paper.year <= Number(o.yearTo))) { return false; }
    if (o.type && String(paper.type).toLowerCase() !== String(o.type).toLowerCase()) { return false; }
    return true;
  }

  function byScoreThenKey(papers) {
    return function (a, b) {
      return b[1] - a[1] || (papers[a[0]].key < papers[b[0]].key ? -1 : 1);
    };
  }

  // FTS5's bm25 (fts5_aux.c) over the shipped postings: each query word is a quoted phrase;
  // a phrase of several tokens (a word FTS5 splits) counts where all its tokens occur.
  function keywordRanking(query, depth, ok, matched) {
    var data = state.data, rules = data.rules.bm25;
    var n = data.keyword.rows, lengths = data.keyword.lengths;
    var scores = new Map();
    queryTerms(query, state.stopWords).forEach(function (word) {
      var tokens = ftsTokens(word);
      if (!tokens.length) { return; }
      var freq = null;
      tokens.forEach(function (t) {
        var list = state.postings.get(t) || [], here = new Map();
        for (var i = 0; i < list.length; i += 2) {
          if (!freq || freq.has(list[i])) { here.set(list[i], freq ? Math.min(freq.get(list[i]), list[i + 1]) : list[i + 1]); }
        }
        freq = here;
      });
      var idf = Math.log((0.5 + n - freq.size) / (0.5 + freq.size));
      if (idf <= 0) { idf = 1e-6; }
      freq.forEach(function (f, doc) {
        var norm = f + rules.k1 * (1 - rules.b + rules.b * lengths[doc] / state.avgdl);
        scores.set(doc, (scores.get(doc) || 0) + idf * f * (rules.k1 + 1) / norm);
        if (matched) {
          if (!matched.has(doc)) { matched.set(doc, []); }
          matched.get(doc).push(word);
        }
      });
    });
    var ranked = [];
    scores.forEach(function (s, doc) { if (!ok || ok(doc)) { ranked.push([doc, s]); } });
    ranked.sort(byScoreThenKey(data.papers));
    return ranked.slice(0, depth);
  }

  function semanticRanking(vector, depth, ok) {
    var n = state.data.vectors.count, dim = state.dim, v = state.vectors, scales = state.scales;
    var q = Float32Array.from(vector), scores = new Float64Array(n), order = [];
    for (var i = 0; i < n; i++) {
      if (ok && !ok(i)) { continue; }
      var dot = 0, at = i * dim;
      for (var j = 0; j < dim; j++) { dot += v[at + j] * q[j]; }
      scores[i] = dot * scales[i];
      order.push(i);
    }
    var papers = state.data.papers;
    order.sort(function (a, b) {
      return scores[b] - scores[a] || (papers[a].key < papers[b].key ? -1 : 1);
    });
    return order.slice(0, depth).map(function (i) { return [i, scores[i]]; });
  }

  // kb.search.engine.rrf: score(d) = sum_i w_i / (RRF_K + rank_i(d)), ties by key.
  function fuse(rankings, weights) {
    var k = state.data.rules.rrf_k, scores = new Map();
    rankings.forEach(function (ranking, r) {
      ranking.forEach(function (item, rank) {
        scores.set(item[0], (scores.get(item[0]) || 0) + weights[r] / (k + rank + 1));
      });
    });
    var fused = Array.from(scores.entries());
    fused.sort(byScoreThenKey(state.data.papers));
    return fused;
  }

  function hits(ranked, k, matched) {
    var papers = state.data.papers;
    return ranked.slice(0, k).map(function (item) {
      var p = papers[item[0]];
      return {
        key: p.key, title: p.title, url: new URL(p.url, ROOT).href,
        score: Math.round(item[1] * 1e6) / 1e6, authors: p.authors, year: p.year,
        venue: p.venue, type: p.type, tags: p.tags, sessions: p.sessions,
        matched: (matched && matched.get(item[0])) || []
      };
    });
  }

  /* ------------------------------------------------------------ the query encoder */

  function notify() {
    state.listeners.forEach(function (fn) { try { fn(status()); } catch (e) { /* a listener's own bug */ } });
  }

  function status() { return { index: state.index, model: state.model, error: state.error }; }

  function unavailable(reason) {
    state.model = "unavailable";
    state.error = reason;
    notify();
    return Promise.reject(new Error(reason));
  }

  // transformers.js asks for each model file twice, once for its size (reading only the
  // headers) and once for its body: one download serves both.
  function sharedFetch(prefix) {
    var pending = new Map();
    return function (url, init) {
      var key = new URL(String(url && url.url ? url.url : url), location.href).href;
      var headers = new Headers((init && init.headers) || {});
      if (key.indexOf(prefix) !== 0 || headers.has("Range") || (init && init.method && init.method !== "GET")) {
        return fetch(url, init);
      }
      var entry = pending.get(key);
      if (!entry) {
        entry = { response: fetch(url, init), uses: 0 };
        pending.set(key, entry);
      }
      entry.uses += 1;
      if (entry.uses >= 2) { pending.delete(key); }
      return entry.response.then(function (r) { return r.clone(); });
    };
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
      var files = new Map();
      function progress(event) {
        if (event.status !== "progress" || !event.file) { return; }
        files.set(event.file, [event.loaded || 0, event.total || 0]);
        var loaded = 0, total = 0;
        files.forEach(function (f) { loaded += f[0]; total += f[1]; });
        if (onProgress) { onProgress({ loaded: loaded, total: total }); }
        state.listeners.forEach(function (fn) { try { fn(status(), { loaded: loaded, total: total }); } catch (e) { /* ignore */ } });
      }
      return import(VENDOR + "transformers.min.js").then(function (T) {
        T.env.allowRemoteModels = false;
        T.env.allowLocalModels = true;
        T.env.localModelPath = new URL("assets/kb/model/", ROOT).pathname;
        var wasm = T.env.backends.onnx.wasm;
        wasm.wasmPaths = { mjs: VENDOR + "ort-wasm-simd-threaded.mjs",
          wasm: VENDOR + "ort-wasm-simd-threaded.wasm" };
        wasm.numThreads = 1;  // threads need cross-origin isolation and gain nothing here
        wasm.proxy = false;
        T.env.fetch = sharedFetch(new URL("assets/kb/model/", ROOT).href);
        return T.pipeline("feature-extraction", data.model.name,
          { dtype: data.model.dtype, device: "wasm", progress_callback: progress });
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
    return loadModel().then(function (extractor) {
      return extractor(text, { pooling: "mean", normalize: true });
    }).then(function (out) { return Array.from(out.data); });
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
      var papers = data.papers;
      var filtered = ["session", "tag", "yearFrom", "yearTo", "type"].some(function (name) {
        return o[name] != null && o[name] !== "";
      });
      var ok = filtered ? function (i) { return allowed(papers[i], o); } : null;
      var depth = Math.max(k, data.rules.fusion_depth);
      var matched = new Map();
      var words = keywordRanking(query, mode === "keyword" ? k : depth, ok, matched);
      if (mode === "keyword") { return hits(words, k, matched); }
      return loadModel().then(function () {
        return embed(query);
      }).then(function (vector) {
        if (mode === "semantic") { return hits(semanticRanking(vector, k, ok), k, matched); }
        var fused = fuse([words, semanticRanking(vector, depth, ok)],
          [data.rules.keyword_weight, data.rules.semantic_weight]);
        return hits(fused, k, matched);
      }, function (error) {
        if (mode === "semantic") { throw error; }
        var fallback = hits(words, k, matched);
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
    return loadIndex().then(function () { return queryTerms(q, state.stopWords); });
  };
})();

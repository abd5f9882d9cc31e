/* kb: the ranking rule of kb.search.engine over the payload the build ships (index.json,
   vectors.bin and passages.bin, kb/site/semantic.py), and the explanation of each result
   (kb.search.explain). Pure functions: each takes its data as arguments and reads no global,
   fetches nothing and touches no DOM, so Node's tests (tests/js/rank.test.mjs) run them on a
   payload of three papers.

     keywordIndex(data)                      the keyword part of index.json, ready to rank
     vectorIndex(data, buffer)               vectors.bin: N float32 scales, then N x dim int8
     passageIndex(data, buffer)              passages.bin: the same for the papers' passages
     keywordRanking(index, query, depth, ok, matched)
                                             kb's bm25 over the postings: [[paper, score]]
     cosines(index, vector)                  the cosine of the query's vector with each paper's
     semanticRanking(index, vector, depth, ok)
                                             the papers by cosine: [[paper, cosine]]
     coverage(index, query)                  {weights, held}: each query word's idf share, and
                                             per paper the words it holds
     fuse(words, meaning, cos, cover, weight, papers)
                                             kb.search.fusion: cosine + weight x coverage over
                                             the papers of either ranking, ties by key
     explain(paper, p, passages, words, weights, held, mode, cos, vector, functionWords,
             strongSemantic)                 matched, why and excerpt of paper p (its position)
     filterFor(papers, options)              the filters as a test of a paper's position, or null
     hits(papers, ranked, k, matched, root, extra)
                                             the results as window.kb.search gives them

   A ranking is a list of [position in data.papers, score], best first; ties go to the smaller
   key, as in kb.search.engine. `ok(position)` says whether a paper passes the filters (null:
   every paper does); `matched`, a Map when given, collects per paper the query's words found. */

import { ftsTokens, queryTerms, tokenSpans } from "./tokens.js";

// The options of window.kb.search that select papers.
export var FILTERS = ["session", "tag", "yearFrom", "yearTo", "type", "key"];

export function keywordIndex(data) {
  var kw = data.keyword;
  var total = kw.lengths.reduce(function (a, b) { return a + b; }, 0);
  return {
    papers: data.papers, rows: kw.rows, lengths: kw.lengths, bm25: data.rules.bm25,
    postings: new Map(Object.entries(kw.terms)), avgdl: kw.rows ? total / kw.rows : 0,
    stopWords: new Set(data.rules.stop_words)
  };
}

export function vectorIndex(data, buffer) {
  var n = data.vectors.count, dim = data.vectors.dim;
  return {
    papers: data.papers, count: n, dim: dim,
    scales: new Float32Array(buffer, 0, n), vectors: new Int8Array(buffer, 4 * n, n * dim)
  };
}

// The passages' rows of paper i are offsets[i] .. offsets[i + 1] (papers[i].passages in order).
export function passageIndex(data, buffer) {
  var n = data.passages.count, dim = data.passages.dim, offsets = [0];
  data.papers.forEach(function (p) { offsets.push(offsets[offsets.length - 1] + (p.passages || []).length); });
  return {
    count: n, dim: dim, offsets: offsets,
    scales: new Float32Array(buffer, 0, n), vectors: new Int8Array(buffer, 4 * n, n * dim)
  };
}

export function byScoreThenKey(papers) {
  return function (a, b) {
    return b[1] - a[1] || (papers[a[0]].key < papers[b[0]].key ? -1 : 1);
  };
}

// The papers holding a query word, with its count in each: a word of several tokens (one
// FTS5 splits) is held where all its tokens occur, its count the smallest of theirs.
function holders(index, word) {
  var tokens = ftsTokens(word);
  if (!tokens.length) { return null; }
  var freq = null;
  tokens.forEach(function (t) {
    var list = index.postings.get(t) || [], here = new Map();
    for (var i = 0; i < list.length; i += 2) {
      if (!freq || freq.has(list[i])) { here.set(list[i], freq ? Math.min(freq.get(list[i]), list[i + 1]) : list[i + 1]); }
    }
    freq = here;
  });
  return freq;
}

// kb.search.keyword's bm25 over the shipped postings: FTS5's (fts5_aux.c) with Lucene's idf,
// ln(1 + (N - n + 0.5) / (n + 0.5)), above 0 however many papers hold the word. Each query
// word is a quoted phrase; a phrase of several tokens (a word FTS5 splits) counts where all
// its tokens occur.
export function keywordRanking(index, query, depth, ok, matched) {
  var rules = index.bm25, n = index.rows, lengths = index.lengths;
  var scores = new Map();
  queryTerms(query, index.stopWords).forEach(function (word) {
    var freq = holders(index, word);
    if (!freq) { return; }
    var idf = Math.log(1 + (n - freq.size + 0.5) / (freq.size + 0.5));
    freq.forEach(function (f, doc) {
      var norm = f + rules.k1 * (1 - rules.b + rules.b * lengths[doc] / index.avgdl);
      scores.set(doc, (scores.get(doc) || 0) + idf * f * (rules.k1 + 1) / norm);
      if (matched) {
        if (!matched.has(doc)) { matched.set(doc, []); }
        matched.get(doc).push(word);
      }
    });
  });
  var ranked = [];
  scores.forEach(function (s, doc) { if (!ok || ok(doc)) { ranked.push([doc, s]); } });
  ranked.sort(byScoreThenKey(index.papers));
  return ranked.slice(0, depth);
}

// Rows kept as int8 times one scale each, the query a unit vector: the cosine is the dot
// product (rows `from` .. `to` of an index; every paper's by default).
function dots(index, vector, from, to) {
  var dim = index.dim, v = index.vectors, scales = index.scales;
  var q = Float32Array.from(vector), out = new Float64Array(to - from);
  for (var i = from; i < to; i++) {
    var dot = 0, at = i * dim;
    for (var j = 0; j < dim; j++) { dot += v[at + j] * q[j]; }
    out[i - from] = dot * scales[i];
  }
  return out;
}

export function cosines(index, vector) {
  return dots(index, vector, 0, index.count);
}

export function semanticRanking(index, vector, depth, ok, all) {
  var scores = all || cosines(index, vector), order = [];
  for (var i = 0; i < index.count; i++) {
    if (!ok || ok(i)) { order.push(i); }
  }
  var papers = index.papers;
  order.sort(function (a, b) {
    return scores[b] - scores[a] || (papers[a].key < papers[b].key ? -1 : 1);
  });
  return order.slice(0, depth).map(function (i) { return [i, scores[i]]; });
}

// kb.search.fusion.idf: the classic idf (FTS5's), 0 where it is not above 0.
function idf(hits, total) {
  return total > 0 ? Math.max(0, Math.log((total - hits + 0.5) / (hits + 0.5))) : 0;
}

// kb.search.fusion.term_weights and the words each paper holds: {weights: Map(word -> share),
// held: Map(paper -> Set of words)}. A word no paper holds still counts in the shares.
export function coverage(index, query) {
  var raw = new Map(), held = new Map(), whole = 0;
  queryTerms(query, index.stopWords).forEach(function (word) {
    var freq = holders(index, word);
    if (!freq) { return; }
    var w = idf(freq.size, index.rows);
    raw.set(word, w);
    whole += w;
    freq.forEach(function (f, doc) {
      if (!held.has(doc)) { held.set(doc, new Set()); }
      held.get(doc).add(word);
    });
  });
  var weights = new Map();
  raw.forEach(function (w, word) { weights.set(word, whole > 0 ? w / whole : 0); });
  return { weights: weights, held: held };
}

function covered(words, weights) {
  var sum = 0;
  if (words) { words.forEach(function (w) { sum += weights.get(w) || 0; }); }
  return sum;
}

// kb.search.fusion: score = cosine + weight x coverage, over the papers of either ranking
// (each cut by the caller at max(k, FUSION_DEPTH)); ties go to the smaller key.
export function fuse(words, meaning, cos, cover, weight, papers) {
  var seen = new Set(), fused = [];
  words.concat(meaning).forEach(function (item) {
    var doc = item[0];
    if (seen.has(doc)) { return; }
    seen.add(doc);
    fused.push([doc, cos[doc] + weight * covered(cover.held.get(doc), cover.weights)]);
  });
  fused.sort(byScoreThenKey(papers));
  return fused;
}

// Where a query word's tokens stand in a sentence's tokens, in a row: [[start, end], ...].
function found(spans, tokens) {
  var out = [];
  for (var i = 0; i + tokens.length <= spans.length; i++) {
    var all = true;
    for (var j = 0; j < tokens.length && all; j++) { all = spans[i + j].token === tokens[j]; }
    if (all) { out.push([spans[i].start, spans[i + tokens.length - 1].end]); }
  }
  return out;
}

// kb.search.explain for paper p: {matched, why, excerpt: {text, highlights, by} or null}.
// `passages`: the passage index or null; `words`: the query's words; `held`: the words p holds;
// `cos`: p's cosine (null in keyword mode); `vector`: the query's (null in keyword mode).
export function explain(paper, p, passages, words, weights, held, mode, cos, vector, functionWords,
  strongSemantic) {
  var content = words.filter(function (w) { return !functionWords.has(w); });
  var sentences = paper.passages || [], best = -1, bestKey = null, marks = [];
  sentences.forEach(function (sentence, i) {
    var spans = tokenSpans(sentence), has = [], here = [];
    content.forEach(function (w) {
      var at = found(spans, ftsTokens(w));
      if (at.length) { has.push(w); here = here.concat(at); }
    });
    if (!has.length) { return; }
    var rank = [covered(has, weights), has.length];
    if (bestKey === null || rank[0] > bestKey[0] || (rank[0] === bestKey[0] && rank[1] > bestKey[1])) {
      best = i;
      bestKey = rank;
      marks = here;
    }
  });
  var excerpt = null;
  if (best >= 0) {
    marks.sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    marks.forEach(function (m) {
      var last = merged[merged.length - 1];
      if (last && m[0] <= last[1]) { last[1] = Math.max(last[1], m[1]); } else { merged.push([m[0], m[1]]); }
    });
    excerpt = { text: sentences[best], highlights: merged, by: "words" };
  } else if (sentences.length && vector && passages && passages.offsets[p + 1] - passages.offsets[p] === sentences.length) {
    var sims = dots(passages, vector, passages.offsets[p], passages.offsets[p + 1]), top = 0;
    for (var i = 1; i < sims.length; i++) { if (sims[i] > sims[top]) { top = i; } }
    excerpt = { text: sentences[top], highlights: [], by: "meaning" };
  } else if (sentences.length) {
    excerpt = { text: sentences[0], highlights: [], by: "lead" };
  }
  var matched = content.filter(function (w) { return held && held.has(w); });
  var close = cos != null && cos >= strongSemantic;
  var why = mode === "keyword" ? "keyword" : matched.length && close ? "both" : matched.length ? "keyword" : "meaning";
  return { matched: matched, why: why, excerpt: excerpt };
}

function given(value) {
  return value != null && value !== "";
}

// A string, or a list meaning any of its items (empty items ignored).
function anyOf(value) {
  return (Array.isArray(value) ? value : [value]).filter(Boolean);
}

// The rule of kb.course.filters.Filters (every given condition holds), with the API's names:
// session (its number: on its reading list), tag (one tag, or a list: any of them, as repeated
// --tag), yearFrom and yearTo (both included; a paper without a year passes neither), type
// (any case), key (one key, or a list: any of them). Unset, "" or [] is no condition.
// tests/data/filter_rule.json holds the cases this, the CLI's SQL and Python all pass.
export function allowed(paper, o) {
  if (given(o.session) && paper.sessions.indexOf(Number(o.session)) < 0) { return false; }
  var tags = anyOf(o.tag);
  if (tags.length && !tags.some(function (t) { return paper.tags.indexOf(t) >= 0; })) { return false; }
  if (given(o.yearFrom) && !(paper.year != null && paper.year >= Number(o.yearFrom))) { return false; }
  if (given(o.yearTo) && !(paper.year != null && paper.year <= Number(o.yearTo))) { return false; }
  if (o.type && String(paper.type).toLowerCase() !== String(o.type).toLowerCase()) { return false; }
  var keys = anyOf(o.key);
  if (keys.length && keys.indexOf(paper.key) < 0) { return false; }
  return true;
}

export function hasFilters(o) {
  return FILTERS.some(function (name) { return given(o[name]); });
}

export function filterFor(papers, o) {
  return hasFilters(o) ? function (i) { return allowed(papers[i], o); } : null;
}

// The best k as results; `root` is the site's address, which the papers' urls are relative to;
// `extra(position, score)`, when given, adds fields (the explanation) to each.
export function hits(papers, ranked, k, matched, root, extra) {
  return ranked.slice(0, k).map(function (item) {
    var p = papers[item[0]];
    var hit = {
      key: p.key, title: p.title, url: new URL(p.url, root).href,
      score: Math.round(item[1] * 1e6) / 1e6, authors: p.authors, year: p.year,
      venue: p.venue, type: p.type, tags: p.tags, sessions: p.sessions,
      matched: (matched && matched.get(item[0])) || []
    };
    return extra ? Object.assign(hit, extra(item[0], item[1])) : hit;
  });
}

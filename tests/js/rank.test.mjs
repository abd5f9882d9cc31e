// rank.js: bm25, cosine ranking, fusion, explanations, filters and results on the three-paper
// payload.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  allowed, cosines, coverage, explain, filterFor, fuse, hasFilters, hits, keywordIndex,
  keywordRanking, passageIndex, semanticRanking, vectorIndex
} from "../../kb/site/assets/rank.js";
import { FUNCTION_WORDS, payload, passagesBuffer, vectorsBuffer } from "./payload.mjs";

const ZETA = 0, ALPHA = 1, MID = 2;  // positions in payload().papers
const close = (got, want, what) => assert.ok(Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)),
  `${what}: ${got} != ${want}`);

// kb's bm25 by hand: idf = ln(1 + (N - n + 0.5) / (n + 0.5)) (Lucene's, above 0 for every
// word), and per paper idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len / avglen)); N = 3,
// avglen = 12 / 3 = 4, k1 = 1.2, b = 0.75. kb.search.keyword.bm25_top over the same three texts
// in FTS5 (see payload.mjs) gives the same numbers, to its 9 places.
const IDF1 = Math.log(1 + 2.5 / 1.5);  // a word in one paper of three: ln(8/3) = 0.9808...
const IDF2 = Math.log(1 + 1.5 / 2.5);  // a word in two papers of three: ln(1.6) = 0.4700...

function index() { return keywordIndex(payload()); }
function ranked(query, depth = 10, ok = null, matched = undefined) {
  return keywordRanking(index(), query, depth, ok, matched);
}

test("the keyword index: postings, average length, stop words", () => {
  const kw = index();
  assert.equal(kw.avgdl, 4);
  assert.deepEqual(kw.postings.get("reward"), [0, 2, 1, 1]);
  assert.ok(kw.stopWords.has("the"));
  assert.equal(keywordIndex(payload({ top: { keyword: { rows: 0, lengths: [], terms: {} } } })).avgdl, 0);
});

test("bm25 of one word in one paper of average length is its idf", () => {
  // f = 1, len = 4: tf = 1 * 2.2 / (1 + 1.2 * (0.25 + 0.75)) = 1
  const got = ranked("models");
  assert.deepEqual(got.map((x) => x[0]), [ZETA]);
  close(got[0][1], IDF1, "model");  // kb: 0.980829253
});

test("bm25 counts the frequency against the paper's length", () => {
  // "scaling" -> scale: f = 2 in paper 2 of length 2: norm = 2 + 1.2 * (0.25 + 0.75 * 0.5) = 2.75
  close(ranked("scaling")[0][1], IDF1 * 2 * 2.2 / 2.75, "scale");  // kb: 1.569326805
  // "hf": f = 3 in paper 1 of length 6: norm = 3 + 1.2 * (0.25 + 0.75 * 1.5) = 4.65
  close(ranked("hf")[0][1], IDF1 * 3 * 2.2 / 4.65, "hf");  // kb: 1.392144746
});

test("a word in most papers still weighs: its hits score by their counts, not FTS5's 1e-6", () => {
  // "reward": n = 2 of 3, FTS5's ln(1.5 / 2.5) < 0 would be floored to 1e-6 (every hit
  // 0.0000); kb's ln(1 + 1.5 / 2.5) is not. Paper 0: f 2, len 4: norm 2 + 1.2 = 3.2;
  // paper 1: f 1, len 6: norm 1 + 1.2 * (0.25 + 1.125) = 2.65
  const got = ranked("rewards");
  assert.deepEqual(got.map((x) => x[0]), [ZETA, ALPHA]);
  close(got[0][1], IDF2 * 2 * 2.2 / 3.2, "reward 0");  // kb: 0.64625499
  close(got[1][1], IDF2 * 1 * 2.2 / 2.65, "reward 1");  // kb: 0.390191692
  assert.ok(got[1][1] > 0.3);
});

test("the query's words add up; stop words and repeats count once or not at all", () => {
  const want = [[ZETA, IDF2 * 2 * 2.2 / 3.2 + IDF1], [ALPHA, IDF2 * 2.2 / 2.65]];
  // kb, "reward models": 1.627084243 and 0.390191692
  for (const query of ["reward models", "the reward of the models", "Reward reward MODELS models"]) {
    const got = ranked(query);
    assert.deepEqual(got.map((x) => x[0]), want.map((x) => x[0]), query);
    got.forEach((x, i) => close(x[1], want[i][1], query));
  }
  assert.deepEqual(ranked("the"), []);  // only stop words: searched as they are; no paper has it
  assert.deepEqual(ranked("nothing here"), []);
  assert.deepEqual(ranked(""), []);
});

test("a word FTS5 splits is a phrase: papers holding all its tokens, the rarest count", () => {
  // rl_hf -> "rl hf": only paper 1, f = min(1, 3) = 1, len 6: 1 * 2.2 / 2.65
  const got = ranked("rl_hf");
  assert.deepEqual(got.map((x) => x[0]), [ALPHA]);
  close(got[0][1], IDF1 * 2.2 / 2.65, "rl_hf");  // kb, '"rl hf"': 0.814273342
});

test("column-weighted counts enter bm25 as they are", () => {
  // A title word counts twice (column_weights): the build ships f = 2.5 for one in the title
  // and half a count elsewhere; tf = 2.5 * 2.2 / (2.5 + 1.2 * 1) for paper 0 (length 4).
  const data = payload();
  data.keyword.terms.model = [0, 2.5];
  close(keywordRanking(keywordIndex(data), "model", 10, null)[0][1], IDF1 * 2.5 * 2.2 / 3.7, "f 2.5");
});

test("keyword ranking: depth, filter, matched words", () => {
  assert.deepEqual(ranked("reward", 1).map((x) => x[0]), [ZETA]);
  assert.deepEqual(ranked("reward", 10, (i) => i !== ZETA).map((x) => x[0]), [ALPHA]);
  const matched = new Map();
  ranked("reward models agents", 10, null, matched);
  assert.deepEqual(matched.get(ZETA), ["reward", "models"]);
  assert.deepEqual(matched.get(ALPHA), ["reward", "agents"]);
  assert.equal(matched.has(MID), false);
});

test("keyword ties go to the smaller key, whatever the papers' order", () => {
  const data = payload();
  data.keyword.lengths = [4, 4, 4];
  data.keyword.terms = { same: [0, 1, 1, 1] };  // zeta2020 and alpha2021 score alike
  const got = keywordRanking(keywordIndex(data), "same", 10, null);
  assert.deepEqual(got.map((x) => data.papers[x[0]].key), ["alpha2021", "zeta2020"]);
  assert.equal(got[0][1], got[1][1]);
});

function vectors() { return vectorIndex(payload(), vectorsBuffer()); }

test("the vectors file: float32 scales, then int8 rows", () => {
  const v = vectors();
  assert.equal(v.count, 3);
  assert.equal(v.dim, 3);
  assert.deepEqual(Array.from(v.scales), [1 / 128, 1 / 128, 1 / 128]);
  assert.deepEqual(Array.from(v.vectors), [127, 0, 0, 0, 127, 0, 90, 90, 0]);
});

test("cosine ranking: the dot product of the query with each scaled int8 row", () => {
  const got = semanticRanking(vectors(), [1, 0, 0], 10, null);
  // 127/128 = 0.9921875, 90/128 = 0.703125, 0
  assert.deepEqual(got, [[ZETA, 127 / 128], [MID, 90 / 128], [ALPHA, 0]]);
  assert.deepEqual(semanticRanking(vectors(), [0, 0, 1], 10, null).map((x) => x[1]), [0, 0, 0]);
  // the query is read as float32, as the model gives it
  const third = semanticRanking(vectors(), [0.1, 0, 0], 1, null)[0][1];
  assert.equal(third, Math.fround(0.1) * 127 / 128);
});

test("cosine ranking: ties by key, depth, filter", () => {
  // 0.5 * 127 / 128 for zeta2020 and alpha2021 alike; mid: 0.5 * 180 / 128
  const got = semanticRanking(vectors(), [0.5, 0.5, 0], 10, null);
  assert.deepEqual(got.map((x) => x[0]), [MID, ALPHA, ZETA]);
  assert.equal(got[1][1], got[2][1]);
  assert.deepEqual(semanticRanking(vectors(), [0.5, 0.5, 0], 2, null).map((x) => x[0]), [MID, ALPHA]);
  assert.deepEqual(semanticRanking(vectors(), [0.5, 0.5, 0], 10, (i) => i !== MID).map((x) => x[0]),
    [ALPHA, ZETA]);
  assert.deepEqual(semanticRanking(vectors(), [1, 0, 0], 0, null), []);
});

test("coverage: each word's share of the query's idf, and the words each paper holds", () => {
  // kb.search.fusion's idf: "agents": 1 paper of 3, ln(2.5 / 1.5); "reward": 2 of 3,
  // ln(1.5 / 2.5) < 0 -> 0
  const got = coverage(index(), "the reward agents");
  assert.deepEqual(Array.from(got.weights), [["reward", 0], ["agents", 1]]);
  assert.deepEqual(Array.from(got.held.get(ZETA)), ["reward"]);
  assert.deepEqual(Array.from(got.held.get(ALPHA)), ["reward", "agents"]);
  assert.equal(got.held.has(MID), false);
  // a word no paper holds counts in the whole: "quokka", idf ln(3.5 / 0.5)
  const rare = coverage(index(), "agents quokka").weights;
  const agents = Math.log(2.5 / 1.5);
  close(rare.get("agents"), agents / (agents + Math.log(7)), "agents");
  close(rare.get("quokka"), Math.log(7) / (agents + Math.log(7)), "quokka");
  // only words every paper holds: nothing weighs anything
  assert.deepEqual(Array.from(coverage(index(), "reward").weights), [["reward", 0]]);
});

test("fusion: cosine + weight x coverage over the papers of either ranking", () => {
  const papers = payload().papers;
  const words = [[ZETA, 9], [MID, 8]], meaning = [[MID, 0.9]];
  const cover = { weights: new Map([["reward", 0.75], ["agents", 0.25]]),
    held: new Map([[ZETA, new Set(["reward"])], [ALPHA, new Set(["reward", "agents"])]]) };
  const cos = [0.2, 0.8, 0.9];
  // zeta 0.2 + 0.5 * 0.75; mid 0.9 + 0; alpha is in neither ranking
  const got = fuse(words, meaning, cos, cover, 0.5, papers);
  assert.deepEqual(got.map((x) => x[0]), [MID, ZETA]);
  close(got[0][1], 0.9, "mid");
  close(got[1][1], 0.2 + 0.375, "zeta");
  // in a ranking, alpha: 0.8 + 0.5 * (0.75 + 0.25)
  const all = fuse(words, [[MID, 0.9], [ALPHA, 0.8]], cos, cover, 0.5, papers);
  assert.deepEqual(all.map((x) => x[0]), [ALPHA, MID, ZETA]);
  close(all[0][1], 1.3, "alpha");
  assert.deepEqual(fuse([], [], cos, cover, 0.5, papers), []);
});

test("fusion: ties go to the smaller key", () => {
  const papers = payload().papers, cover = { weights: new Map(), held: new Map() };
  const got = fuse([[ZETA, 1]], [[ALPHA, 1]], [0.5, 0.5, 0], cover, 0.5, papers);
  assert.deepEqual(got.map((x) => papers[x[0]].key), ["alpha2021", "zeta2020"]);
  assert.equal(got[0][1], got[1][1]);
});

test("fusion over the payload: the cosine of every paper, the coverage of the words", () => {
  // "reward agents": keyword alpha2021, zeta2020; meaning [1, 0.25, 0]: zeta2020, mid, alpha2021
  const data = payload(), kw = keywordIndex(data), vec = vectorIndex(data, vectorsBuffer());
  const q = [1, 0.25, 0], cos = cosines(vec, q);
  close(cos[ZETA], 127 / 128, "zeta");
  close(cos[ALPHA], 0.25 * 127 / 128, "alpha");
  close(cos[MID], 1.25 * 90 / 128, "mid");
  const hybrid = (depth) => fuse(keywordRanking(kw, "reward agents", depth, null),
    semanticRanking(vec, q, depth, null, cos), cos, coverage(kw, "reward agents"), 0.5, data.papers);
  // zeta 0.992 + 0, mid 0.879 + 0, alpha 0.248 + 0.5 * 1
  assert.deepEqual(hybrid(3).map((x) => x[0]), [ZETA, MID, ALPHA]);
  close(hybrid(3)[2][1], 0.25 * 127 / 128 + 0.5, "alpha");
  // depth 1: alpha (keyword) and zeta (meaning) only
  assert.deepEqual(hybrid(1).map((x) => x[0]), [ZETA, ALPHA]);
});

function passages() { return passageIndex(payload(), passagesBuffer()); }

test("the passages file: rows of each paper's passages in the papers' order", () => {
  const got = passages();
  assert.deepEqual(got.offsets, [0, 2, 4, 4]);
  assert.equal(got.count, 4);
  assert.deepEqual(Array.from(got.vectors.slice(6, 9)), [0, 0, 127]);
});

function explained(p, query, mode, vector) {
  const data = payload(), kw = keywordIndex(data), cover = coverage(kw, query);
  const cos = vector ? cosines(vectorIndex(data, vectorsBuffer()), vector) : null;
  return explain(data.papers[p], p, passages(), ["the", ...query.split(" ")], cover.weights,
    cover.held.get(p), mode, cos ? cos[p] : null, vector, new Set(FUNCTION_WORDS), 0.39);
}

test("explain: the sentence holding the query's words, each found word marked", () => {
  // alpha2021's first passage holds "agents" (twice) and "rewards" (reward, stemmed)
  const got = explained(ALPHA, "why agents reward", "hybrid", [0, 1, 0]);
  assert.deepEqual(got.matched, ["agents", "reward"]);  // "why" is a function word
  assert.equal(got.why, "both");  // words, and cosine 127/128
  assert.deepEqual(got.excerpt, { text: "Agents learn from rewards, and agents <b>improve</b>.",
    highlights: [[0, 6], [18, 25], [31, 37]], by: "words" });
  // a word split into tokens is found where its tokens stand in a row
  assert.deepEqual(explained(ALPHA, "rl_hf", "keyword", null).excerpt,
    { text: "The rl_hf recipe: rl then hf.", highlights: [[4, 9]], by: "words" });
});

test("explain: no sentence holds a word: the one nearest in meaning, or the first", () => {
  // zeta2020 holds "reward" in its passages... but "agents" only in alpha2021: query "agents"
  const meaning = explained(ZETA, "agents", "semantic", [0, 1, 0]);
  assert.deepEqual(meaning.excerpt, { text: "A reward model learns what they prefer.",
    highlights: [], by: "meaning" });
  assert.deepEqual(meaning.matched, []);
  assert.equal(meaning.why, "meaning");
  assert.deepEqual(explained(ZETA, "agents", "keyword", null).excerpt,
    { text: "People compare answers.", highlights: [], by: "lead" });
  assert.equal(explained(ZETA, "reward", "hybrid", [0, 0, 1]).why, "keyword");  // cosine 0
  assert.equal(explained(MID, "scaling", "hybrid", [0, 1, 0]).excerpt, null);  // no passages
});

const P = payload().papers;

test("filters: session, by number or its text", () => {
  assert.equal(allowed(P[ALPHA], { session: 2 }), true);
  assert.equal(allowed(P[ALPHA], { session: "2" }), true);
  assert.equal(allowed(P[ZETA], { session: 2 }), false);
  assert.equal(allowed(P[MID], { session: 1 }), false);
  assert.equal(allowed(P[MID], { session: "" }), true);
  assert.equal(allowed(P[MID], { session: null }), true);
});

test("filters: a tag, or a list of tags meaning any of them", () => {
  assert.equal(allowed(P[ZETA], { tag: "reward-modeling" }), true);
  assert.equal(allowed(P[ALPHA], { tag: "reward-modeling" }), false);
  assert.equal(allowed(P[ALPHA], { tag: ["reward-modeling", "agents"] }), true);
  assert.equal(allowed(P[MID], { tag: ["reward-modeling", "agents"] }), false);
  assert.equal(allowed(P[MID], { tag: ["scaling"] }), true);
  assert.equal(allowed(P[MID], { tag: [] }), true);       // no tag named: no condition
  assert.equal(allowed(P[MID], { tag: "" }), true);
  assert.equal(allowed(P[MID], { tag: ["", "scaling"] }), true);
  assert.equal(allowed(P[ZETA], { tag: "RLHF" }), false);  // tags are exact
});

test("filters: years, a paper without a year passing neither bound", () => {
  assert.equal(allowed(P[ZETA], { yearFrom: 2020 }), true);
  assert.equal(allowed(P[ZETA], { yearFrom: "2021" }), false);
  assert.equal(allowed(P[ALPHA], { yearFrom: 2020, yearTo: 2021 }), true);
  assert.equal(allowed(P[ALPHA], { yearTo: 2020 }), false);
  assert.equal(allowed(P[MID], { yearFrom: 1900 }), false);
  assert.equal(allowed(P[MID], { yearTo: 3000 }), false);
  assert.equal(allowed(P[MID], { yearFrom: "", yearTo: "" }), true);
});

test("filters: type in any case, key or keys", () => {
  assert.equal(allowed(P[MID], { type: "book" }), true);
  assert.equal(allowed(P[ZETA], { type: "InProceedings" }), true);
  assert.equal(allowed(P[ZETA], { type: "article" }), false);
  assert.equal(allowed(P[ZETA], { key: "zeta2020" }), true);
  assert.equal(allowed(P[ZETA], { key: "alpha2021" }), false);
  assert.equal(allowed(P[ZETA], { key: ["alpha2021", "zeta2020"] }), true);
  assert.equal(allowed(P[MID], { key: ["alpha2021", "zeta2020"] }), false);
  assert.equal(allowed(P[MID], { key: [] }), true);
});

// The one filter rule's cases, which tests/test_query.py checks Python and the cache's SQL
// against; here with the API's names (a list for tag and key, as repeated --tag and --key).
const RULE = JSON.parse(readFileSync(new URL("../data/filter_rule.json", import.meta.url), "utf8"));
const API_NAMES = { session: "session", tags: "tag", year_from: "yearFrom", year_to: "yearTo",
  type: "type", keys: "key" };

test("filters: the cases of the one rule (tests/data/filter_rule.json)", () => {
  assert.ok(RULE.cases.length >= 10);
  for (const c of RULE.cases) {
    const o = {};
    for (const [name, value] of Object.entries(c.filters)) { o[API_NAMES[name]] = value; }
    assert.equal(Object.keys(o).length, Object.keys(c.filters).length, "an unknown filter name");
    const got = RULE.papers.filter((p) => allowed(p, o)).map((p) => p.key);
    assert.deepEqual(got, c.selects, JSON.stringify(c.filters));
  }
});

test("filters: every given condition must hold", () => {
  const o = { session: 1, tag: ["rlhf"], yearFrom: 2021 };
  assert.deepEqual(P.filter((p) => allowed(p, o)).map((p) => p.key), ["alpha2021"]);
  const ok = filterFor(P, o);
  assert.deepEqual([0, 1, 2].filter(ok), [ALPHA]);
  assert.equal(filterFor(P, {}), null);
  assert.equal(filterFor(P, { k: 5, mode: "keyword", session: "", tag: null }), null);
  assert.equal(hasFilters({ key: "x" }), true);
  assert.equal(hasFilters({ yearTo: 0 }), true);
});

test("filters narrow each ranking before it is cut", () => {
  const data = payload(), ok = filterFor(data.papers, { tag: ["agents", "scaling"] });
  assert.deepEqual(keywordRanking(keywordIndex(data), "reward", 1, ok).map((x) => x[0]), [ALPHA]);
  const vec = vectorIndex(data, vectorsBuffer());
  assert.deepEqual(semanticRanking(vec, [1, 0, 0], 1, ok).map((x) => x[0]), [MID]);
});

test("results: extra fields from a function of the position and the score", () => {
  const got = hits(payload().papers, [[MID, 0.5]], 1, null, "http://x/", (p, score) => ({
    strong: score >= 0.5, seen: p }));
  assert.equal(got[0].strong, true);
  assert.equal(got[0].seen, MID);
});

test("results: the paper's fields, its address from the site's root, rounded score", () => {
  const papers = payload().papers, matched = new Map([[ZETA, ["reward"]]]);
  const got = hits(papers, [[ZETA, 0.12345678], [MID, 1e-7], [ALPHA, 0]], 2, matched,
    "https://host.example/course/");
  assert.equal(got.length, 2);
  assert.deepEqual(got[0], {
    key: "zeta2020", title: "Reward models", url: "https://host.example/course/papers/zeta2020/",
    score: 0.123457, authors: ["Ann Zeta"], year: 2020, venue: "NeurIPS", type: "inproceedings",
    tags: ["rlhf", "reward-modeling"], sessions: [1], matched: ["reward"]
  });
  assert.equal(got[1].score, 0);
  assert.deepEqual(got[1].matched, []);
  assert.deepEqual(hits(papers, [[ZETA, 1]], 5, null, "http://x/")[0].matched, []);
});

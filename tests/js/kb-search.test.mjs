// kb-search.js: window.kb as a page sees it, with `window` and `fetch` stood in for. Each test
// imports a fresh copy of the module (a query string makes it a new one), so state never
// leaks from one test to the next. The model's success is the browser tests' part
// (tests/test_browser_search.py); here it is absent, refused or broken.
import assert from "node:assert/strict";
import { test } from "node:test";

import { passagesBuffer, payload, QUICK, quickFiles, vectorsBuffer } from "./payload.mjs";

let copies = 0;

async function page({ data = payload(), buffer = vectorsBuffer(), status = 200 } = {}) {
  const requests = [];
  const quick = quickFiles();
  globalThis.window = {};
  globalThis.fetch = async (url) => {
    requests.push(String(url));
    if (status !== 200) { return new Response("", { status }); }
    for (const [path, body] of Object.entries(quick)) {
      if (String(url).endsWith("/" + path)) { return new Response(body); }
    }
    if (String(url).endsWith("/assets/kb/search/index.json")) { return new Response(JSON.stringify(data)); }
    if (String(url).endsWith("/assets/kb/search/vectors.bin")) { return new Response(buffer); }
    if (String(url).endsWith("/assets/kb/search/passages.bin")) { return new Response(passagesBuffer()); }
    return new Response("", { status: 404 });
  };
  const module = await import(`../../kb/site/assets/kb-search.js?copy=${++copies}`);
  return { kb: module.default, requests };
}

const keys = (hits) => hits.map((h) => h.key);

test("window.kb: the API, and nothing fetched before a search", async () => {
  const { kb, requests } = await page();
  assert.equal(globalThis.window.kb, kb);
  for (const name of ["search", "embed", "status", "loadModel", "loadIndex", "onStatus", "textTokens", "queryTerms"]) {
    assert.equal(typeof kb[name], "function", name);
  }
  // the site's root is two folders above the module (assets/kb/kb-search.js in a site)
  assert.equal(kb.root, new URL("../../kb/", import.meta.url).href);
  assert.deepEqual(kb.status(), { index: "idle", model: "idle", quick: "idle", error: null });
  assert.deepEqual(requests, []);
  assert.deepEqual(kb.textTokens("Rewarding models"), ["reward", "model"]);
});

test("keyword search: bm25's order, results as the page shows them", async () => {
  const { kb, requests } = await page();
  const hits = await kb.search("reward agents", { mode: "keyword" });
  assert.deepEqual(keys(hits), ["alpha2021", "zeta2020"]);
  assert.deepEqual(hits[0].matched, ["reward", "agents"]);
  assert.equal(hits[0].url, kb.root + "papers/alpha2021/");
  // "reward" in 2 papers of 3, "agents" in 1 (kb's idf), once each in a paper of 6 tokens
  assert.equal(hits[0].score, Math.round((Math.log(1.6) * 2.2 / 2.65 + Math.log(8 / 3) * 2.2 / 2.65) * 1e6) / 1e6);
  assert.deepEqual(Object.keys(hits[0]).sort(), ["authors", "excerpt", "key", "matched", "score",
    "sessions", "strong", "tags", "title", "type", "url", "venue", "why", "year"]);
  // keyword results are not judged strong or weak; the excerpt holds the words, marked
  assert.equal(hits[0].strong, null);
  assert.equal(hits.strong, undefined);
  assert.equal(hits[0].why, "keyword");
  assert.deepEqual(hits[0].excerpt, { text: "Agents learn from rewards, and agents <b>improve</b>.",
    highlights: [[0, 6], [18, 25], [31, 37]], by: "words" });
  assert.deepEqual((await kb.search("why reward", { mode: "keyword" }))[0].matched, ["reward"]);
  assert.deepEqual(keys(await kb.search("reward agents", { mode: "keyword", k: 1 })), ["alpha2021"]);
  assert.deepEqual(kb.status(), { index: "ready", model: "idle", quick: "idle", error: null });
  assert.deepEqual(await kb.queryTerms("the Reward and the reward"), ["reward"]);
  assert.equal(requests.filter((u) => u.endsWith("index.json")).length, 1);  // loaded once
  // words alone fetch no vectors: they come with the model that reads them
  assert.deepEqual(requests.filter((u) => u.endsWith(".bin")), []);
});

test("search options: filters, k, mode, an empty query", async () => {
  const { kb } = await page();
  const words = (o) => kb.search("reward agents scaling", { mode: "keyword", ...o }).then(keys);
  assert.deepEqual(await words({}), ["mid", "alpha2021", "zeta2020"]);
  assert.deepEqual(await words({ session: 1 }), ["alpha2021", "zeta2020"]);
  assert.deepEqual(await words({ session: "2" }), ["alpha2021"]);
  assert.deepEqual(await words({ tag: "reward-modeling" }), ["zeta2020"]);
  assert.deepEqual(await words({ tag: ["reward-modeling", "scaling"] }), ["mid", "zeta2020"]);
  assert.deepEqual(await words({ yearFrom: 2021 }), ["alpha2021"]);
  assert.deepEqual(await words({ yearTo: "2020" }), ["zeta2020"]);
  assert.deepEqual(await words({ type: "BOOK" }), ["mid"]);
  assert.deepEqual(await words({ key: ["zeta2020", "mid"] }), ["mid", "zeta2020"]);
  assert.deepEqual(await words({ key: "nobody" }), []);
  assert.deepEqual(await words({ k: 0 }), []);
  assert.deepEqual(await words({ k: "2" }), ["mid", "alpha2021"]);
  assert.deepEqual(await kb.search("   "), []);
  assert.deepEqual(await kb.search(null), []);
  await assert.rejects(kb.search("x", { mode: "fuzzy" }),
    /unknown search mode "fuzzy": use one of hybrid, semantic, keyword/);
});

test("a site without a model: keyword results with a note, semantic refused", async () => {
  const { kb, requests } = await page({ data: payload({ top: { vectors: null, model: null } }) });
  const seen = [];
  kb.onStatus((s) => seen.push(s));
  kb.onStatus(() => { throw new Error("a listener's bug"); });
  const hits = await kb.search("reward agents");
  assert.deepEqual(keys(hits), ["alpha2021", "zeta2020"]);
  assert.equal(hits.note, "Search by meaning is not available: this site ships no model for " +
    "search by meaning. These results match your words.");
  assert.deepEqual(kb.status(), { index: "ready", model: "unavailable", quick: "idle",
    error: "this site ships no model for search by meaning" });
  await assert.rejects(kb.search("reward", { mode: "semantic" }), /ships no model/);
  await assert.rejects(kb.embed("reward"), /ships no model/);
  assert.deepEqual(seen.map((s) => [s.index, s.model]), [["ready", "idle"], ["ready", "unavailable"]]);
  assert.ok(!requests.some((u) => u.endsWith("vectors.bin")));
});

test("a browser without WebAssembly: the same fallback, saying why", async () => {
  const { kb } = await page({ data: payload({ top: { model: { name: "m", dtype: "q8" } } }) });
  const wasm = globalThis.WebAssembly;
  delete globalThis.WebAssembly;
  try {
    const hits = await kb.search("scaling");
    assert.deepEqual(keys(hits), ["mid"]);
    assert.match(hits.note, /not available: this browser runs no WebAssembly\. These results/);
    assert.equal(kb.status().model, "unavailable");
  } finally {
    globalThis.WebAssembly = wasm;
  }
});

test("a model that cannot be loaded: unavailable, with the reason", async () => {
  // transformers.min.js is not beside the source files, so importing it fails
  const { kb } = await page({ data: payload({ top: { model: { name: "m", dtype: "q8" } } }) });
  const hits = await kb.search("scaling", { mode: "hybrid" });
  assert.deepEqual(keys(hits), ["mid"]);
  assert.match(kb.status().error, /^the model could not be loaded \(/);
  assert.match(hits.note, /the model could not be loaded/);
  await assert.rejects(kb.loadModel(), /could not be loaded/);
});

test("an index that cannot be fetched: unavailable, and tried again on the next call", async () => {
  const { kb, requests } = await page({ status: 404 });
  await assert.rejects(kb.search("reward"), /index\.json: HTTP 404/);
  assert.equal(kb.status().index, "unavailable");
  await assert.rejects(kb.loadIndex(), /HTTP 404/);
  assert.equal(requests.length, 2);
});

test("the quick model answers by meaning first, and only its files are fetched", async () => {
  const { kb, requests } = await page({ data: payload({ top: { quick: QUICK, model: { name: "m", dtype: "q8", files: [], bytes: 0 } } }) });
  const hits = await kb.search("scaling", { mode: "semantic" });
  assert.equal(hits.tier, "quick");
  // "scaling" is the row [0, 0, 1] of the quick table; mid's quick vector is that row
  assert.deepEqual(keys(hits), ["mid", "alpha2021", "zeta2020"]);
  assert.equal(hits[0].score, Math.round(127 / 128 * 1e6) / 1e6);  // the int8 row 127 at scale 1/128
  assert.equal(hits[0].strong, true);   // strong_quick.semantic 0.6
  assert.equal(hits[1].strong, false);
  assert.deepEqual(kb.status(), { index: "ready", model: "idle", quick: "ready", error: null });
  assert.deepEqual(requests.filter((u) => u.endsWith(".bin")).map((u) => u.split("/").pop()).sort(),
    ["embeddings.bin", "quick-passages.bin", "quick-vectors.bin"]);
  assert.ok(!requests.some((u) => u.includes("/vendor/") || u.endsWith("/vectors.bin")));
  const mixed = await kb.search("reward agents");
  assert.equal(mixed.tier, "quick");
  assert.deepEqual(keys(mixed), ["alpha2021", "zeta2020", "mid"]);
  // the excerpt nearest in meaning comes from the quick model's passage vectors
  const near = await kb.search("scaling", { mode: "semantic", k: 3 });
  assert.deepEqual(near[2].excerpt, { text: "A reward model learns what they prefer.", highlights: [], by: "meaning" });
  assert.deepEqual(await kb.embedQuick("Scaling!"), [0, 0, 1]);
  await assert.rejects(kb.search("x", { tier: "fast" }), /unknown tier "fast": use auto, quick or full/);
});

test("tier full waits for the full model; when it fails, words answer with the reason", async () => {
  const { kb } = await page({ data: payload({ top: { quick: QUICK, model: { name: "m", dtype: "q8", files: [], bytes: 10 } } }) });
  const hits = await kb.search("scaling", { tier: "full" });
  assert.equal(hits.tier, "keyword");
  assert.match(hits.note, /the model could not be loaded \(.*transformers\.min\.js: HTTP 404/);
  assert.equal(kb.status().quick, "idle");
});

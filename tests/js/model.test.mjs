// model.js: loading the query encoder, with stand-ins for transformers.js and the network.
import assert from "node:assert/strict";
import { test } from "node:test";

import { countedFetch, embedWith, fetched, loadEncoder, progressTotals, sharedFetch } from "../../kb/site/assets/model.js";

const MODEL = "https://host.example/course/assets/kb/model/";

function countingFetch() {
  const calls = [];
  const get = (url, init) => {
    calls.push([String(url), init]);
    return Promise.resolve({ body: String(url), clone() { return { body: this.body, cloned: true }; } });
  };
  return { calls, get };
}

test("a model file asked for twice (size, then body) is downloaded once", async () => {
  const { calls, get } = countingFetch();
  const shared = sharedFetch(MODEL, get, "https://host.example/course/search/");
  const url = MODEL + "m/onnx/model_quantized.onnx";
  const [a, b] = await Promise.all([shared(url), shared(new URL(url))]);
  assert.equal(calls.length, 1);
  assert.deepEqual([a.cloned, b.cloned], [true, true]);
  await shared(url);  // a third time (the page asked again): a new download
  assert.equal(calls.length, 2);
  await shared("../assets/kb/model/m/config.json");  // relative to the page
  await shared({ url: MODEL + "m/config.json" });    // a Request-like object
  assert.equal(calls.length, 3);
});

test("other addresses, ranges and other methods go to the network as they are", async () => {
  const { calls, get } = countingFetch();
  const shared = sharedFetch(MODEL, get, "https://host.example/course/");
  const other = "https://host.example/course/assets/kb/vendor/ort-wasm-simd-threaded.wasm";
  await shared(other);
  await shared(other);
  await shared(MODEL + "x", { headers: { Range: "bytes=0-1" } });
  await shared(MODEL + "x", { headers: { Range: "bytes=0-1" } });
  await shared(MODEL + "y", { method: "HEAD" });
  assert.equal(calls.length, 5);
  assert.equal(calls[0][1], undefined);
});

test("the wasm fetched (and counted) once answers transformers.js' own request for it", async () => {
  const { calls, get } = countingFetch();
  const wasm = "https://host.example/course/assets/kb/vendor/ort-wasm-simd-threaded.wasm";
  const bytes = new Uint8Array([0, 97, 115, 109]).buffer;
  const fetch1 = fetched(wasm, bytes, get, "https://host.example/course/search/");
  const response = await fetch1("../assets/kb/vendor/ort-wasm-simd-threaded.wasm");
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), new Uint8Array(bytes));
  assert.equal(response.headers.get("Content-Type"), "application/wasm");
  await fetch1(wasm);  // a second time: the same bytes, still no download
  assert.equal(calls.length, 0);
  await fetch1(MODEL + "m/config.json");
  assert.deepEqual(calls.map((c) => c[0]), [MODEL + "m/config.json"]);
  // without bytes in hand, the request goes to the network
  await fetched(wasm, null, get, "https://host.example/")(wasm);
  assert.equal(calls.length, 2);
});

test("countedFetch: a file's bytes, counted as they arrive; an HTTP error is an error", async () => {
  const chunks = [new Uint8Array([1, 2]), new Uint8Array([3])];
  const body = new ReadableStream({ start(c) { chunks.forEach((x) => c.enqueue(x)); c.close(); } });
  const seen = [];
  const buffer = await countedFetch("f", (n) => seen.push(n), async () => new Response(body));
  assert.deepEqual([...new Uint8Array(buffer)], [1, 2, 3]);
  assert.deepEqual(seen, [2, 1]);
  await assert.rejects(countedFetch("g", () => {}, async () => new Response("", { status: 404 })),
    /g: HTTP 404/);
});

test("progress: one running total over the model's files", () => {
  const seen = [];
  const report = progressTotals((p) => seen.push(p));
  report({ status: "initiate", file: "a" });
  report({ status: "progress", file: "a", loaded: 10, total: 100 });
  report({ status: "progress", file: "b", loaded: 5, total: 50 });
  report({ status: "progress", file: "a", loaded: 100, total: 100 });
  report({ status: "progress" });  // no file: not counted
  report({ status: "done", file: "a" });
  assert.deepEqual(seen, [{ loaded: 10, total: 100 }, { loaded: 15, total: 150 },
    { loaded: 105, total: 150 }]);
  progressTotals(null)({ status: "progress", file: "a", loaded: 1, total: 2 });  // no reader
});

function fakeTransformers() {
  const T = {
    env: { backends: { onnx: { wasm: {} } } },
    calls: [],
    pipeline(task, name, options) {
      T.calls.push([task, name, options]);
      options.progress_callback({ status: "progress", file: "model.onnx", loaded: 3, total: 4 });
      return Promise.resolve((text, o) => ({ data: Float32Array.from([text.length, o.pooling === "mean" ? 1 : 0]) }));
    }
  };
  return T;
}

test("the encoder: transformers.js from the site, local model files only, one wasm thread", async () => {
  const T = fakeTransformers(), imported = [], progress = [];
  const vendor = "https://host.example/course/assets/kb/vendor/";
  const extractor = await loadEncoder({
    vendor, modelBase: MODEL, name: "minilm-1", dtype: "q8", onProgress: (p) => progress.push(p),
    importModule: (url) => { imported.push(url); return Promise.resolve(T); }
  });
  assert.deepEqual(imported, [vendor + "transformers.min.js"]);
  assert.equal(T.env.allowRemoteModels, false);
  assert.equal(T.env.allowLocalModels, true);
  assert.equal(T.env.localModelPath, "/course/assets/kb/model/");
  assert.deepEqual(T.env.backends.onnx.wasm, {
    wasmPaths: { mjs: vendor + "ort-wasm-simd-threaded.mjs", wasm: vendor + "ort-wasm-simd-threaded.wasm" },
    numThreads: 1, proxy: false
  });
  assert.equal(typeof T.env.fetch, "function");
  assert.deepEqual(T.calls.map((c) => [c[0], c[1], c[2].dtype, c[2].device]),
    [["feature-extraction", "minilm-1", "q8", "wasm"]]);
  assert.deepEqual(progress, [{ loaded: 3, total: 4 }]);
  assert.deepEqual(await embedWith(extractor, "hello"), [5, 1]);
});

test("an encoder that cannot be imported rejects", async () => {
  await assert.rejects(loadEncoder({
    vendor: "https://h/", modelBase: MODEL, name: "m", dtype: "q8",
    importModule: () => Promise.reject(new Error("no such file"))
  }), /no such file/);
});

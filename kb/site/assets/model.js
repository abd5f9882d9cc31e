/* kb: the query encoder, run in the browser by transformers.js with ONNX Runtime Web's wasm.

   No state of its own: kb-search.js keeps the one encoder a page loads and says how far the
   loading is. Everything comes from the site itself (assets/kb/vendor/, assets/kb/model/);
   transformers.js is imported only when a query by meaning needs it.

     loadEncoder({vendor, modelBase, name, dtype, onProgress, wasmBinary})
                                 the feature-extraction pipeline of the model `name`, in
                                 `modelBase` (the address of assets/kb/model/); onProgress
                                 ({loaded, total}) in bytes over all the model's files so far;
                                 wasmBinary: ONNX Runtime's wasm, already fetched
     countedFetch(url, onBytes)  the file's bytes (ArrayBuffer), onBytes(n) as they arrive
     embedWith(extractor, text)  the text's vector as a list (mean pooled, unit length)
     progressTotals(report)      transformers.js's per-file progress events as running totals
     sharedFetch(prefix)         a fetch that downloads each file under `prefix` once */

// transformers.js asks for each model file twice, once for its size (reading only the
// headers) and once for its body: one download serves both.
export function sharedFetch(prefix, fetchImpl, base) {
  var get = fetchImpl || function (url, init) { return fetch(url, init); };
  var pending = new Map();
  return function (url, init) {
    var key = new URL(String(url && url.url ? url.url : url), base || location.href).href;
    var headers = new Headers((init && init.headers) || {});
    if (key.indexOf(prefix) !== 0 || headers.has("Range") || (init && init.method && init.method !== "GET")) {
      return get(url, init);
    }
    var entry = pending.get(key);
    if (!entry) {
      entry = { response: get(url, init), uses: 0 };
      pending.set(key, entry);
    }
    entry.uses += 1;
    if (entry.uses >= 2) { pending.delete(key); }
    return entry.response.then(function (r) { return r.clone(); });
  };
}

// transformers.js reports each file apart ({status: "progress", file, loaded, total}); the
// reader sees one bar over all of them.
export function progressTotals(report) {
  var files = new Map();
  return function (event) {
    if (event.status !== "progress" || !event.file) { return; }
    files.set(event.file, [event.loaded || 0, event.total || 0]);
    var loaded = 0, total = 0;
    files.forEach(function (f) { loaded += f[0]; total += f[1]; });
    if (report) { report({ loaded: loaded, total: total }); }
  };
}

// transformers.js fetches ONNX Runtime's wasm itself, even when it is handed over as bytes:
// the bytes already here answer that request, so the 14 MB file is downloaded once.
export function fetched(url, bytes, fetchImpl, base) {
  var target = new URL(url, base || location.href).href;
  return function (request, init) {
    var key = new URL(String(request && request.url ? request.url : request), base || location.href).href;
    if (bytes && key === target) {
      return Promise.resolve(new Response(bytes.slice(0), {
        status: 200, headers: { "Content-Type": "application/wasm" } }));
    }
    return fetchImpl(request, init);
  };
}

// `importModule` and `fetch` stand in for the browser's in tests.
export function loadEncoder(o) {
  var load = o.importModule || function (url) { return import(url); };
  return load(o.vendor + "transformers.min.js").then(function (T) {
    T.env.allowRemoteModels = false;
    T.env.allowLocalModels = true;
    T.env.localModelPath = new URL(o.modelBase).pathname;
    var wasm = T.env.backends.onnx.wasm;
    wasm.wasmPaths = { mjs: o.vendor + "ort-wasm-simd-threaded.mjs",
      wasm: o.vendor + "ort-wasm-simd-threaded.wasm" };
    if (o.wasmBinary) { wasm.wasmBinary = o.wasmBinary; }  // fetched (and counted) by the caller
    wasm.numThreads = 1;  // threads need cross-origin isolation and gain nothing here
    wasm.proxy = false;
    T.env.fetch = fetched(o.vendor + "ort-wasm-simd-threaded.wasm", o.wasmBinary,
      sharedFetch(o.modelBase, o.fetch), o.vendor);
    return T.pipeline("feature-extraction", o.name,
      { dtype: o.dtype, device: "wasm", progress_callback: progressTotals(o.onProgress) });
  });
}

export function embedWith(extractor, text) {
  return Promise.resolve(extractor(text, { pooling: "mean", normalize: true })).then(function (out) {
    return Array.from(out.data);
  });
}

export function countedFetch(url, onBytes, fetchImpl) {
  var get = fetchImpl || function (u) { return fetch(u); };
  return get(url).then(function (r) {
    if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
    if (!r.body || !r.body.getReader) {
      return r.arrayBuffer().then(function (b) { onBytes(b.byteLength); return b; });
    }
    var reader = r.body.getReader(), parts = [], size = 0;
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) {
          var out = new Uint8Array(size), at = 0;
          parts.forEach(function (p) { out.set(p, at); at += p.length; });
          return out.buffer;
        }
        parts.push(step.value);
        size += step.value.length;
        onBytes(step.value.length);
        return pump();
      });
    }
    return pump();
  });
}

/* kb: the quick model, a table of word-piece vectors that answers a query by meaning at once.

   Distilled by kb from the site's own encoder (kb/search/static.py says how); a query's vector
   is the mean of its word pieces' rows, unit length, exactly as kb's StaticEmbedder computes
   it. No state of its own: kb-search.js keeps the one table a page loads.

     quickModel(vocabText, buffer, count, dim, unknown, special)
                                 the model from vocab.txt and embeddings.bin (count float32
                                 scales, then count x dim int8 values); special: the
                                 tokenizer's added tokens, {text: id}
     embedQuick(model, text, centre)
                                 the text's vector as a list: the mean of its pieces' rows,
                                 less `centre` (the library's mean vector) when given, unit
                                 length; zeros when no piece is known */

import { parseVocab, pieceIds } from "./wordpiece.js";

export function quickModel(vocabText, buffer, count, dim, unknown, special) {
  if (buffer.byteLength !== count * (4 + dim)) {
    throw new Error("the quick model's table is " + buffer.byteLength + " bytes, not " + count * (4 + dim));
  }
  return {
    vocab: parseVocab(vocabText), count: count, dim: dim, unknown: unknown, special: special || {},
    scales: new Float32Array(buffer, 0, count), rows: new Int8Array(buffer, 4 * count, count * dim)
  };
}

export function embedQuick(model, text, centre) {
  var dim = model.dim, sum = new Float64Array(dim), n = 0;
  pieceIds(model.vocab, text, model.special).forEach(function (id) {
    if (id === model.unknown || id < 0 || id >= model.count) { return; }
    var scale = model.scales[id], at = id * dim;
    for (var j = 0; j < dim; j++) { sum[j] += scale * model.rows[at + j]; }
    n += 1;
  });
  var out = new Array(dim).fill(0);
  if (!n) { return out; }
  if (centre) {
    var length = 0;
    for (var c = 0; c < dim; c++) { length += sum[c] * sum[c]; }
    length = Math.sqrt(length);
    for (var d = 0; d < dim; d++) { sum[d] = (length > 0 ? sum[d] / length : 0) - centre[d]; }
  }
  var norm = 0;
  for (var j = 0; j < dim; j++) { norm += sum[j] * sum[j]; }
  norm = Math.sqrt(norm);
  if (norm > 0) {
    for (var i = 0; i < dim; i++) { out[i] = sum[i] / norm; }
  }
  return out;
}

// wordpiece.js and quick.js: BERT's word pieces and the quick model's query vector, on a
// miniature vocabulary (the real one is compared with Python's tokenizers in
// tests/test_quick_model.py).
import assert from "node:assert/strict";
import { test } from "node:test";

import { embedQuick, quickModel } from "../../kb/site/assets/quick.js";
import { parseVocab, pieceIds, words } from "../../kb/site/assets/wordpiece.js";

const VOCAB = parseVocab(["[PAD]", "[UNK]", "un", "##aff", "##able", "a", "!", "cafe", "中", "x"].join("\n") + "\n");

test("words: lower-cased, accents stripped, punctuation and CJK split off, controls dropped", () => {
  assert.deepEqual(words("Unaffable, Café!"), ["unaffable", ",", "cafe", "!"]);
  // U+0085, U+000B and U+000C are controls before they are white space: dropped, as tokenizers does
  assert.deepEqual(words("a\u0000b\u200bc\u0085d\te\u3000f"), ["abcd", "e", "f"]);
  assert.deepEqual(words("x\u000by"), ["xy"]);
  assert.deepEqual(words("中文x"), ["中", "文", "x"]);
  assert.deepEqual(words("GPT-4's"), ["gpt", "-", "4", "'", "s"]);
  assert.deepEqual(words("  "), []);
});

test("pieces: greedy longest match with ##, [UNK] for a word with no match or over 100 characters", () => {
  assert.deepEqual(pieceIds(VOCAB, "unaffable!"), [2, 3, 4, 6]);
  assert.deepEqual(pieceIds(VOCAB, "Café"), [7]);
  assert.deepEqual(pieceIds(VOCAB, "unaffablez a"), [1, 5]);
  assert.deepEqual(pieceIds(VOCAB, "x".repeat(100)), [1]);  // "x" then no "##x": unknown
  assert.deepEqual(pieceIds(VOCAB, "a".repeat(101)), [1]);
  assert.deepEqual(pieceIds(VOCAB, ""), []);
  // added tokens match as written, before normalising; [pad] in lower case is text
  assert.deepEqual(pieceIds(VOCAB, "a[UNK]cafe [PAD]", { "[UNK]": 1, "[PAD]": 0 }), [5, 1, 7, 0]);
  assert.deepEqual(pieceIds(VOCAB, "[pad]", { "[PAD]": 0 }), [1, 1, 1]);  // "[", "pad", "]": not in VOCAB
});

test("vocab.txt: line i is the piece of id i", () => {
  const vocab = parseVocab("[PAD]\n[UNK]\nb\n");
  assert.deepEqual([...vocab.entries()], [["[PAD]", 0], ["[UNK]", 1], ["b", 2]]);
});

function table(rows, scale) {
  const n = rows.length, dim = rows[0].length, buffer = new ArrayBuffer(n * 4 + n * dim);
  new Float32Array(buffer, 0, n).fill(scale);
  new Int8Array(buffer, 4 * n, n * dim).set(rows.flat());
  return buffer;
}

test("a query's vector: the mean of its pieces' rows, unit length; [UNK] dropped; none known gives zeros", () => {
  const text = "[PAD]\n[UNK]\nreward\nmodel\n";
  const model = quickModel(text, table([[0, 0], [100, 100], [127, 0], [0, 64]], 0.5), 4, 2, 1);
  assert.deepEqual(embedQuick(model, "reward"), [1, 0]);
  const both = embedQuick(model, "Reward model zzz");
  const mean = [127 * 0.5 / 2, 64 * 0.5 / 2], norm = Math.hypot(mean[0], mean[1]);
  [mean[0] / norm, mean[1] / norm].forEach((want, i) => assert.ok(Math.abs(both[i] - want) < 1e-12, String(both)));
  assert.deepEqual(embedQuick(model, "zzz qqq"), [0, 0]);
  assert.throws(() => quickModel(text, new ArrayBuffer(7), 4, 2, 1), /table is 7 bytes, not 24/);
});

test("a centred query vector: the library's mean taken from the unit mean, then unit length again", () => {
  const text = "[PAD]\n[UNK]\nreward\nmodel\n";
  const model = quickModel(text, table([[0, 0], [0, 0], [127, 0], [0, 127]], 1 / 127), 4, 2, 1);
  const v = embedQuick(model, "reward", [0.5, 0.5]);
  [Math.SQRT1_2, -Math.SQRT1_2].forEach((want, i) => assert.ok(Math.abs(v[i] - want) < 1e-12, String(v)));
  assert.deepEqual(embedQuick(model, "nothing", [0.5, 0.5]), [0, 0]);
});

// tokens.js: FTS5's "porter unicode61" tokeniser and kb's query terms, run by `node --test`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ftsTokens, queryTerms, stem } from "../../kb/site/assets/tokens.js";

// What SQLite 3.40.1's FTS5 gives, produced once with Python and hard-coded here:
//   db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')")
//   db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
//   db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", enumerate(texts))
//   SELECT term, doc, offset FROM v ORDER BY doc, offset
// The words are Porter's own examples (Porter 1980, one or more per rule) and course words.
const FTS5_STEMS = {
  caresses: "caress", ponies: "poni", ties: "ti", caress: "caress", cats: "cat", feed: "feed",
  agreed: "agre", plastered: "plaster", bled: "bled", motoring: "motor", sing: "sing",
  conflated: "conflat", troubled: "troubl", sized: "size", hopping: "hop", tanned: "tan",
  falling: "fall", hissing: "hiss", fizzed: "fizz", failing: "fail", filing: "file",
  happy: "happi", sky: "sky", relational: "relat", conditional: "condit", rational: "ration",
  valenci: "valenc", digitizer: "digit", conformabli: "conform", radicalli: "radic",
  differentli: "differ", vileli: "vile", analogousli: "analog", vietnamization: "vietnam",
  predication: "predic", operator: "oper", feudalism: "feudal", decisiveness: "decis",
  hopefulness: "hope", callousness: "callous", formaliti: "formal", sensitiviti: "sensit",
  sensibiliti: "sensibl", triplicate: "triplic", formative: "form", formalize: "formal",
  electriciti: "electr", electrical: "electr", hopeful: "hope", goodness: "good",
  revival: "reviv", allowance: "allow", inference: "infer", airliner: "airlin",
  gyroscopic: "gyroscop", adjustable: "adjust", defensible: "defens", irritant: "irrit",
  replacement: "replac", adjustment: "adjust", dependent: "depend", adoption: "adopt",
  homologou: "homolog", communism: "commun", activate: "activ", angulariti: "angular",
  homologous: "homolog", effective: "effect", bowdlerize: "bowdler", probate: "probat",
  rate: "rate", cease: "ceas", controll: "control", roll: "roll", generalization: "gener",
  reinforcement: "reinforc", learning: "learn", models: "model", attention: "attent",
  transformers: "transform", preferences: "prefer", optimization: "optim",
  policies: "polici", is: "is", as: "as", ies: "ie"
};

// Whole texts, same origin: unicode61 splits on anything but letters, numbers and marks,
// folds case and diacritics; porter then stems what is 3 to 64 bytes long once folded.
const FTS5_TEXTS = {
  "Café": ["cafe"], "naïve": ["naiv"], "GPT-4": ["gpt", "4"], "x": ["x"], "rl_hf": ["rl", "hf"],
  "Über-Modelle": ["uber", "model"], "2023": ["2023"], "e.g.": ["e", "g"],
  "Ångström": ["angstrom"], "reward-modeling": ["reward", "model"],
  ["a".repeat(70) + "ing"]: ["a".repeat(70) + "ing"],
  ["ééé" + "ing".repeat(20)]: ["eee" + "ing".repeat(19)]
};

test("the stemmer gives FTS5's porter stems", () => {
  const wrong = Object.entries(FTS5_STEMS).filter(([word, want]) => stem(word) !== want);
  assert.deepEqual(wrong.map(([w, want]) => [w, want, stem(w)]), []);
});

test("a few of Porter's stems, by rule", () => {
  assert.equal(stem("caresses"), "caress");   // step 1a: sses -> ss
  assert.equal(stem("hopping"), "hop");       // step 1b: ing, then a double consonant
  assert.equal(stem("filing"), "file");       // step 1b: ing, then *o adds e
  assert.equal(stem("happy"), "happi");       // step 1c: y -> i
  assert.equal(stem("relational"), "relat");  // steps 2 and 4
  assert.equal(stem("adoption"), "adopt");    // step 4: ion after s or t
  assert.equal(stem("controll"), "control");  // step 5b
});

// Also checked against SQLite the same way: the 64-byte edge and the title below.
test("tokens under 3 or over 64 bytes pass through", () => {
  assert.equal(stem("is"), "is");
  const long = "a".repeat(62) + "ing";  // 65 bytes
  assert.equal(stem(long), long);
  assert.equal(stem("a".repeat(61) + "ing"), "a".repeat(61));  // 64 bytes: stemmed
});

test("texts are tokenised as FTS5's unicode61 with porter", () => {
  for (const [text, want] of Object.entries(FTS5_TEXTS)) {
    assert.deepEqual(ftsTokens(text), want, text);
  }
  assert.deepEqual(ftsTokens("Learning to Summarize from Human Feedback"),
    ["learn", "to", "summar", "from", "human", "feedback"]);
  assert.deepEqual(ftsTokens(""), []);
  assert.deepEqual(ftsTokens("-- ... !"), []);
});

test("query terms: lower-cased, stop words dropped, each once, in order", () => {
  const stop = new Set(["the", "of", "a"]);
  assert.deepEqual(queryTerms("The Scaling of the scaling LAWS", stop), ["scaling", "laws"]);
  assert.deepEqual(queryTerms("the of a", stop), ["the", "of", "a"]);  // only stop words: kept
  assert.deepEqual(queryTerms("GPT-4 rl_hf", stop), ["gpt", "4", "rl_hf"]);  // \w+, as Python's
  assert.deepEqual(queryTerms("  ", stop), []);
  assert.deepEqual(queryTerms("the model", ["the"]), ["model"]);  // a list works as well
});

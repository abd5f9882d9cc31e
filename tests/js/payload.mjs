// A search payload of three papers, in the format kb/site/semantic.py writes (index.json,
// vectors.bin and passages.bin), for the tests of the browser's modules.
//
// The keyword postings are those of SQLite FTS5 ("porter unicode61", one column) over
//   0 "Reward rewards modeling tasks"   -> reward reward model task       (4 tokens)
//   1 "reward rl_hf hf hf agents"       -> reward rl hf hf hf agent       (6 tokens)
//   2 "scaling scales"                  -> scale scale                     (2 tokens)
// (read with fts5vocab's instance table), so the average length is 4. The papers are not in
// key order, so that a tie broken by key shows in a test.

export const STOP_WORDS = ["a", "an", "and", "of", "the", "to"];
export const FUNCTION_WORDS = [...STOP_WORDS, "what", "why", "you"];

export function payload(overrides = {}) {
  return {
    format: 1,
    rules: {
      coverage_weight: 0.5, fusion_depth: 100, strong: { hybrid: 0.5, semantic: 0.39 },
      strong_quick: { hybrid: 0.8, semantic: 0.6 }, coverage_weight_quick: 1.0,
      modes: ["hybrid", "semantic", "keyword"], stop_words: STOP_WORDS.slice(),
      function_words: FUNCTION_WORDS.slice(),
      bm25: { k1: 1.2, b: 0.75, column_weights: { key: 0, title: 2.0 } },
      ...(overrides.rules || {})
    },
    papers: [
      { key: "zeta2020", title: "Reward models", authors: ["Ann Zeta"], year: 2020,
        venue: "NeurIPS", type: "inproceedings", tags: ["rlhf", "reward-modeling"],
        sessions: [1], url: "papers/zeta2020/",
        passages: ["People compare answers.", "A reward model learns what they prefer."] },
      { key: "alpha2021", title: "Agents from feedback", authors: ["Bo Alpha", "Cy Beta"],
        year: 2021, venue: null, type: "article", tags: ["rlhf", "agents"], sessions: [1, 2],
        url: "papers/alpha2021/",
        passages: ["Agents learn from rewards, and agents <b>improve</b>.", "The rl_hf recipe: rl then hf."] },
      { key: "mid", title: "Scaling", authors: [], year: null, venue: null, type: "Book",
        tags: ["scaling"], sessions: [], url: "papers/mid/", passages: [] }
    ],
    sessions: [{ number: 1, title: "One", url: "sessions/one/" },
      { number: 2, title: "Two", url: "sessions/two/" }],
    keyword: {
      rows: 3, lengths: [4, 6, 2],
      terms: { agent: [1, 1], hf: [1, 3], model: [0, 1], reward: [0, 2, 1, 1], rl: [1, 1],
        scale: [2, 2], task: [0, 1] }
    },
    vectors: { file: "vectors.bin", count: 3, dim: 3, model: "test-model" },
    passages: { file: "passages.bin", count: 4, dim: 3 },
    model: null,
    ...overrides.top
  };
}

// vectors.bin: 3 float32 scales (1/128 each, exact in float32), then 3 x 3 int8 values.
export const INT8_ROWS = [[127, 0, 0], [0, 127, 0], [90, 90, 0]];
export const SCALE = 1 / 128;

export function vectorsBuffer() {
  const buffer = new ArrayBuffer(3 * 4 + 3 * 3);
  new Float32Array(buffer, 0, 3).fill(SCALE);
  new Int8Array(buffer, 12, 9).set(INT8_ROWS.flat());
  return buffer;
}

// passages.bin: 4 float32 scales, then 4 x 3 int8 values: zeta2020's two passages, then
// alpha2021's two (mid has none).
export const PASSAGE_ROWS = [[127, 0, 0], [0, 127, 0], [0, 0, 127], [90, 90, 0]];

export function passagesBuffer() {
  const buffer = new ArrayBuffer(4 * 4 + 4 * 3);
  new Float32Array(buffer, 0, 4).fill(SCALE);
  new Int8Array(buffer, 16, 12).set(PASSAGE_ROWS.flat());
  return buffer;
}

// The quick model of kb.search.static in miniature: a vocabulary of 6 pieces, a 3-dimensional
// table (int8 rows, scale 1/127), the papers' and passages' vectors by it.
export const QUICK_VOCAB = ["[PAD]", "[UNK]", "reward", "agents", "scaling", "##s"];
export const QUICK_ROWS = [[0, 0, 0], [0, 0, 0], [127, 0, 0], [0, 127, 0], [0, 0, 127], [0, 0, 0]];
export const QUICK = {
  name: "q", dim: 3, count: 6, unknown: 1, bytes: 1000,
  vocab: "assets/kb/quick/q/vocab.txt", embeddings: "assets/kb/quick/q/embeddings.bin",
  vectors: { file: "quick-vectors.bin", count: 3, dim: 3 },
  passages: { file: "quick-passages.bin", count: 4, dim: 3 }
};

function int8File(rows, scale) {
  const n = rows.length, dim = rows[0].length, buffer = new ArrayBuffer(n * 4 + n * dim);
  new Float32Array(buffer, 0, n).fill(scale);
  new Int8Array(buffer, 4 * n, n * dim).set(rows.flat());
  return buffer;
}

// site path -> body: zeta2020 ~ reward, alpha2021 ~ agents (and some reward), mid ~ scaling
export function quickFiles() {
  return {
    "assets/kb/quick/q/vocab.txt": QUICK_VOCAB.join("\n") + "\n",
    "assets/kb/quick/q/embeddings.bin": int8File(QUICK_ROWS, 1 / 127),
    "assets/kb/search/quick-vectors.bin": int8File([[127, 0, 0], [60, 112, 0], [0, 0, 127]], 1 / 128),
    "assets/kb/search/quick-passages.bin": int8File([[0, 127, 0], [40, 0, 120], [127, 0, 0], [0, 127, 0]], 1 / 128)
  };
}

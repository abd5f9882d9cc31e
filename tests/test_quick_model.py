"""The quick model (kb.search.static) and its browser twin (quick.js, wordpiece.js).

The quick model answers the site's first query by meaning from a few MB. These tests hold
its parts to their rules (PCA, SIF, int8 rows, the mean of a text's pieces), the browser's
WordPiece tokenizer to Hugging Face tokenizers' ids on real questions and awkward text, the
browser's query vectors to Python's, and the built site's quick answers to kb's own ranking
with the same model.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from kb.errors import ConfigError
from kb.search import static
from kb.search.embed import DEFAULT_MODEL, model_location

ASSETS = ROOT / "kb" / "site" / "assets"
AWKWARD = ["Café au lait, naïve résumé", "GPT-4's RLHF (PPO) -- 2x faster!", "İstanbul ﬁne",
           "中文 mixed with English", "tab\there\nnew\u0085line\u000bvt\u00adsoft\u200bzero",
           "x" * 120, "reward-model over-optimisation", "🙂 emoji and ∑ math ≤ signs",
           "  leading and trailing  ", "", "[UNK] [CLS] literal", "don't stop; keep: going."]


def questions() -> list[str]:
    lines = (ROOT / "eval" / "questions.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["q"] for line in lines if line.strip()]


def node_eval(script: str, payload: object) -> object:
    """Run an ES module snippet under Node with ``input`` bound to ``payload``; its printed JSON."""
    code = (f"const input = {json.dumps(payload)};\n" + script)
    done = subprocess.run(["node", "--input-type=module", "-e", code], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


# ------------------------------------------------------------------ the recipe's parts

def test_pca_keeps_the_leading_directions_with_fixed_signs() -> None:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(500, 6)) * np.array([10, 5, 1, 0.1, 0.1, 0.1])
    reduced = static.pca(rows, 2)
    assert reduced.shape == (500, 2)
    assert np.allclose(reduced.mean(axis=0), 0, atol=1e-9)
    assert reduced[:, 0].var() > reduced[:, 1].var() > 0.5 * rows[:, 2].var()
    # the sign rule: each component's largest absolute value is positive
    for j in range(2):
        assert reduced[np.argmax(np.abs(reduced[:, j])), j] > 0
    # the same directions as the data's own: the first component is the first axis
    assert abs(np.corrcoef(reduced[:, 0], rows[:, 0])[0, 1]) > 0.99


def test_sif_weighs_frequent_pieces_less() -> None:
    weights = static.sif_weights(30_000)  # BERT's vocabulary is about this size
    assert weights.shape == (30_000,) and np.all(np.diff(weights) > 0)
    # a / (a + p): Zipf's p of the first piece is 1/2 over H, about 0.046; of the last, 3e-6
    assert weights[0] == pytest.approx(1e-4 / (1e-4 + 0.5 / sum(1 / np.arange(2, 30_002))))
    assert weights[0] < 0.01 and weights[-1] > 0.95


def test_int8_rows_round_trip_within_half_a_step(tmp_path: Path) -> None:
    table = np.array([[0.5, -0.25, 0.0], [0, 0, 0], [3.0, 1.0, -2.0]], dtype=np.float32)
    static.write_model(tmp_path, ["[PAD]", "[UNK]", "hello"], table, "test")
    dim, back = static.read_table(tmp_path)
    assert dim == 3 and back.shape == table.shape
    steps = np.abs(table).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(back - table) <= steps / 2 + 1e-7)
    assert back[1].tolist() == [0, 0, 0]
    (tmp_path / static.EMBEDDINGS).write_bytes(b"\0" * 10)
    with pytest.raises(ConfigError, match=r"embeddings.bin is 10 bytes, not the 21"):
        static.read_table(tmp_path)


def tiny_model(folder: Path) -> Path:
    """A static model of five pieces with a BERT tokenizer over them."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordPiece

    pieces = ["[PAD]", "[UNK]", "reward", "model", "##s"]
    tokenizer = Tokenizer(WordPiece({p: i for i, p in enumerate(pieces)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.save(str(folder / "tokenizer.json"))
    table = np.array([[0, 0], [5, 5], [1, 0], [0, 2], [0, 0]], dtype=np.float32)
    static.write_model(folder, pieces, table, "tiny")
    return folder / "tokenizer.json"


def test_a_texts_vector_is_the_mean_of_its_pieces(tmp_path: Path) -> None:
    embedder = static.StaticEmbedder(tmp_path, tiny_model(tmp_path), "tiny-base")
    assert embedder.name == "static2:tiny-base" and embedder.dim == 2
    vectors = embedder.embed(["Reward", "reward models", "unknown words only", ""])
    assert vectors[0].tolist() == [1.0, 0.0]
    # reward [1, 0] + model [0, 2] + ##s [0, 0], over 3, to unit length; "unknown" is [UNK]
    mean = np.array([1, 2], dtype=np.float32) / 3
    assert np.allclose(vectors[1], mean / np.linalg.norm(mean))
    assert vectors[2].tolist() == [0.0, 0.0] and vectors[3].tolist() == [0.0, 0.0]
    assert embedder.pieces("reward unknown models") == [2, 3, 4]


def test_centred_vectors_take_the_librarys_mean_away(tmp_path: Path) -> None:
    inner = static.StaticEmbedder(tmp_path, tiny_model(tmp_path), "tiny-base")
    centre = static.library_centre(inner, ["reward", "models"])
    assert centre.tolist() == [0.5, 0.5]  # the mean of [1, 0] and [0, 1]
    centred = static.CentredEmbedder(inner, centre)
    assert centred.quick and centred.dim == 2 and centred.name.startswith("static2:tiny-base-centred-")
    vectors = centred.embed(["reward", "models", "nothing known"])
    assert np.allclose(vectors[0], [2 ** -0.5, -(2 ** -0.5)])
    assert np.allclose(vectors[1], [-(2 ** -0.5), 2 ** -0.5])
    assert vectors[2].tolist() == [0.0, 0.0]  # no piece: still no direction, not -centre
    other = static.CentredEmbedder(inner, np.array([0.1, 0.0], dtype=np.float32))
    assert other.name != centred.name  # vectors cached under one centre are not another's


def test_a_model_that_is_not_bert_is_refused_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "tokenizer.json").write_text('{"model": {"type": "BPE"}}', "utf-8")
    with pytest.raises(ConfigError, match="not a BERT sentence-transformers model"):
        static.distil(tmp_path)


def tiny_bert(folder: Path) -> Path:
    """A random BERT of one layer over 12 pieces, saved as sentence-transformers lays it out."""
    import torch
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordPiece
    from transformers import BertConfig, BertModel

    pieces = ["[PAD]", "[unused0]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
              "reward", "model", "##s", "policy", "gradient"]
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(pieces), hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, max_position_embeddings=32)
    BertModel(config).eval().save_pretrained(folder, safe_serialization=True)
    tokenizer = Tokenizer(WordPiece({p: i for i, p in enumerate(pieces)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize",
         "type": "sentence_transformers.models.Normalize"}]), "utf-8")
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 16, "pooling_mode_mean_tokens": True}), "utf-8")
    return folder


@pytest.mark.model
def test_distilling_runs_each_piece_through_the_model_alone(tmp_path: Path) -> None:
    import torch
    from transformers import BertModel

    source = tiny_bert(tmp_path / "bert")
    notes: list[str] = []
    folder = static.ensure_static_model(source, tmp_path / "cache", dim=4, note=notes.append)
    assert folder.parent == tmp_path / "cache" and folder.name.startswith("static4-")
    assert notes[0].startswith("preparing the quick search model, once") and "ready" in notes[1]
    assert (folder / static.VOCAB).read_text("utf-8").split("\n")[7] == "reward"
    dim, table = static.read_table(folder)
    assert dim == 4 and table.shape == (12, 4)
    assert not table[1:3].any() and table[7:].any(axis=1).all()  # [unusedN]: zero rows
    # the table is PCA and SIF over each kept piece's mean-pooled output of [CLS] piece [SEP]
    model = BertModel.from_pretrained(source).eval()
    kept = [0, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    with torch.no_grad():
        ids = torch.tensor([[4, i, 5] for i in kept])
        pooled = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state.mean(1)
    want = static.pca(pooled.numpy().astype(np.float64), 4) * static.sif_weights(len(kept))[:, None]
    steps = np.abs(want).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(table[kept] - want) <= steps / 2 + 1e-4)
    # a second call finds it and says nothing
    assert static.ensure_static_model(source, tmp_path / "cache", dim=4, note=notes.append) == folder
    assert len(notes) == 2


# ------------------------------------------------------------------ the bundled model's twin

@pytest.fixture(scope="module")
def quick_folder() -> Path:
    """The quick model of the bundled encoder, from the machine's cache (distilled if missing)."""
    from kb.site.vendor import quick_model

    return quick_model(Path(model_location(DEFAULT_MODEL)))


def test_the_browsers_word_pieces_are_the_tokenizers(quick_folder: Path) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_location(DEFAULT_MODEL)) / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    texts = questions() + AWKWARD
    want = [tokenizer.encode(t, add_special_tokens=False).ids for t in texts]
    special = {t.content: i for i, t in tokenizer.get_added_tokens_decoder().items()}
    assert special["[CLS]"] == 101
    got = node_eval(
        "import { readFileSync } from 'node:fs';\n"
        "import { parseVocab, pieceIds } from './kb/site/assets/wordpiece.js';\n"
        "const vocab = parseVocab(readFileSync(input.vocab, 'utf8'));\n"
        "console.log(JSON.stringify(input.texts.map((t) => pieceIds(vocab, t, input.special))));",
        {"vocab": str(quick_folder / static.VOCAB), "texts": texts, "special": special})
    wrong = [(t, w, g) for t, w, g in zip(texts, want, got) if w != g]  # type: ignore[arg-type]
    assert wrong == [] and len(texts) > 150


def test_the_browsers_query_vectors_are_pythons(quick_folder: Path) -> None:
    embedder = static.StaticEmbedder(quick_folder, Path(model_location(DEFAULT_MODEL))
                                     / "tokenizer.json", DEFAULT_MODEL)
    texts = questions()[:40] + AWKWARD
    meta = json.loads((quick_folder / static.META).read_text("utf-8"))
    got = np.array(node_eval(
        "import { readFileSync } from 'node:fs';\n"
        "import { embedQuick, quickModel } from './kb/site/assets/quick.js';\n"
        "const raw = readFileSync(input.table);\n"
        "const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);\n"
        "const model = quickModel(readFileSync(input.vocab, 'utf8'), buffer, input.count, input.dim,"
        " input.unknown, input.special);\n"
        "console.log(JSON.stringify(input.texts.map((t) => embedQuick(model, t))));",
        {"vocab": str(quick_folder / static.VOCAB), "table": str(quick_folder / static.EMBEDDINGS),
         "count": meta["count"], "dim": meta["dim"], "unknown": embedder.unknown,
         "special": embedder.special,
         "texts": texts}), dtype=np.float64)
    want = embedder.embed(texts)
    assert got.shape == want.shape == (len(texts), static.DIM)
    assert np.allclose(got, want, atol=1e-5)
    assert np.count_nonzero(np.abs(want).sum(axis=1)) == len(texts) - 2  # "" and spaces only


# ------------------------------------------------------------------ the site's quick answers

QUICK_QUERIES = ["teaching a chatbot manners using people's votes",
                 "why does the reward model get exploited when you optimise too hard",
                 "learning from pairwise human judgments without a separate reward network",
                 "policy gradient with a clipped objective", "rotary position embedding"]


@pytest.mark.browser
def test_the_sites_first_answer_by_meaning_is_kbs_with_the_quick_model(
        repo_site: Path, repo_site_url: str, page, quick_folder: Path) -> None:  # type: ignore[no-untyped-def]
    from kb.course.config import load_config
    from kb.course.load import load_project
    from kb.search.embed import embed_text
    from kb.search.engine import open_kb

    index = json.loads((repo_site / "assets/kb/search/index.json").read_text("utf-8"))
    quick, full = index["quick"], index["model"]
    assert quick["name"] == quick_folder.name and quick["dim"] == static.DIM
    # what the first answer costs, and what the full model would: every file, its size
    assert quick["bytes"] == sum((repo_site / p).stat().st_size for p in (
        quick["vocab"], quick["embeddings"], "assets/kb/search/quick-vectors.bin",
        "assets/kb/search/quick-passages.bin"))
    assert quick["bytes"] < 6_000_000
    assert full["bytes"] == sum(f["bytes"] for f in full["files"]) > 30_000_000
    assert all((repo_site / f["path"]).stat().st_size == f["bytes"] for f in full["files"])
    names = {Path(f["path"]).name for f in full["files"]}
    assert {"transformers.min.js", "ort-wasm-simd-threaded.wasm", "model_quantized.onnx",
            "vectors.bin", "passages.bin"} <= names

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(repo_site_url)
    inner = static.StaticEmbedder(quick_folder, Path(model_location(DEFAULT_MODEL))
                                  / "tokenizer.json", DEFAULT_MODEL)
    config = load_config(ROOT)
    texts = [embed_text(p) for p in load_project(config).papers.values()]
    centre = static.library_centre(inner, texts)
    assert np.allclose(index["quick"]["centre"], centre, atol=2e-6)
    kb = open_kb(config, embedder=static.CentredEmbedder(inner, centre))
    try:
        for query in QUICK_QUERIES:
            for mode in ("hybrid", "semantic"):
                hits = page.evaluate("([q, mode]) => window.kb.search(q, {k: 5, mode})"
                                     ".then(r => ({tier: r.tier, keys: r.map(h => h.key)}))",
                                     [query, mode])
                assert hits["tier"] == "quick", (query, mode)
                mine = [h.key for h in kb.search(query, mode=mode, k=5)]
                # the site's paper vectors are int8: the top five agree but for a near tie
                assert len(set(hits["keys"]) & set(mine)) >= 4, (query, mode, hits, mine)
                assert hits["keys"][0] == mine[0], (query, mode, hits, mine)
    finally:
        kb.close()
    assert page.evaluate("window.kb.status()") == {"index": "ready", "model": "idle",
                                                   "quick": "ready", "error": None}
    # nothing of the full model was fetched for these answers
    assert not [u for u in requests if "/assets/kb/model/" in u or "/assets/kb/vendor/" in u
                or u.endswith("/vectors.bin") or u.endswith("/passages.bin")]
    assert page.errors == []

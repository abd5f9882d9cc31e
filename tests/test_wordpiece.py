"""kb.search.wordpiece gives the word-piece ids of the ``tokenizers`` package (as the query
encoder sets it up) for every text it covers, and declines the rest."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from kb.search import wordpiece
from kb.search.embed import model_location
from kb.search.wordpiece import WordPiece

ROOT = Path(__file__).resolve().parents[1]
MAX_LENGTH = 256


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KB_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "encoder"


def _file() -> Path:
    return Path(model_location("all-MiniLM-L6-v2")) / "tokenizer.json"


def _library() -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(_file()))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_LENGTH)
    return tokenizer


def _texts(vocab: list[str]) -> list[str]:
    """The course's papers and pages (whole, and line by line), the dev questions, and
    generated text: every ASCII character, control characters, vocabulary pieces glued
    together, words at and over the length limit, texts over the model's 256 pieces."""
    texts = [json.loads(line)["q"] for line in
             (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    for path in [*(ROOT / "papers").glob("*.md"), *(ROOT / "docs").rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        texts += [text, *text.splitlines()]
    rnd = random.Random(22)
    alphabet = string.printable + "\x00\x01\x0b\x0c\x1c\x1f\x7f[]##"
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60))) for _ in range(4000)]
    texts += [" ".join(rnd.choice(vocab).replace("##", rnd.choice(["", "-", "x", "##"]))
                       for _ in range(rnd.randint(1, 12))) for _ in range(2000)]
    texts += ["a" * 100, "a" * 101, "ab" * 60 + "!", "policy gradient " * 300, "", " \t\n",
              "[cls] [Mask] in lower case are words", "[CLS", "SEP]"]
    return texts


def _vocab() -> dict[str, int]:
    return dict(json.loads(_file().read_text(encoding="utf-8"))["model"]["vocab"])


def test_the_ids_are_the_tokenizers_packages(cache: Path) -> None:
    WordPiece.prepared(_file(), MAX_LENGTH)  # prepares the copy
    ours = WordPiece.prepared(_file(), MAX_LENGTH)  # reads it
    assert ours is not None and isinstance(ours.vocab, wordpiece.SortedPieces)
    library = _library()
    texts = _texts(list(_vocab()))
    covered = 0
    for text in texts:
        ids = ours.ids(text)
        if ids is None:
            assert not text.isascii() or any(s in text for s in ("[CLS]", "[SEP]", "[MASK]")), text
            continue
        covered += 1
        expected = library.encode(text)
        assert ids == expected.ids, text
        assert not any(expected.type_ids)
    assert covered > 0.9 * len(texts)
    assert len(ours.ids("policy gradient " * 300) or []) == MAX_LENGTH


def test_text_it_does_not_cover_is_left_to_the_library(cache: Path) -> None:
    ours = WordPiece.prepared(_file(), MAX_LENGTH)
    assert ours is not None
    for text in ("Übersetzung ins Französische", "naïve café", "强化学习", "ＰＰＯ", "e\u0301",
                 "what does [MASK] predict", "a[SEP]b", "[PAD][UNK]"):
        assert ours.ids(text) is None, text
    assert ours.ids("what does [mask] predict") == _library().encode("what does [mask] predict").ids


def test_the_sorted_pieces_hold_every_ascii_piece_and_nothing_else(cache: Path) -> None:
    vocab = _vocab()
    data, width, count = wordpiece.SortedPieces.records(vocab)
    pieces = wordpiece.SortedPieces(b"header\n" + data, 7, width, count)
    ascii_ = {piece: id_ for piece, id_ in vocab.items() if piece.isascii()}
    assert count == len(ascii_) and width == max(map(len, ascii_))
    assert all(pieces.get(piece) == id_ for piece, id_ in ascii_.items())
    for other in ("", "innovationx", "##zzzzq", "a" * (width + 1), "\x00", "é", "!!", "[cls]"):
        assert pieces.get(other) is None, other
    with pytest.raises(ValueError):
        wordpiece.SortedPieces(data[:-1], 0, width, count)


def test_the_prepared_copy_is_made_once_and_read_after(cache: Path) -> None:
    first = WordPiece.prepared(_file(), MAX_LENGTH)
    (copy,) = cache.glob("wordpiece-*.bin")
    stamp = copy.stat().st_mtime_ns
    again = WordPiece.prepared(_file(), MAX_LENGTH)
    assert first is not None and again is not None
    assert isinstance(first.vocab, dict) and isinstance(again.vocab, wordpiece.SortedPieces)
    assert copy.stat().st_mtime_ns == stamp
    text = "Reward over-optimisation in RLHF, 2022!"
    assert first.ids(text) == again.ids(text) == _library().encode(text).ids
    copy.write_bytes(copy.read_bytes()[:5000])  # cut short
    repaired = WordPiece.prepared(_file(), MAX_LENGTH)
    assert repaired is not None and repaired.ids(text) == first.ids(text)
    assert isinstance(WordPiece.prepared(_file(), MAX_LENGTH).vocab,  # type: ignore[union-attr]
                      wordpiece.SortedPieces)  # the copy was written again


def test_an_unwritable_cache_reads_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("KB_CACHE_HOME", str(blocker))
    ours = WordPiece.prepared(_file(), MAX_LENGTH)
    assert ours is not None and ours.ids("reward models") == _library().encode("reward models").ids


@pytest.mark.parametrize("change", [
    lambda c: c["normalizer"].update(lowercase=False),
    lambda c: c["normalizer"].update(strip_accents=False),
    lambda c: c.update(pre_tokenizer={"type": "Whitespace"}),
    lambda c: c["model"].update(type="BPE"),
    lambda c: c["post_processor"]["single"].pop(),
    lambda c: c["added_tokens"][0].update(normalized=True),
    lambda c: c.update(added_tokens=[t for t in c["added_tokens"] if t["content"] != "[CLS]"]),
    lambda c: c["model"]["vocab"].update({"zzzq": 40000}),
    lambda c: c.pop("normalizer"),
])
def test_a_tokenizer_other_than_berts_is_not_covered(change: object, tmp_path: Path,
                                                     cache: Path) -> None:
    config = json.loads(_file().read_text(encoding="utf-8"))
    assert wordpiece.bert_setup(config) is not None
    change(config)  # type: ignore[operator]
    assert wordpiece.bert_setup(config) is None
    other = tmp_path / "tokenizer.json"
    other.write_text(json.dumps(config), encoding="utf-8")
    assert WordPiece.prepared(other, MAX_LENGTH) is None
    assert WordPiece.prepared(other, MAX_LENGTH) is None  # and from the prepared copy

"""BERT's word pieces for ASCII text, in Python: the ids the ``tokenizers`` package gives.

The numpy query encoder (:mod:`kb.search.minilm`) needs a query's word-piece ids. Importing
``tokenizers`` and parsing the model's 466 kB ``tokenizer.json`` took 30 ms of a 300 ms
``kb search``; a query is a line of text. For a ``tokenizer.json`` that is BERT's uncased
setup exactly (:func:`bert_setup`), this module computes the same ids from the vocabulary
alone, looked up in a copy prepared once per machine in kb's user cache: its ASCII word
pieces sorted, in records of one width, searched by halves where they lie in the file's
bytes (reading it costs a tenth of a millisecond; building a dict of the 30,522 pieces cost
5-15 ms). It answers only where its rules are the whole of the library's:

- ASCII text: the normalizer (drop control characters, whitespace to spaces, lower case;
  accents and Chinese characters are not ASCII) and the pre-tokenizer (split at whitespace,
  each punctuation character alone) are then the few lines of :meth:`WordPiece.ids`;
- holding no special token's text (``[CLS]``, ``[MASK]`` ...), which the library reads as the
  token itself.

Any other text returns None, and the caller asks ``tokenizers``. A test compares both on
every paper and question of the course and on generated text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

__all__ = ["WordPiece", "bert_setup"]

# Control characters (Unicode category Cc among ASCII) are dropped, except tab, new line and
# carriage return, which are whitespace.
_CONTROLS = {c: None for c in [*range(0x20), 0x7F] if chr(c) not in "\t\n\r"}
# After lower-casing, an ASCII word is runs of letters and digits and single punctuation marks.
_PIECES = re.compile(r"[a-z0-9]+|[^a-z0-9]")


def bert_setup(config: dict[str, Any]) -> dict[str, Any] | None:
    """The settings :class:`WordPiece` needs, from a parsed ``tokenizer.json``, or None when
    it is not BERT's uncased word-piece setup (where this module's rules would not be the
    library's)."""
    try:
        model, vocab = config["model"], config["model"]["vocab"]
        post = config["post_processor"]
        normalizer = config["normalizer"]
        single = post["single"]
        specials = {t["content"]: t for t in config["added_tokens"]}
        cls = single[0]["SpecialToken"]["id"]
        sep = single[2]["SpecialToken"]["id"]
        setup = {
            "unk": vocab[model["unk_token"]], "cls": post["special_tokens"][cls]["ids"],
            "sep": post["special_tokens"][sep]["ids"], "prefix": model["continuing_subword_prefix"],
            "max_chars": model["max_input_chars_per_word"], "specials": sorted(specials)}
        ok = (
            model["type"] == "WordPiece" and normalizer == {
                "type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                "strip_accents": None, "lowercase": True}
            and config["pre_tokenizer"] == {"type": "BertPreTokenizer"}
            and post["type"] == "TemplateProcessing" and len(single) == 3
            and single[1] == {"Sequence": {"id": "A", "type_id": 0}}
            and single[0]["SpecialToken"]["type_id"] == single[2]["SpecialToken"]["type_id"] == 0
            and len(setup["cls"]) == len(setup["sep"]) == 1
            and all(not t["normalized"] and not t["single_word"] and not t["lstrip"]
                    and not t["rstrip"] for t in specials.values())
            and cls in specials and sep in specials
            and sorted(vocab.values()) == list(range(len(vocab)))
            and isinstance(setup["max_chars"], int) and isinstance(setup["prefix"], str))
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    if not ok:
        return None
    setup["cls"], setup["sep"] = setup["cls"][0], setup["sep"][0]
    return setup


class Vocabulary(Protocol):
    """Word piece -> id (a dict is one)."""

    def get(self, piece: str, /) -> int | None: ...


_ID_BYTES = 4


class SortedPieces:
    """The ASCII word pieces of a vocabulary and their ids, sorted, as records of one width:
    the piece's bytes padded with NUL (below every character of a piece, so padded records
    sort as the pieces do), then its id (4 bytes, little-endian). A piece that is not ASCII
    is left out: it never matches a piece of ASCII text."""

    def __init__(self, data: bytes, start: int, width: int, count: int):
        if count < 0 or width <= 0 or len(data) != start + count * (width + _ID_BYTES):
            raise ValueError("the records do not fill the data")
        self.data, self.start, self.width, self.count = data, start, width, count

    @staticmethod
    def records(vocab: Mapping[str, int]) -> tuple[bytes, int, int]:
        """(records, width, count) of ``vocab``'s ASCII pieces."""
        pieces = sorted((piece.encode("ascii"), id_) for piece, id_ in vocab.items()
                        if piece and piece.isascii() and "\0" not in piece)
        width = max((len(p) for p, _ in pieces), default=1)
        data = b"".join(p.ljust(width, b"\0") + id_.to_bytes(_ID_BYTES, "little")
                        for p, id_ in pieces)
        return data, width, len(pieces)

    def get(self, piece: str, /) -> int | None:
        if not piece or len(piece) > self.width or not piece.isascii():
            return None
        key = piece.encode("ascii")
        key = key.ljust(self.width, b"\0")
        data, start, width, size = self.data, self.start, self.width, self.width + _ID_BYTES
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            at = start + mid * size
            if data[at:at + width] < key:
                lo = mid + 1
            else:
                hi = mid
        at = start + lo * size
        if lo < self.count and data[at:at + width] == key:
            return int.from_bytes(data[at + width:at + size], "little")
        return None


class WordPiece:
    """BERT's uncased word-piece tokenizer for the texts it covers (see the module)."""

    def __init__(self, vocab: Vocabulary, setup: dict[str, Any], max_length: int):
        """``vocab``: word piece -> id; ``setup``: :func:`bert_setup`'s settings;
        ``max_length``: the most ids of a text, its two special tokens included."""
        self.vocab = vocab
        self.unk, self.cls, self.sep = int(setup["unk"]), int(setup["cls"]), int(setup["sep"])
        self.prefix = str(setup["prefix"])
        self.max_chars = int(setup["max_chars"])
        self.specials = tuple(setup["specials"])
        self.max_length = max_length

    @classmethod
    def prepared(cls, path: Path, max_length: int) -> WordPiece | None:
        """The tokenizer of the ``tokenizer.json`` at ``path``, from the copy of its settings
        and vocabulary prepared in kb's user cache (made now if missing), or None when the
        file is not BERT's setup. Where the cache cannot be written, the file is read."""
        from kb.fs import atomic_write, cache_home

        try:
            info = path.stat()
            key = f"{path.resolve()}\0{info.st_size}\0{info.st_mtime_ns}"
            name = "wordpiece-" + hashlib.sha256(key.encode()).hexdigest()[:20] + ".bin"
            copy = cache_home() / "encoder" / name
            try:
                data = copy.read_bytes()
                end = data.index(b"\n")
                setup = json.loads(data[:end])
                if setup is None:
                    return None
                pieces = SortedPieces(data, end + 1, setup["width"], setup["count"])
                return cls(pieces, setup, max_length)
            except (OSError, ValueError, KeyError, TypeError):
                pass
            config = json.loads(path.read_bytes())
            setup = bert_setup(config)
            if setup is None:
                copied = b"null\n"
                vocab: dict[str, int] = {}
            else:
                vocab = config["model"]["vocab"]
                records, setup["width"], setup["count"] = SortedPieces.records(vocab)
                copied = json.dumps(setup).encode() + b"\n" + records
            try:
                copy.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(copy, copied)
            except OSError:  # an unwritable cache: read the file again next time
                pass
            return cls(vocab, setup, max_length) if setup is not None else None
        except (OSError, ValueError):
            return None

    def ids(self, text: str) -> list[int] | None:
        """The ids of ``text`` (special tokens around its word pieces, cut to ``max_length``),
        or None when the text is not one this tokenizer covers."""
        if not text.isascii() or any(special in text for special in self.specials):
            return None
        pieces: list[int] = []
        room = self.max_length - 2
        for word in text.translate(_CONTROLS).lower().split():
            for part in _PIECES.findall(word):
                pieces.extend(self._word(part))
            if len(pieces) >= room:
                break
        return [self.cls, *pieces[:room], self.sep]

    def _word(self, word: str) -> list[int]:
        """The word pieces of one word, longest first, or the unknown token for a word that
        does not split into the vocabulary's pieces or is too long."""
        if len(word) > self.max_chars:
            return [self.unk]
        out: list[int] = []
        start, n = 0, len(word)
        while start < n:
            end = n
            while end > start:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                found = self.vocab.get(piece)
                if found is not None:
                    out.append(found)
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return out

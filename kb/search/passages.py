"""A paper's passages (the sentences of its abstract or summary and of its notes) and their vectors.

A search result shows the sentence that matched: the one holding most of the query's words,
or, where no sentence holds one, the one nearest to the query in meaning
(:mod:`kb.search.explain`). For the second, each sentence has a vector of its own, embedded
with the papers' vectors and kept beside their index.

:func:`passages` splits the prose a paper's vector is made of (:func:`kb.search.embed.embed_text`
without the title: the abstract, or the summary when there is no abstract, then the notes)
into sentences: Markdown headings are dropped, each paragraph and list item is split after
``.``, ``!`` or ``?`` before a capital, a digit or a quote (not after a few abbreviations such
as "e.g." and "et al."), fragments of fewer than :data:`MIN_WORDS` words join their
neighbour, and Markdown emphasis, code marks, link targets and HTML tags are removed. A paper has at most
:data:`MAX_PASSAGES` passages (an abstract of 8,000 word pieces would otherwise weigh as much as
a hundred papers).

The vectors of one index's papers form one float16 matrix (half the bytes of float32; a
sentence is only compared with the query to pick an excerpt), the rows of the ``i``-th paper
being ``offsets[i]:offsets[i + 1]``, saved in ``.kb/`` as ``passages-<model>.npy`` with its
offsets, under the fingerprint of the papers' index (:class:`PassageIndex`). The passages are
derived from the same text as the paper's vector, so that fingerprint covers them too; a
rebuild takes the rows of papers whose text did not change from the saved file
(:func:`saved_passages`) and embeds the others' passages again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kb.fs import atomic_write

if TYPE_CHECKING:
    import numpy as np

    from kb.model.entries import Paper

# Bump when the splitting changes: a saved passage index of another version is rebuilt.
VERSION = 1
MAX_PASSAGES = 64
MIN_WORDS = 4

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"\*\*|__|`|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "etc.", "vs.", "cf.", "Fig.", "Eq.", "Sec.",
                  "approx.", "No.", "Dr.", "Mr.", "Ms.", "St.")


def _blocks(text: str) -> list[str]:
    """The paragraphs and list items of Markdown ``text`` as single lines, headings dropped."""
    out: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            out.append(" ".join(current))
            current.clear()

    for line in text.splitlines():
        if not line.strip() or _HEADING.match(line):
            close()
            continue
        if _ITEM.match(line):
            close()
            line = _ITEM.sub("", line, count=1)
        current.append(line.strip())
    close()
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def _clean(text: str) -> str:
    text = _TAG.sub("", _CONTROL.sub(" ", text))
    return " ".join(_MARKS.sub("", _LINK.sub(r"\1", text)).split())


def sentences(text: str) -> list[str]:
    """The sentences of Markdown ``text``, in order (see the module docstring)."""
    out: list[str] = []
    for block in _blocks(text):
        block = _clean(block)
        parts: list[str] = []
        start = 0
        for end in _END.finditer(block):
            head = block[start:end.start() + 1]
            if head.endswith(_ABBREVIATIONS):
                continue
            parts.append(block[start:end.end()].strip())
            start = end.end()
        parts.append(block[start:].strip())
        merged: list[str] = []
        for part in (p for p in parts if p):
            if merged and len(part.split()) < MIN_WORDS:
                merged[-1] += " " + part
            elif merged and len(merged[-1].split()) < MIN_WORDS:
                merged[-1] += " " + part
            else:
                merged.append(part)
        out.extend(merged)
    return out


def passages(paper: Paper) -> list[str]:
    """The passages of ``paper``: the sentences of its abstract (or summary) and of its notes."""
    return passages_of(paper.abstract, paper.summary, paper.notes)


def passages_of(abstract: str | None, summary: str | None, notes: str | None) -> list[str]:
    """:func:`passages` of a paper with these fields (a stored row's, say)."""
    out: list[str] = []
    for part in (abstract or summary or "", notes or ""):
        out.extend(sentences(part))
    return out[:MAX_PASSAGES]


class PassageIndex:
    """The passages' vectors of an index's papers: one float16 row per passage, in key order."""

    def __init__(self, keys: Sequence[str], offsets: np.ndarray, matrix: np.ndarray):
        self.keys = list(keys)
        self.positions = {key: i for i, key in enumerate(self.keys)}
        self.offsets = offsets
        self.matrix = matrix

    def __len__(self) -> int:
        return int(self.matrix.shape[0])

    def rows(self, key: str) -> np.ndarray | None:
        """The vectors of ``key``'s passages as float32 (None for an unknown key)."""
        import numpy as np

        at = self.positions.get(key)
        if at is None:
            return None
        return np.asarray(self.matrix[int(self.offsets[at]):int(self.offsets[at + 1])],
                          dtype=np.float32)

    # ------------------------------------------------------------ persistence

    @staticmethod
    def files(cache_dir: Path, slug: str) -> tuple[Path, Path, Path]:
        base = cache_dir / f"passages-{slug}"
        return (base.with_suffix(".json"), base.with_suffix(".npy"),
                base.with_name(base.name + "-offsets.npy"))

    def save(self, cache_dir: Path, slug: str, print_: str, hashes: Sequence[str]) -> None:
        """Write the rows and offsets, then the JSON with the fingerprint (``hashes``: the text
        hash of each paper, for :func:`saved_passages`)."""
        import numpy as np

        meta_path, npy_path, offsets_path = self.files(cache_dir, slug)
        cache_dir.mkdir(parents=True, exist_ok=True)
        for path, array in ((npy_path, self.matrix), (offsets_path, self.offsets)):
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "wb") as handle:
                np.save(handle, np.asarray(array))
            tmp.replace(path)
        atomic_write(meta_path, json.dumps({"fingerprint": print_, "version": VERSION,
                                            "hashes": "".join(hashes)}))

    @classmethod
    def load(cls, cache_dir: Path, slug: str, print_: str, keys: Sequence[str], dim: int
             ) -> PassageIndex | None:
        """The saved passages if their fingerprint and version match and they read cleanly
        (mapped from the file, not read), else None."""
        import numpy as np

        meta_path, npy_path, offsets_path = cls.files(cache_dir, slug)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("fingerprint") != print_ or meta.get("version") != VERSION:
                return None
            offsets = np.load(offsets_path, allow_pickle=False)
            matrix = np.load(npy_path, allow_pickle=False, mmap_mode="r")
        except (OSError, ValueError, TypeError, AttributeError):
            return None
        if not _sound(offsets, matrix, len(keys), dim):
            return None
        return cls(keys, offsets, matrix)


def _sound(offsets: np.ndarray, matrix: np.ndarray, n: int, dim: int) -> bool:
    import numpy as np

    return (offsets.ndim == 1 and offsets.shape[0] == n + 1 and offsets.dtype == np.int64
            and matrix.ndim == 2 and matrix.dtype == np.float16 and matrix.shape[1] == dim
            and int(offsets[0]) == 0 and int(offsets[-1]) == matrix.shape[0]
            and bool((np.diff(offsets) >= 0).all()))


def saved_passages(cache_dir: Path, slug: str, dim: int) -> dict[str, np.ndarray]:
    """text hash -> that paper's passage rows (float16) in the saved passage index of the
    current :data:`VERSION`, whatever its fingerprint (empty when there is none)."""
    import numpy as np

    meta_path, npy_path, offsets_path = PassageIndex.files(cache_dir, slug)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("version") != VERSION:
            return {}
        joined = str(meta.get("hashes", ""))
        hashes = [joined[i:i + 64] for i in range(0, len(joined), 64)]
        offsets = np.load(offsets_path, allow_pickle=False)
        matrix = np.load(npy_path, allow_pickle=False, mmap_mode="r")  # rows read when copied
    except (OSError, ValueError, TypeError, AttributeError):
        return {}
    if not _sound(offsets, matrix, len(hashes), dim):
        return {}
    return {h: matrix[int(offsets[i]):int(offsets[i + 1])] for i, h in enumerate(hashes)}

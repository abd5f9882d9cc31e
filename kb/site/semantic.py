"""Search by meaning in the built site: the files the page's script searches, made at build time.

The browser is a third reader of the knowledge base (after the CLI and the site's pages): the
plugin ships what kb computed, and ``assets/kb/kb-search.js`` only ranks it, with the rule of
:mod:`kb.search.engine` (the constants travel in the payload, so there is one rule):

``assets/kb/search/index.json``
    ``rules``: the fusion constants (COVERAGE_WEIGHT, FUSION_DEPTH, the STRONG thresholds), the
    query's stop words and the function words a result never names, the bm25 parameters and
    column weights of the keyword index; ``papers``: what a result shows (key, title,
    authors, year, venue, type, tags, sessions, url, and its passages, the sentences an
    excerpt is chosen from: :func:`kb.search.passages.passages`); ``sessions``; ``keyword``:
    the postings of SQLite's FTS5 index of the same papers (porter-stemmed terms, per paper the
    column-weighted term count and the token count), which is what kb's bm25 reads
    (:mod:`kb.search.keyword`), so the page ranks words exactly as ``kb search --mode
    keyword``; ``model``: where the query encoder lies.
``assets/kb/search/vectors.bin``
    The papers' vectors from the ``.kb/`` cache (the CLI's vectors), int8 with one float32 scale
    per paper: ``N`` little-endian float32 scales, then ``N x dim`` int8 values.
``assets/kb/search/passages.bin``
    The passages' vectors (the CLI's, :mod:`kb.search.passages`), in the same layout, the
    papers' passages one after another in the order of ``papers``.
``assets/kb/model/<name>/``
    The query encoder: the int8 ONNX export of :func:`kb.site.vendor.query_encoder`,
    made once per machine in the user cache (:func:`kb.site.vendor.query_encoder`).
``assets/kb/vendor/``
    transformers.js and ONNX Runtime Web's wasm, pinned, shipped in the kb package
    (:mod:`kb.site.vendor`).
``assets/kb/quick/<name>/``
    The quick model (:mod:`kb.search.static`, distilled once per machine from the same
    encoder): ``vocab.txt`` and ``embeddings.bin``, a few MB, which answer the first query by
    meaning while the full model (about 40 MB with transformers.js and the wasm) is not loaded;
    ``assets/kb/search/quick-vectors.bin`` and ``quick-passages.bin`` hold the papers' and
    passages' vectors by it, centred on the library's mean (``quick.centre``, which the page
    takes from a query's vector too: :class:`kb.search.static.CentredEmbedder`), in the layout
    of ``vectors.bin``. The payload's ``quick`` names
    them with their sizes, and ``model.files`` lists every file the full model downloads with
    its size, so the page can say what a download costs before it starts.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.course.config import Config
from kb.model.entries import Project
from kb.model.names import display_name
from kb.search import engine, fusion, keyword
from kb.search.keyword import FUNCTION_WORDS, STOP_WORDS
from kb.search.onnx_export import DTYPE
from kb.search.embed import embed_text
from kb.search.passages import passages
from kb.search.static import (EMBEDDINGS, VOCAB, CentredEmbedder, StaticEmbedder,
                              centre_of, quantize)
from kb.search.schema import FTS_COLUMNS, FTS_WEIGHTS
from kb.site.pages.common import front_matter
from kb.site.render import fragment
from kb.site.vendor import query_encoder, quick_model, vendored_files

if TYPE_CHECKING:
    from kb.search.embed import Embedder

log = logging.getLogger("mkdocs.plugins.kb")
SEARCH_PAGE = "search.md"
SEARCH_DIR = "assets/kb/search"
MODEL_DIR = "assets/kb/model"
VENDOR_DIR = "assets/kb/vendor"
QUICK_DIR = "assets/kb/quick"
NOT_FETCHED = frozenset({"LICENSES.txt", "special_tokens_map.json"})
FORMAT = 1


@dataclass
class SearchFiles:
    """What the plugin adds to the site: generated content and copies of cached files."""

    content: dict[str, str | bytes]   # site path -> bytes or text
    copies: dict[str, Path]           # site path -> file to copy


def rules() -> dict[str, Any]:
    """The ranking rule the page applies, taken from the library (one rule, two readers)."""
    columns = dict(zip(("key", *FTS_COLUMNS), FTS_WEIGHTS))
    return {"coverage_weight": fusion.COVERAGE_WEIGHT, "fusion_depth": fusion.FUSION_DEPTH,
            "strong": dict(fusion.STRONG), "strong_quick": dict(fusion.STATIC_STRONG),
            "coverage_weight_quick": fusion.QUICK_COVERAGE_WEIGHT,
            "modes": list(engine.MODES),
            "stop_words": sorted(STOP_WORDS), "function_words": sorted(FUNCTION_WORDS),
            "bm25": {"k1": keyword.K1, "b": keyword.B, "column_weights": columns}}


def vectors_file(matrix: np.ndarray) -> bytes:
    q, scale = quantize(matrix)
    return scale.astype("<f4").tobytes() + q.tobytes()


def keyword_postings(kb: engine.KnowledgeBase, keys: list[str]) -> dict[str, Any]:
    """The FTS5 index of ``keys`` as the page's bm25 reads it (see the module docstring)."""
    conn = kb.store.conn
    position = {key: i for i, key in enumerate(keys)}
    weights = dict(zip(FTS_COLUMNS, FTS_WEIGHTS[1:]))
    terms: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    lengths = [0] * len(keys)
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.kb_fts_instance "
                 "USING fts5vocab(main, paper_fts, instance)")
    rowid_key: dict[int, str] = dict(conn.execute("SELECT rowid, key FROM paper_fts").fetchall())
    rows = conn.execute("SELECT term, doc, col, count(*) FROM temp.kb_fts_instance "
                        "GROUP BY term, doc, col").fetchall()
    for term, doc, col, count in rows:
        at = position.get(rowid_key.get(doc, ""))
        if at is None:
            continue
        lengths[at] += count
        terms[term][at] += weights.get(col, 1.0) * count
    postings = {term: [x for at, f in sorted(docs.items()) for x in (at, _num(f))]
                for term, docs in sorted(terms.items())}
    return {"rows": len(keys), "lengths": lengths, "terms": postings}


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 4)


def encoder_folder(embedder: Embedder) -> Path | None:
    """The model folder the browser's encoder is exported from, or None when there is none.

    Only a sentence-transformers BERT model with mean pooling (the bundled all-MiniLM-L6-v2 or
    a local folder like it) can be exported; with any other embedder the page searches by
    keyword and says that search by meaning is not available.
    """
    from kb.search import minilm
    from kb.search.embed import SentenceTransformerEmbedder, model_location

    if not isinstance(embedder, SentenceTransformerEmbedder):
        return None
    location = Path(model_location(embedder.name))
    return location if minilm.supported(location) else None


def search_page(papers_href: str) -> str:
    """The Markdown of the search page: front matter and the form kb-search.js brings to life."""
    meta = {"title": "Search papers", "hide": ["toc"], "search": {"exclude": True}}
    return (front_matter(meta) + "# Search papers\n\n"
            + fragment("search_page.html", papers_href=papers_href) + "\n")


def site_search_files(config: Config, project: Project, embedder: Embedder | None,
                      url_of: Callable[[str], str], sessions: Mapping[int, str]) -> SearchFiles:
    """Everything the search page needs, for the site paths named in the module docstring.

    ``url_of`` maps a site source path (``papers/<key>.md``) to its URL relative to the site
    root; ``sessions`` maps a session number to its page's source path. The vectors come from
    the ``.kb/`` cache (embedding only papers whose text changed since the last build).
    """
    kb = engine.open_kb(config, project, embedder=embedder, progress=False)
    try:
        return _search_files(config, project, kb, url_of, sessions)
    finally:
        kb.close()


def _search_files(config: Config, project: Project, kb: engine.KnowledgeBase,
                  url_of: Callable[[str], str], sessions: Mapping[int, str]) -> SearchFiles:
    model_dir = encoder_folder(kb.vectors.embedder)
    content: dict[str, str | bytes] = {}
    copies: dict[str, Path] = {}
    model: dict[str, Any] | None = None
    quick_embedder: StaticEmbedder | None = None
    quick: dict[str, Any] | None = None
    if model_dir is not None:
        vendor = vendored_files()
        exported = query_encoder(model_dir, note=lambda text: log.info(f"kb: {text}"))
        full: dict[str, Path] = {f"{VENDOR_DIR}/{name}": path for name, path in vendor.items()}
        for path in sorted(exported.rglob("*")):
            if path.is_file() and path.name != "export.json":
                rel = path.relative_to(exported).as_posix()
                full[f"{MODEL_DIR}/{exported.name}/{rel}"] = path
        copies.update(full)
        # what the full model downloads: the model's files, transformers.js and the wasm
        # (not the licences nor the special tokens' map, which transformers.js never asks for)
        files = [{"path": site, "bytes": path.stat().st_size} for site, path in full.items()
                 if path.name not in NOT_FETCHED]
        model = {"name": exported.name, "dtype": DTYPE, "files": files,
                 "bytes": sum(f["bytes"] for f in files)}
        folder = quick_model(model_dir, note=lambda text: log.info(f"kb: {text}"))
        quick_embedder = StaticEmbedder(folder, model_dir / "tokenizer.json", kb.vectors.embedder.name)
        quick_files = {f"{QUICK_DIR}/{folder.name}/{name}": folder / name
                       for name in (VOCAB, EMBEDDINGS)}
        copies.update(quick_files)
        quick = {"name": folder.name, "dim": quick_embedder.dim, "count": len(quick_embedder.table),
                 "unknown": quick_embedder.unknown, "special": quick_embedder.special,
                 "vocab": f"{QUICK_DIR}/{folder.name}/{VOCAB}",
                 "embeddings": f"{QUICK_DIR}/{folder.name}/{EMBEDDINGS}",
                 "bytes": sum(path.stat().st_size for path in quick_files.values())}
    keys = [key for key in sorted(project.papers) if key in kb.index.positions]
    matrix = kb.index.matrix[[kb.index.positions[key] for key in keys]] if keys else \
        np.zeros((0, kb.vectors.embedder.dim), dtype=np.float32)
    readers: dict[str, list[int]] = defaultdict(list)
    for session in project.sessions:
        for reading in session.readings:
            if session.session not in readers[reading.key]:
                readers[reading.key].append(session.session)
    papers: list[dict[str, Any]] = []
    for key in keys:
        paper = project.papers[key]
        papers.append({"key": key, "title": paper.title,
                       "authors": [display_name(a) for a in paper.authors],
                       "year": paper.year, "venue": paper.venue, "type": paper.type,
                       "tags": list(dict.fromkeys(paper.tags)),
                       "sessions": sorted(readers.get(key, [])),
                       "url": url_of(f"papers/{key}.md"), "passages": passages(paper)})
    dim = int(matrix.shape[1])
    rows = [r for r in (kb.vectors.passages.rows(key) for key in keys) if r is not None] \
        if model else []
    sentences = np.concatenate(rows) if rows else np.zeros((0, dim), np.float32)
    session_list = [{"number": s.session, "title": s.title, "url": url_of(sessions[s.session])}
                    for s in sorted(project.sessions, key=lambda s: s.session)
                    if s.session in sessions]
    payload: dict[str, Any] = {
        "format": FORMAT, "rules": rules(), "papers": papers, "sessions": session_list,
        "keyword": keyword_postings(kb, keys),
        "vectors": {"file": "vectors.bin", "count": len(keys), "dim": int(matrix.shape[1]),
                    "model": kb.vectors.embedder.name} if model else None,
        "passages": {"file": "passages.bin", "count": int(sentences.shape[0]),
                     "dim": int(sentences.shape[1])} if model else None,
        "model": model,
    }
    if quick is not None and quick_embedder is not None:
        texts = [embed_text(project.papers[key]) for key in keys]
        quick_sentences = [text for paper in papers for text in paper["passages"]]
        raw = quick_embedder.embed(texts)  # once: for the centre and for the rows
        centre = centre_of(raw, quick_embedder.dim)
        centred = CentredEmbedder(quick_embedder, centre)
        quick_rows = centred.centred(raw)
        quick_passages = centred.embed(quick_sentences)
        quick["centre"] = [float(x) for x in centre]
        quick["vectors"] = {"file": "quick-vectors.bin", "count": len(keys),
                            "dim": quick_embedder.dim}
        quick["passages"] = {"file": "quick-passages.bin", "count": len(quick_sentences),
                             "dim": quick_embedder.dim}
        content[f"{SEARCH_DIR}/quick-vectors.bin"] = vectors_file(quick_rows)
        content[f"{SEARCH_DIR}/quick-passages.bin"] = vectors_file(quick_passages)
        # the page fetches these two with the vocabulary and the table for its first answer
        quick["bytes"] += len(content[f"{SEARCH_DIR}/quick-vectors.bin"]) \
            + len(content[f"{SEARCH_DIR}/quick-passages.bin"])
    payload["quick"] = quick
    if model:
        content[f"{SEARCH_DIR}/vectors.bin"] = vectors_file(matrix)
        content[f"{SEARCH_DIR}/passages.bin"] = vectors_file(sentences)
        # the full model's vectors of the papers and passages come with it
        for name in ("vectors.bin", "passages.bin"):
            size = len(content[f"{SEARCH_DIR}/{name}"])
            model["files"].append({"path": f"{SEARCH_DIR}/{name}", "bytes": size})
            model["bytes"] += size
    content[f"{SEARCH_DIR}/index.json"] = json.dumps(payload, ensure_ascii=False,
                                                     separators=(",", ":"))
    return SearchFiles(content, copies)

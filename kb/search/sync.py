"""Bringing the cache tables in line with the content files: :func:`sync` returns what changed.

Like git's index: a paper file whose modification time and size are as stored is not read;
otherwise its bytes are hashed, and only a file whose hash changed is parsed and rewritten
(one that hashes as stored only gets its new time recorded). Session and poster files are
few; they are hashed together and reloaded together when any of them changes.

The files are listed and read as the loader (kb.course.load) lists and reads them: links only to
files inside the course, at most ``max_file_size`` bytes. A paper file that cannot be read or
is larger than that is broken, like one that does not parse: it is not stored, and kb check
says why.
"""

from __future__ import annotations

from kb.course.config import Config
from kb.course.load import load_paper, load_project
from kb.fs import read_limited
from kb.model.entries import Paper, Project
from kb.search.uptodate import SyncReport as SyncReport
from kb.search.store_writes import SyncWrites
from kb.search.uptodate import file_hash, paper_files, listed_paper_file, side_hash
from kb.search.store import Store


def _read(config: Config, key: str, size: int) -> bytes | None:
    """The bytes of a paper file, or None when kb does not read it (too large, unreadable)."""
    limit = config.options.max_file_size
    if size > limit:
        return None
    try:
        data = read_limited(listed_paper_file(config, key), limit)
    except OSError:
        return None
    return data if len(data) <= limit else None


def sync(store: Store, config: Config, project: Project | None = None) -> SyncReport:
    """Bring the tables in line with the files; only changed files are parsed and written.

    ``project`` (from :func:`kb.course.load.load_project`) is used instead of parsing again.
    """
    report = SyncReport(rebuilt=store.rebuilt)
    files = paper_files(config)
    stored = SyncWrites(store).file_states()
    moved = sorted(key for key, state in files.items() if stored.get(key) != state)
    old = SyncWrites(store).file_hashes(key for key in moved if key in stored)
    todo, hashes, touched = [], {}, []
    for key in moved:
        mtime, size = files[key]
        data = _read(config, key, size)
        if data is None:
            report.broken.append(key)
            continue
        hashes[key] = file_hash(data)
        if old.get(key) == hashes[key]:
            touched.append((mtime, size, key))
        else:
            todo.append(key)
    report.removed = sorted(stored.keys() - files.keys())
    side = side_hash(config)
    report.sessions_changed = side != store.meta("side_hash")
    if project is None and report.sessions_changed:
        project = load_project(config)
    papers: dict[str, Paper] = {}
    scratch = Project()
    for key in todo:
        paper = project.papers.get(key) if project is not None else load_paper(
            listed_paper_file(config, key), config, scratch)
        if paper is None:
            report.broken.append(key)
        else:
            papers[key] = paper
    for key in papers:
        (report.changed if key in stored else report.added).append(key)
    report.unchanged = len(files) - len(moved) + len(touched)
    gone = report.removed + [k for k in report.broken if k in stored]
    SyncWrites(store).put_papers(papers, gone=gone, files={
        key: (config.relative(listed_paper_file(config, key)), hashes[key], *files[key])
        for key in papers})
    SyncWrites(store).touch(touched)
    if store.meta("texts") is None:  # a cache written before the digest was kept
        SyncWrites(store).keep_texts()
    if report.sessions_changed:
        assert project is not None
        SyncWrites(store).put_sessions(project, side)
    store.rebuilt = False
    return report

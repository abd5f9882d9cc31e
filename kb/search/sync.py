"""Bringing the cache tables in line with the content files: :func:`sync` returns what changed.

Like git's index: a paper file whose modification time and size are as stored is not read;
otherwise its bytes are hashed, and only a file whose hash changed is parsed and rewritten
(one that hashes as stored only gets its new time recorded). Session and poster files are
few; they are hashed together and reloaded together when any of them changes.
"""

from __future__ import annotations

from pathlib import Path

from kb.config import Config
from kb.content import load_paper, load_project
from kb.models import Paper, Project
from kb.search.fresh import SyncReport as SyncReport
from kb.search.fresh import file_hash, paper_files, side_hash
from kb.search.store import Store


def sync(store: Store, config: Config, project: Project | None = None) -> SyncReport:
    """Bring the tables in line with the files; only changed files are parsed and written.

    ``project`` (from :func:`kb.content.load_project`) is used instead of parsing again.
    """
    report = SyncReport(rebuilt=store.rebuilt)
    files = paper_files(config.papers_dir)
    stored = store.file_states()
    todo, hashes, touched = [], {}, []
    for key, (path, mtime, size) in files.items():
        old = stored.get(key)
        if old is not None and old[1] == mtime and old[2] == size:
            continue
        with open(path, "rb") as handle:
            hashes[key] = file_hash(handle.read())
        if old is not None and old[0] == hashes[key]:
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
            Path(files[key][0]), config, scratch)
        if paper is None:
            report.broken.append(key)
        else:
            papers[key] = paper
    for key in papers:
        (report.changed if key in stored else report.added).append(key)
    report.unchanged = len(files) - len(todo)
    gone = report.removed + [k for k in report.broken if k in stored]
    rel = {key: config.relative(Path(files[key][0])) for key in papers}
    store.put_papers(papers, gone=gone, files={
        key: (rel[key], hashes[key], files[key][1], files[key][2]) for key in papers})
    store.touch(touched)
    if report.sessions_changed:
        assert project is not None
        store.put_sessions(project, side)
    store.rebuilt = False
    return report

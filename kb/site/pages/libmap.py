"""A picture of the library: every paper as a point in 2-D, and a timeline by year.

The map projects the papers' embeddings (the vectors search and related papers use, from the
``.kb/`` cache) onto their first two principal components: papers close together are about
similar things. Both pictures are drawn at build time as SVG: no script, readable in both
colour schemes; each point is a link to the paper's page with its title as tooltip, coloured
by the first session that reads the paper. The timeline puts each (paper, session) pair in
the session's row at the paper's year, so one sees which sessions read old and which new work.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.course.config import Config
from kb.model.entries import Project
from kb.site.pages.common import Href, SiteData, paper_src, render

if TYPE_CHECKING:
    from kb.search.embed import Embedder

MAP_PAGE = "map.md"
# Its points repeat every title: left out of search, so results name the papers' pages.
MAP_META = {"title": "Map", "search": {"exclude": True}}
WIDTH, HEIGHT, PAD = 640, 440, 18
GOLDEN_ANGLE = 137.508


@dataclass
class Point:
    key: str
    title: str
    year: int | None
    session: int | None          # the first session that reads the paper
    sessions: list[int]          # every session that reads it
    x: float = 0.0               # 0..1
    y: float = 0.0


@dataclass
class LibraryMap:
    points: list[Point] = field(default_factory=list)
    colours: dict[int, str] = field(default_factory=dict)   # session number -> colour
    explained: tuple[float, float] = (0.0, 0.0)             # variance share of the two axes


def session_colours(numbers: list[int]) -> dict[int, str]:
    """Distinct hues for the sessions, spread by the golden angle, mid lightness so that they
    read on both the light and the dark background."""
    return {n: f"hsl({(i * GOLDEN_ANGLE + 210) % 360:.0f}, 70%, 48%)"
            for i, n in enumerate(sorted(numbers))}


def project_2d(matrix: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """PCA to two dimensions, scaled to 0..1 per axis; signs fixed so reruns agree.

    The components are the top eigenvectors of the (dim x dim) scatter matrix, which is
    cheaper than an SVD of the (papers x dim) matrix for a large library.
    """
    n = matrix.shape[0]
    if n == 0:
        return np.zeros((0, 2)), (0.0, 0.0)
    centred = matrix.astype(np.float64) - matrix.mean(axis=0)
    if n == 1 or not np.any(centred):
        return np.full((n, 2), 0.5), (0.0, 0.0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(values)[::-1][:2]
    comps = vectors[:, order].T
    comps *= np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])[:, None]
    coords = centred @ comps.T
    if coords.shape[1] == 1:
        coords = np.hstack([coords, np.zeros((n, 1))])
    total = float(values.clip(min=0).sum()) or 1.0
    top = [float(max(values[i], 0.0)) / total for i in order] + [0.0, 0.0]
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    return (coords - low) / span, (top[0], top[1])


def library_map(config: Config, project: Project, public: Project, *,
                embedder: Embedder | None = None) -> LibraryMap | None:
    """The map of ``public``'s papers from the cached vectors (None when switched off)."""
    if not config.options.library_map:
        return None
    first: dict[str, list[int]] = defaultdict(list)
    for session in sorted(public.sessions, key=lambda s: s.session):
        for reading in session.readings:
            if session.session not in first[reading.key]:
                first[reading.key].append(session.session)
    points = [Point(k, p.title, p.year, first[k][0] if first.get(k) else None, first.get(k, []))
              for k, p in sorted(public.papers.items())]
    out = LibraryMap(points, session_colours([s.session for s in public.sessions]))
    if not points:
        return out
    from kb.search.engine import open_kb

    kb = open_kb(config, project, embedder=embedder, progress=False)
    try:
        index = kb.index
        kept = [p for p in points if p.key in index.positions]
        matrix = index.matrix[[index.positions[p.key] for p in kept]]
    finally:
        kb.close()
    coords, out.explained = project_2d(np.asarray(matrix))
    for point, (x, y) in zip(kept, coords, strict=True):
        point.x, point.y = float(x), float(y)
    out.points = kept
    return out


def _label(point: Point, titles: dict[int, str]) -> str:
    where = "; ".join(f"session {n}: {titles[n]}" for n in point.sessions if n in titles)
    year = f" ({point.year})" if point.year else ""
    return f"{point.title}{year}" + (f" — read in {where}" if where else " — not read in a session")


def map_page(data: SiteData, found: LibraryMap | None, href: Href) -> str:
    """The map page: the 2-D map, its legend, and the timeline."""
    if found is None:
        return "# Map of the library\n\nThe map is switched off (`library_map: false`).\n"
    titles = {s.session: s.title for s in data.project.sessions}
    parts = ["# Map of the library"]
    if not found.points:
        return parts[0] + "\n\nNo papers yet.\n"
    parts.append(
        "Every paper is a point, placed by the meaning of its title, abstract and notes: the two "
        "main directions (principal components) of the embeddings that search and related "
        f"papers use, which hold {found.explained[0]:.0%} and {found.explained[1]:.0%} of their "
        "variance. Papers close together are about similar things. The colour is the first "
        "session that reads the paper; hover or focus a point for its title, click to open it.")
    grey = "var(--md-default-fg-color--light)"
    dots = []
    for p in sorted(found.points, key=lambda p: p.session is not None):  # coloured on top
        dots.append({"href": href(paper_src(p.key)), "label": _label(p, titles),
                     "cx": PAD + p.x * (WIDTH - 2 * PAD), "cy": PAD + (1 - p.y) * (HEIGHT - 2 * PAD),
                     "colour": found.colours.get(p.session, grey) if p.session else grey})
    parts.append(render("map.html", dots=dots, width=WIDTH, height=HEIGHT))
    counts: dict[int | None, int] = defaultdict(int)
    for p in found.points:
        counts[p.session] += 1
    legend = [{"label": f"{s.session}. {s.title}", "colour": found.colours[s.session],
               "href": href(data.session_src[s.slug]) if s.slug in data.session_src else "",
               "count": counts.get(s.session, 0)}
              for s in sorted(data.project.sessions, key=lambda s: s.session)
              if counts.get(s.session)]
    if counts.get(None):
        legend.append({"label": "not read in a session", "colour": grey, "href": "",
                       "count": counts[None]})
    parts.append(render("map_legend.html", items=legend))
    parts += ["## Timeline", "The papers by year of publication, in the row of each session "
              "that reads them (a paper read in two sessions appears twice).",
              _timeline(data, found, href, titles, grey)]
    return "\n\n".join(parts) + "\n"


def _timeline(data: SiteData, found: LibraryMap, href: Href, titles: dict[int, str],
              grey: str) -> str:
    years = sorted({p.year for p in found.points if p.year})
    rows: list[int | None] = [s.session for s in sorted(data.project.sessions, key=lambda s: s.session)]
    if any(not p.sessions for p in found.points):
        rows.append(None)
    cells: dict[tuple[int | None, int], list[Point]] = defaultdict(list)
    for p in found.points:
        if not p.year:
            continue
        readers: list[int | None] = list(p.sessions) or [None]
        for n in readers:
            cells[(n, p.year)].append(p)
    rows = [r for r in rows if any(k[0] == r for k in cells)]
    if not years or not rows:
        return "No paper has a year."
    per_cell = max(len(v) for v in cells.values())
    step, label_w, col_w = 13, 44, max(30, min(64, 13 * min(per_cell, 4) + 6))
    per_line = max(1, (col_w - 4) // step)
    lines_per_row = {r: max((len(cells[(r, y)]) + per_line - 1) // per_line for y in years)
                     for r in rows}
    top, y_pos = 8, 8.0
    row_meta: list[dict[str, Any]] = []
    for r in rows:
        height = max(1, lines_per_row[r]) * step + 8
        row_meta.append({"y": y_pos, "h": height, "label": f"{r}" if r is not None else "–",
                         "title": titles.get(r, "not read in a session") if r is not None else
                         "not read in a session",
                         "href": href(data.session_src[s.slug]) if r is not None and
                         (s := data.project.session(r)) and s.slug in data.session_src else ""})
        y_pos += height
    dots = []
    for meta, r in zip(row_meta, rows, strict=True):
        for col, year in enumerate(years):
            for i, p in enumerate(sorted(cells.get((r, year), []), key=lambda p: p.title)):
                dots.append({"href": href(paper_src(p.key)), "label": _label(p, titles),
                             "cx": label_w + col * col_w + 8 + (i % per_line) * step,
                             "cy": meta["y"] + 10 + (i // per_line) * step,
                             "colour": found.colours.get(r, grey) if r is not None else grey})
    width = label_w + len(years) * col_w + 4
    cols = [{"x": label_w + i * col_w, "year": y, "short": f"’{y % 100:02d}"}
            for i, y in enumerate(years)]
    return render("timeline.html", rows=row_meta, cols=cols, dots=dots, width=width,
                  height=y_pos + 22, top=top, col_w=col_w, label_w=label_w)

"""A picture of the library: every paper as a point in 2-D, and a timeline by year.

The map projects the papers' embeddings (the vectors search and related papers use, from the
``.kb/`` cache) onto their first two principal components: papers close together are about
similar things. Both pictures are drawn at build time as SVG whose positions are percentages
and whose dots and text are pixels, so they fit any column (a phone's 390 px, a desktop's
1280 px) without shrinking the text or the dots. Each point is a link to the paper's page with
its title as tooltip, marked by the first session that reads the paper: Okabe and Ito's
colour-blind-safe colours, then the same colours as rings, so sessions never share a mark.
The citations between the course's papers (their ``cites:`` fields) are thin lines behind the
dots, with a switch to hide them; the densest groups carry a label (their most common tag).
A tap on a phone shows the paper's title and sessions and a link to it (kb.js); without
script a tap opens the paper. The timeline is to scale: one column of the years from the
oldest paper to the newest, each (paper, session) pair in the session's row at its year.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
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
ASPECT = (640, 440)              # the map's width and height on a wide screen (CSS: 1:1 on a phone)
# Okabe & Ito (2008), "Color Universal Design": told apart with every common colour-vision
# deficiency. Yellow only as a filled dot: as a thin ring it vanishes on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
RING_PALETTE = PALETTE[:6]
GREY = "var(--md-default-fg-color--light)"


@dataclass(frozen=True)
class Mark:
    """How one session's points look: a colour and a mark (a filled dot, a ring, a dashed ring)."""

    colour: str
    kind: str = "fill"


@dataclass
class Point:
    key: str
    title: str
    year: int | None
    session: int | None          # the first session that reads the paper
    sessions: list[int]          # every session that reads it
    x: float = 0.0               # 0..1
    y: float = 0.0
    tags: list[str] = field(default_factory=list)


@dataclass
class LibraryMap:
    points: list[Point] = field(default_factory=list)
    marks: dict[int, Mark] = field(default_factory=dict)    # session number -> mark
    explained: tuple[float, float] = (0.0, 0.0)             # variance share of the two axes


def session_marks(numbers: list[int]) -> dict[int, Mark]:
    """A distinct mark per session, in session order: the seven colours as filled dots, then
    six of them as rings, then as dashed rings (19 marks before any repeats)."""
    marks = [Mark(c) for c in PALETTE] + [Mark(c, "ring") for c in RING_PALETTE] \
        + [Mark(c, "dash") for c in RING_PALETTE]
    return {n: marks[i % len(marks)] for i, n in enumerate(sorted(numbers))}


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
    points = [Point(k, p.title, p.year, first[k][0] if first.get(k) else None, first.get(k, []),
                    tags=list(p.tags))
              for k, p in sorted(public.papers.items())]
    out = LibraryMap(points, session_marks([s.session for s in public.sessions]))
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


def _where(point: Point, titles: dict[int, str]) -> str:
    """The card's second line: '2022 · read in session 4: RLHF and PPO'."""
    where = "; ".join(f"session {n}: {titles[n]}" for n in point.sessions if n in titles)
    return " · ".join(t for t in (str(point.year or ""), f"read in {where}" if where else
                                  "not read in a session") if t)


def _pos(point: Point) -> tuple[float, float]:
    """The point's place in the plot, in percent of its width and height (a margin kept)."""
    return 3 + 94 * point.x, 5 + 90 * (1 - point.y)


def dense_groups(points: list[Point], *, radius: float = 0.12, least: int = 4,
                 most: int = 4) -> list[list[Point]]:
    """The densest groups of points, greedily: the point with the most neighbours within
    ``radius`` (of the map's width, on the wide map's aspect) and those neighbours, then the
    same among the rest; at most ``most`` groups of at least ``least`` points."""
    width, height = ASPECT
    left = list(points)
    groups: list[list[Point]] = []

    def near(p: Point) -> list[Point]:
        return [q for q in left if math.hypot((p.x - q.x) * width, (p.y - q.y) * height)
                <= radius * width]

    while left and len(groups) < most:
        best = max(left, key=lambda p: (len(near(p)), p.key))
        members = near(best)
        if len(members) < least:
            break
        groups.append(members)
        left = [q for q in left if q not in members]
    return groups


def group_label(members: list[Point]) -> str | None:
    """A group's label: the tag most of its papers share (at least half of them), or None."""
    counts = Counter(t for p in members for t in dict.fromkeys(p.tags))
    if not counts:
        return None
    tag, count = max(counts.items(), key=lambda item: (item[1], -len(item[0]), item[0]))
    return tag.replace("-", " ") if count * 2 >= len(members) and count >= 2 else None


def map_page(data: SiteData, found: LibraryMap | None, href: Href) -> str:
    """The map page: the 2-D map, its legend, the papers by session, and the timeline."""
    if found is None:
        return "# Map of the library\n\nThe map is switched off (`library_map: false`).\n"
    titles = {s.session: s.title for s in data.project.sessions}
    parts = ["# Map of the library"]
    if not found.points:
        return parts[0] + "\n\nNo papers yet.\n"
    on_map = {p.key: p for p in found.points}
    edges = [(a, b) for a, cited in sorted(data.cites.items()) if a in on_map
             for b in cited if b in on_map]
    parts.append(
        "Every paper is a point, placed by the meaning of its title, abstract and notes: the two "
        "main directions (principal components) of the embeddings that search and related "
        f"papers use, which hold {found.explained[0]:.0%} and {found.explained[1]:.0%} of their "
        "variance. Papers close together are about similar things. The colour and mark are the "
        "first session that reads the paper"
        + ("; a line joins two papers when one cites the other" if edges else "")
        + ". Hover, focus or tap a point for its title; click it, tap it again, or follow the "
        "link shown to open it.")
    dots = []
    for p in sorted(found.points, key=lambda p: (p.session is not None, p.key)):  # marked on top
        mark = found.marks.get(p.session) if p.session is not None else None
        x, y = _pos(p)
        dots.append({"href": href(paper_src(p.key)), "label": _label(p, titles), "x": x, "y": y,
                     "key": p.key, "title": p.title, "where": _where(p, titles),
                     "colour": mark.colour if mark else GREY, "kind": mark.kind if mark else "none"})
    lines = [{"a": a, "b": b, "x1": _pos(on_map[a])[0], "y1": _pos(on_map[a])[1],
              "x2": _pos(on_map[b])[0], "y2": _pos(on_map[b])[1]} for a, b in edges]
    labels = []
    for members in dense_groups(found.points):
        text = group_label(members)
        if text:
            xs = [_pos(p)[0] for p in members]
            top = min(_pos(p)[1] for p in members)
            labels.append({"text": text, "count": len(members),
                           "x": min(max(sum(xs) / len(xs), 12.0), 88.0), "y": max(top, 6.0)})
    parts.append(render("map.html", dots=dots, lines=lines, labels=labels,
                        width=ASPECT[0], height=ASPECT[1]))
    reads: dict[int, int] = Counter(n for p in found.points for n in p.sessions)
    legend = [{"label": f"{s.session}. {s.title}", "colour": found.marks[s.session].colour,
               "kind": found.marks[s.session].kind,
               "href": href(data.session_src[s.slug]) if s.slug in data.session_src else "",
               "count": reads.get(s.session, 0)}
              for s in sorted(data.project.sessions, key=lambda s: s.session)
              if s.session in found.marks]
    unread = [p for p in found.points if not p.sessions]
    if unread:
        legend.append({"label": "not read in a session", "colour": GREY, "kind": "none", "href": "",
                       "count": len(unread)})
    parts.append(render("map_legend.html", items=legend))
    parts.append(_paper_list(data, found, href, titles))
    parts += ["## Timeline", "The papers by year of publication, to scale, in the row of each "
              "session that reads them (a paper read in two sessions appears twice).",
              _timeline(data, found, href, titles)]
    return "\n\n".join(parts) + "\n"


def _paper_list(data: SiteData, found: LibraryMap, href: Href, titles: dict[int, str]) -> str:
    """Every paper of the map as a link, by the first session that reads it: the map's text
    for screen readers, and a list to scan on a phone."""
    groups: dict[int | None, list[Point]] = defaultdict(list)
    for p in found.points:
        groups[p.session].append(p)
    order: list[int | None] = [*sorted(n for n in groups if n is not None)]
    order += [None] if None in groups else []
    items = []
    for n in order:
        mark = found.marks.get(n) if n is not None else None
        items.append({"label": f"Session {n}: {titles.get(n, '')}" if n is not None else
                      "Not read in a session",
                      "colour": mark.colour if mark else GREY, "kind": mark.kind if mark else "none",
                      "papers": [{"href": href(paper_src(p.key)), "title": p.title, "year": p.year}
                                 for p in sorted(groups[n], key=lambda p: (p.year or 0, p.title))]})
    return render("map_list.html", groups=items, count=len(found.points))


def year_ticks(first: int, last: int, most: int = 7) -> list[int]:
    """Round years from ``first`` to ``last``, at most ``most`` of them (a step of 1, 2, 5,
    10, 20, 25 or 50 years)."""
    span = max(last - first, 1)
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= most - 1), 100)
    start = -(-first // step) * step
    return list(range(start, last + 1, step))


def _timeline(data: SiteData, found: LibraryMap, href: Href, titles: dict[int, str]) -> str:
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
    first, last = years[0], years[-1]
    span = max(last - first, 1)

    def x_of(year: int) -> float:  # percent of the track's width, a margin for the dots kept
        return 2.5 + 95 * (year - first) / span if last > first else 50.0

    step, pad = 12, 6
    row_meta: list[dict[str, Any]] = []
    dots = []
    y_pos = 0
    for i, r in enumerate(rows):
        stack = max(len(cells.get((r, y), [])) for y in years)
        height = max(1, stack) * step + 2 * pad
        session = data.project.session(r) if r is not None else None
        mark = found.marks.get(r) if r is not None else None
        row_meta.append({"y": y_pos, "h": height, "alt": i % 2 == 1,
                         "label": f"S{r}" if r is not None else "–",
                         "title": f"Session {r}: {titles.get(r, '')}" if r is not None else
                         "not read in a session",
                         "href": href(data.session_src[session.slug]) if session and
                         session.slug in data.session_src else ""})
        for year in years:
            for j, p in enumerate(sorted(cells.get((r, year), []), key=lambda p: p.title)):
                dots.append({"href": href(paper_src(p.key)), "label": _label(p, titles),
                             "x": x_of(year), "y": y_pos + pad + step // 2 + j * step,
                             "colour": mark.colour if mark else GREY,
                             "kind": mark.kind if mark else "none"})
        y_pos += height
    ticks = [{"x": x_of(y), "year": y} for y in year_ticks(first, last)]
    return render("timeline.html", rows=row_meta, dots=dots, ticks=ticks, height=y_pos + 22,
                  axis=y_pos, first=first, last=last)

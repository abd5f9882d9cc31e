"""This repository's own course: complete, valid, and written in its own words.

The facts are checked against the real course data in ../shared/data/course (read-only):
``reading_lists_derived.json`` (session numbers, dates, titles, slides) and
``course-readings.md`` (which reading a session lists, under which heading).

Reading kinds map the course pages' headings as follows (docs/index.md says the same):

- "Student presentation(s)", also "main (session text) + student presentation" -> presentation
- "main" (named in the session's own text)                                     -> required
- "Further materials (optional)", "Further references"                         -> optional
- "Further paper discussed in the lecture"                                     -> background

The six RLHF canon papers are not on the course pages; they are added to the sessions they
belong to as optional or background readings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import SHARED, run
from kb.course.config import load_config
from kb.course.load import load_project
from kb.model.ids import normalize_arxiv
from kb.model.entries import Project

ROOT = Path(__file__).resolve().parents[1]
COURSE = SHARED / "course"
CANON = {
    "1706.03741": "christiano2017deep",
    "1909.08593": "ziegler2019fine",
    "1502.05477": "schulman2015trust",
    "1506.02438": "schulman2016high",
    "2305.18290": "rafailov2023direct",
    "2210.10760": "gao2022scaling",
}
RL_TAGS = {"rlhf", "policy-gradient", "reinforcement-learning", "reward-modeling"}


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(load_config(ROOT))


def _course_bib() -> str:
    return (COURSE / "course-readings.bib").read_text(encoding="utf-8")


def test_check_strict_passes_on_this_repository() -> None:
    result = run(ROOT, "check", "--strict")
    assert result.exit_code == 0, result.output


def test_every_course_and_canon_arxiv_id_present_exactly_once(project: Project) -> None:
    wanted = set(re.findall(r"eprint\s*=\s*\{([^}]+)\}", _course_bib())) | set(CANON)
    assert len(wanted) == 39 + len(CANON)
    have: dict[str, list[str]] = {}
    for key, paper in project.papers.items():
        if paper.arxiv:
            have.setdefault(normalize_arxiv(paper.arxiv), []).append(key)
    assert sorted(wanted - set(have)) == []
    assert {a: keys for a, keys in have.items() if len(keys) > 1} == {}
    for arxiv, key in CANON.items():
        assert have[arxiv] == [key]


def test_every_course_reading_key_is_a_paper(project: Project) -> None:
    keys = set(re.findall(r"^@\w+\{([^,]+),", _course_bib(), re.M))
    assert len(keys) == 43
    assert sorted(keys - set(project.papers)) == []
    assert len(project.papers) == 43 + len(CANON)


def _derived_sessions() -> dict[int, dict]:
    derived = json.loads((COURSE / "reading_lists_derived.json").read_text(encoding="utf-8"))
    return {int(s["session"]): s for s in derived["RL4-language-model-training"]["sessions"]}


def _listed_readings() -> dict[int, dict[str, str]]:
    """RL4 session number -> {reading key: course heading}, as course-readings.md lists them."""
    text = (COURSE / "course-readings.md").read_text(encoding="utf-8")
    out: dict[int, dict[str, str]] = {}
    for m in re.finditer(r'^\* \*\*RL4 \(WS 2023/24\) S(\d+)\*\* \([^"]*"[^"]+": (.*)$', text, re.M):
        entries = re.findall(r"`([^`]+)` \(((?:[^()]|\([^()]*\))*)\)", m.group(2))
        out[int(m.group(1))] = dict(entries)
    return out


def expected_kind(heading: str) -> str:
    """The reading kind for a course page's heading (the mapping in the module docstring)."""
    h = heading.lower()
    if "presentation" in h:
        return "presentation"
    if h.startswith("main"):
        return "required"
    if "optional" in h or "further references" in h:
        return "optional"
    if "discussed in the lecture" in h:
        return "background"
    raise AssertionError(f"no kind for the course heading {heading!r}")


def test_expected_kind_mapping() -> None:
    assert expected_kind("Further materials (optional)") == "optional"
    assert expected_kind("main (session text) + student presentation") == "presentation"
    assert expected_kind("main (model discussed in the session text)") == "required"
    assert expected_kind("Further paper discussed in the lecture") == "background"
    with pytest.raises(AssertionError):
        expected_kind("Webbook")


def test_all_thirteen_sessions_with_dates_titles_and_slides(project: Project) -> None:
    derived = _derived_sessions()
    assert [s.session for s in project.sessions] == list(range(1, 14)) == sorted(derived)
    for session in project.sessions:
        real = derived[session.session]
        assert str(session.date) == real["date"], session.slug
        assert session.title == real["title"], session.slug
        slides = [link["url"] for link in real["links"] if link["kind"] == "slides"]
        assert session.slides == slides[0], session.slug
        assert session.readings, f"{session.slug} lists no readings"
        assert len(session.body.split()) >= 50, f"{session.slug} has no real description"


def test_sessions_list_the_course_readings_with_their_kind(project: Project) -> None:
    listed = _listed_readings()
    assert len(listed) == 12 and sum(len(r) for r in listed.values()) == 39
    for number, readings in listed.items():
        session = project.session(number)
        assert session is not None
        kinds = {r.key: r.kind for r in session.readings}
        for key, heading in readings.items():
            assert kinds.get(key) == expected_kind(heading), (number, key, heading)


def test_canon_papers_are_optional_or_background_readings(project: Project) -> None:
    listed = {key for readings in _listed_readings().values() for key in readings}
    added = [(s.session, r) for s in project.sessions for r in s.readings if r.key not in listed]
    assert {r.key for _, r in added} == set(CANON.values())
    assert all(r.kind in ("optional", "background") for _, r in added)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(\"])", text.strip()) if s]


def test_sentence_counter() -> None:
    assert len(_sentences("One. Two (2.5 of them)! Three, e.g. this? (Four.)")) == 4


def test_every_paper_has_tags_from_the_vocabulary_and_a_summary(project: Project) -> None:
    vocabulary = load_config(ROOT).options.tags
    assert 8 <= len(vocabulary) <= 16
    assert all(description.strip() for description in vocabulary.values())
    used: set[str] = set()
    for key, paper in project.papers.items():
        assert 2 <= len(paper.tags) <= 4, key
        assert set(paper.tags) <= set(vocabulary), key
        assert paper.summary, key
        assert 2 <= len(_sentences(paper.summary)) <= 4, (key, _sentences(paper.summary))
        assert not paper.abstract, f"{key}: abstracts stay in ../shared, not in papers/"
        used |= set(paper.tags)
    assert used == set(vocabulary)


def test_rl_papers_have_notes_with_questions(project: Project) -> None:
    with_notes = [p for p in project.papers.values() if p.notes.strip()]
    for paper in with_notes:
        assert "## Key ideas" in paper.notes, paper.key
        ideas, _, questions = paper.notes.partition("## Questions for discussion")
        assert re.search(r"^- ", ideas, re.M), paper.key
        assert 2 <= len(re.findall(r"^\d+\. ", questions, re.M)) <= 3, paper.key
    rl = [p for p in with_notes if RL_TAGS & set(p.tags)]
    assert len(rl) >= 15
    assert set(CANON.values()) <= {p.key for p in with_notes}


def test_posters_show_the_format(project: Project) -> None:
    assert len(project.posters) >= 3
    for poster in project.posters:
        assert poster.papers and poster.session and project.session(poster.session)
        assert all(re.fullmatch(r"Group \d+", a) for a in poster.authors), poster.authors
        positions = [poster.body.find(s) for s in
                     ("## Claim", "## Method", "## Evidence", "## Open questions")]
        assert -1 not in positions and positions == sorted(positions), poster.slug
        cited = set(re.findall(r"@([A-Za-z0-9][A-Za-z0-9_.+-]*)", poster.body))
        assert cited == set(poster.papers), poster.slug
        assert set(poster.papers) <= set(project.papers), poster.slug


# ------------------------------------------------------------ own words only

def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(words: list[str], n: int = 10) -> set[str]:
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


_ABSTRACT_RE = re.compile(r"\babstract\s*=\s*", re.I)


def _bib_abstracts(text: str) -> list[str]:
    """The abstract fields of a .bib file, braces balanced or quoted."""
    out = []
    for m in _ABSTRACT_RE.finditer(text):
        i = m.end()
        if i < len(text) and text[i] == "{":
            depth, j = 0, i
            while j < len(text):
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                if depth == 0:
                    break
                j += 1
            out.append(text[i + 1:j])
        elif i < len(text) and text[i] == '"':
            j = text.find('"', i + 1)
            out.append(text[i + 1:j if j > 0 else len(text)])
    return out


def test_bib_abstracts_reader() -> None:
    text = '@a{k, abstract = {One {Two} three}, title={T}}\n@b{l, Abstract="Four five"}'
    assert _bib_abstracts(text) == ["One {Two} three", "Four five"]


def _front_matter_abstract(text: str) -> str:
    if not text.startswith("---"):
        return ""
    try:
        data = yaml.safe_load(text.split("---", 2)[1])
    except yaml.YAMLError:
        return ""
    return str(data.get("abstract") or "") if isinstance(data, dict) else ""


def _prose(markdown: str) -> list[str]:
    """Paragraphs of a course page, links reduced to their text, code and tables left out."""
    markdown = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    markdown = re.sub(r"\[([^\]]*)\]\([^)]*\)?", r"\1", markdown)
    paragraphs = []
    for block in re.split(r"\n\s*\n", markdown):
        lines = [ln for ln in block.splitlines() if not ln.lstrip().startswith(("|", "#"))]
        paragraphs.append(" ".join(lines))
    return paragraphs


def _source_shingles() -> set[str]:
    """10-word shingles of every abstract under ../shared/data/bib* and of the course pages."""
    abstracts: list[str] = []
    titles: set[str] = set()
    for folder in [*sorted(SHARED.glob("bib*")), COURSE]:
        for path in folder.rglob("*"):
            if path.suffix == ".bib":
                text = path.read_text(encoding="utf-8", errors="replace")
                abstracts += _bib_abstracts(text)
                for m in re.finditer(r"\btitle\s*=\s*[{\"](.+?)[}\"]\s*,?\s*\n", text, re.I):
                    titles |= _shingles(_words(m.group(1)))
            elif path.suffix == ".md" and folder != COURSE:
                abstracts.append(_front_matter_abstract(path.read_text(errors="replace")))
    src: set[str] = set()
    for abstract in abstracts:
        src |= _shingles(_words(abstract))
    pages: set[str] = set()
    for page in COURSE.rglob("*"):
        if page.suffix not in (".md", ".markdown") or page.name in ("course-readings.md", "SUMMARY.md"):
            continue
        for paragraph in _prose(page.read_text(encoding="utf-8", errors="replace")):
            pages |= _shingles(_words(paragraph))
    return src | (pages - titles)


def test_no_sentence_copied_from_abstracts_or_course_pages() -> None:
    src = _source_shingles()
    assert len(src) > 50_000  # the sources were really read
    files = sorted((ROOT / "papers").glob("*.md")) + sorted((ROOT / "docs").rglob("*.md"))
    assert len(files) >= 49 + 13 + 3
    copied = {str(p.relative_to(ROOT)): sorted(_shingles(_words(p.read_text()))) for p in files}
    copied = {path: [s for s in shingles if s in src][:3] for path, shingles in copied.items()}
    assert {path: s for path, s in copied.items() if s} == {}


def test_shingle_check_catches_a_copied_abstract() -> None:
    """The guard above is not vacuous: a real abstract sentence is found."""
    abstracts = [a for a in _bib_abstracts((SHARED / "bib" / "canon_extract.bib").read_text())
                 if len(a.split()) > 30]
    assert abstracts
    planted = _shingles(_words("Our summary: " + " ".join(abstracts[0].split()[:15])))
    assert planted & _source_shingles()

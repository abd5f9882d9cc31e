"""`kb enrich --references`: the course's citation graph from OpenAlex, against a loopback
server that answers with the recorded OpenAlex works in tests/data/net/openalex/ (SOURCES.md
there names the repository, path and commit), and the cites: field it writes, checks and the
site shows."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import paper, run, write
from net_helpers import DATA, NetServer, Reply
from kb.model.ids import normalize_doi
from kb.net import openalex
from kb.net.cache import KEEP_FOUND, KEEP_NOT_FOUND
from kb.net.client import PoliteClient
from kb.net.errors import BadResponseError, MismatchError, ServiceError

RECORDED = DATA / "openalex" / "works-shm-select.json"
FARRAR_2007 = "10.1098/rsta.2006.1928"            # W2027456229, cites W2610557234
FARRAR_2012 = "10.1002/9781118443118"             # W4235292672, cites nothing
GIURGIUTIU = "10.1016/c2013-0-00155-7"            # W1564524412, cites nothing
UNKNOWN = "10.1371/journal.pone.0033693"          # a real DOI, not in the recorded answer
# W2610557234 (Sohn et al.'s review of the SHM literature 1996-2001) has no DOI in OpenAlex,
# so no course could ask for it by DOI: the test serves it for this DOI of the test prefix.
REVIEW = "10.5555/shm-review-1996-2001"


def recorded_works() -> list[dict[str, object]]:
    works = json.loads(RECORDED.read_text(encoding="utf-8"))["results"]
    for work in works:
        if work["id"] == "https://openalex.org/W2610557234":
            work["doi"] = f"https://doi.org/{REVIEW}"
    return works


class OpenAlexServer(NetServer):
    """The loopback server, with OpenAlex's ``/works`` list: the recorded works whose DOI the
    ``doi:`` filter names, reduced to the ``select`` fields, in OpenAlex's envelope (the
    recorded answer's ``meta`` shape). ``replies`` are sent first, one per request."""

    def __init__(self) -> None:
        super().__init__()
        self.works = recorded_works()
        self.replies: list[Reply] = []
        host, port = self._http.server_address[:2]
        self.openalex_url = f"http://{host}:{port}/openalex"

    def _reply_for(self, path: str) -> Reply:
        parts = urlsplit(path)
        if parts.path != "/openalex/works":
            return super()._reply_for(path)
        if self.replies:
            return self.replies.pop(0)
        query = parse_qs(parts.query)
        wanted = query["filter"][0].removeprefix("doi:").split("|")
        fields = query["select"][0].split(",")
        results = [{f: w[f] for f in fields} for w in self.works
                   if w["doi"] and normalize_doi(str(w["doi"])) in wanted]
        body = {"meta": {"count": len(results), "db_response_time_ms": 421, "page": 1,
                         "per_page": int(query["per-page"][0]), "groups_count": None},
                "results": results}
        return Reply(200, json.dumps(body), "application/json")

    def asked(self) -> list[dict[str, list[str]]]:
        return [parse_qs(urlsplit(p).query) for p in self.requests("/openalex/works")]


@pytest.fixture
def server() -> Iterator[OpenAlexServer]:
    srv = OpenAlexServer()
    yield srv
    srv.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[PoliteClient]:
    sleeps: list[float] = []
    with PoliteClient(cache_dir=tmp_path / "net", timeout=2.0, backoff=0.01,
                      sleep=sleeps.append) as c:
        c.sleeps = sleeps  # type: ignore[attr-defined]
        yield c


@pytest.fixture
def net(server: OpenAlexServer, monkeypatch: pytest.MonkeyPatch) -> OpenAlexServer:
    """The server as kb's OpenAlex (KB_OPENALEX_API), waits recorded instead of slept."""
    import kb.curate.services

    monkeypatch.setenv("KB_OPENALEX_API", server.openalex_url)
    monkeypatch.delenv("KB_OPENALEX_KEY", raising=False)
    sleeps: list[float] = []
    monkeypatch.setattr(kb.curate.services, "CLIENT_OPTIONS",
                        {"sleep": sleeps.append, "backoff": 0.01, "timeout": 2.0})
    server.sleeps = sleeps  # type: ignore[attr-defined]
    return server


def shm_course(root: Path) -> Path:
    """A course whose papers are the recorded works, a preprint OpenAlex was not asked
    about in the recording, and a paper with no id at all."""
    write(root, "papers/farrar2007introduction.md", paper(
        "farrar2007introduction", title="An introduction to structural health monitoring",
        authors=["Farrar, Charles R.", "Worden, Keith"], year=2007, doi=FARRAR_2007))
    write(root, "papers/farrar2012structural.md", paper(
        "farrar2012structural", type="book", title="Structural Health Monitoring",
        authors=["Farrar, Charles R.", "Worden, Keith"], year=2012, doi=FARRAR_2012))
    write(root, "papers/giurgiutiu2014structural.md", paper(
        "giurgiutiu2014structural", type="book",
        title="Structural Health Monitoring with Piezoelectric Wafer Active Sensors",
        authors=["Giurgiutiu, Victor"], year=2014, doi=GIURGIUTIU))
    write(root, "papers/sohn2002review.md", paper(
        "sohn2002review", type="techreport",
        title="A review of structural health monitoring literature 1996-2001",
        authors=["Farrar, Charles R.", "Sohn, Hoon"], year=2002, doi=REVIEW))
    write(root, "papers/notes2020.md", paper("notes2020", title="Lecture notes without an id"))
    return root


# ---------------------------------------------------------------- kb.net.openalex


def test_recorded_answer_reads_with_its_references() -> None:
    works = openalex.parse_works(RECORDED.read_text(encoding="utf-8"), "test")
    assert [w.id for w in works] == ["W2027456229", "W4235292672", "W1564524412",
                                     "W2610557234", "W1582368210"]
    assert [len(w.references) for w in works] == [30, 0, 0, 233, 61]
    assert works[0].doi == FARRAR_2007 and works[3].doi == ""
    assert "W2610557234" in works[0].references


def test_batch_with_an_unknown_doi(server: OpenAlexServer, client: PoliteClient,
                                   tmp_path: Path) -> None:
    found = openalex.fetch(client, server.openalex_url, [FARRAR_2007.upper(), UNKNOWN,
                                                        FARRAR_2012])
    assert set(found) == {FARRAR_2007, UNKNOWN, FARRAR_2012}
    assert found[UNKNOWN] == [] and found[FARRAR_2012][0].references == ()
    [work] = found[FARRAR_2007]
    assert (work.id, len(work.references)) == ("W2027456229", 30)
    [asked] = server.asked()
    assert asked["filter"] == [f"doi:{FARRAR_2007}|{UNKNOWN}|{FARRAR_2012}"]
    assert asked["select"] == ["id,doi,referenced_works"] and asked["per-page"] == ["50"]
    # a batch with a DOI not found is kept a day, so a new DOI appears soon
    [entry] = (tmp_path / "net").rglob("*.json")
    assert json.loads(entry.read_text())["keep"] == KEEP_NOT_FOUND
    again = openalex.fetch(client, server.openalex_url, [FARRAR_2007, UNKNOWN, FARRAR_2012])
    assert again == found and len(server.asked()) == 1 and client.cache_hits == 1


def test_a_batch_all_found_is_kept_a_month(server: OpenAlexServer, client: PoliteClient,
                                           tmp_path: Path) -> None:
    openalex.fetch(client, server.openalex_url, [GIURGIUTIU, FARRAR_2012])
    [entry] = (tmp_path / "net").rglob("*.json")
    assert json.loads(entry.read_text())["keep"] == KEEP_FOUND


def test_429_then_success(server: OpenAlexServer, client: PoliteClient) -> None:
    server.replies = [Reply(429, '{"error": "Too Many Requests"}', "application/json",
                            headers={"Retry-After": "2"})]
    found = openalex.fetch(client, server.openalex_url, [FARRAR_2007])
    assert found[FARRAR_2007][0].id == "W2027456229"
    assert client.sleeps == [2.0] and len(server.asked()) == 2  # type: ignore[attr-defined]


def test_malformed_json_is_an_error_and_not_kept(server: OpenAlexServer,
                                                 client: PoliteClient, tmp_path: Path) -> None:
    text = RECORDED.read_text(encoding="utf-8")
    server.replies = [Reply(200, text[:len(text) // 2], "application/json")]
    with pytest.raises(BadResponseError, match=r"OpenAlex works for DOI 10\.1098/rsta\.2006\.1928: "
                       r"the OpenAlex answer is not valid JSON"):
        openalex.fetch(client, server.openalex_url, [FARRAR_2007])
    assert not list((tmp_path / "net").rglob("*.json"))
    assert openalex.fetch(client, server.openalex_url, [FARRAR_2007])[FARRAR_2007]


@pytest.mark.parametrize("body,error,match", [
    ('{"meta": {}, "results": [{"id": "https://openalex.org/A5040799192", "doi": null}]}',
     BadResponseError, "where an OpenAlex work id"),
    ('{"meta": {}, "results": [{"id": "https://openalex.org/W1", "doi": "https://doi.org/10.1/x"}]}',
     MismatchError, "holds work W1 for DOI '10.1/x', which was not asked for"),
    ('{"meta": {}, "results": [{"id": "https://openalex.org/W1", "referenced_works": [[1]]}]}',
     BadResponseError, "referenced_works is a list"),
    ('{"error": "Invalid query parameters"}', BadResponseError, "not a list of works"),
])
def test_answers_kb_cannot_use_are_errors(server: OpenAlexServer, client: PoliteClient,
                                          body: str, error: type[Exception], match: str) -> None:
    server.replies = [Reply(200, body, "application/json")]
    with pytest.raises(error, match=match):
        openalex.fetch(client, server.openalex_url, [FARRAR_2007])


def test_api_key_is_sent_but_never_kept_or_shown(server: OpenAlexServer, client: PoliteClient,
                                                 tmp_path: Path) -> None:
    key = "s3cret+key/1"
    openalex.fetch(client, server.openalex_url, [FARRAR_2007], api_key=key)
    [asked] = server.asked()
    assert asked["api_key"] == [key]
    [entry] = (tmp_path / "net").rglob("*.json")
    assert "s3cret" not in entry.read_text()
    # the cache knows the answer without the key: asked again with another key, none is sent
    openalex.fetch(client, server.openalex_url, [FARRAR_2007], api_key="other")
    assert len(server.asked()) == 1
    server.replies = [Reply(403, "Invalid API key " + key, "text/plain")]
    with pytest.raises(ServiceError) as caught:
        openalex.fetch(client, server.openalex_url, [GIURGIUTIU], api_key=key)
    assert "KB_OPENALEX_KEY" in str(caught.value.fix)


def test_dois_openalex_filters_cannot_hold_are_refused() -> None:
    assert openalex.doi_filter_problem("10.1000/a|b")
    assert openalex.doi_filter_problem("10.1000/a,b")
    assert openalex.doi_filter_problem(FARRAR_2007) is None
    assert openalex.arxiv_doi("2203.02155") == "10.48550/arxiv.2203.02155"


# ---------------------------------------------------------------- kb enrich --references


def test_cites_written_from_the_recorded_works(course: Path, net: OpenAlexServer) -> None:
    shm_course(course)
    before = (course / "papers/farrar2007introduction.md").read_text()
    result = run(course, "enrich", "--references")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "farrar2007introduction: cites sohn2002review",
        "farrar2012structural: unchanged: cites no other paper of the course",
        "giurgiutiu2014structural: unchanged: cites no other paper of the course",
        "sohn2002review: unchanged: cites no other paper of the course",
        "vaswani2017attention: not found: OpenAlex knows no work with DOI "
        "10.48550/arxiv.1706.03762",
        "1 paper got 1 new citation, 3 unchanged, 1 not in OpenAlex, 0 failed, 1 skipped "
        "(no DOI or arXiv id); 1 request sent"]
    after = (course / "papers/farrar2007introduction.md").read_text()
    head, _, body = before.partition("\n---\n")
    assert after == head + "\ncites:\n- sohn2002review\n---\n" + body  # the rest as written
    [asked] = net.asked()
    assert asked["filter"][0].split("|")[-1] == "10.48550/arxiv.1706.03762"  # the preprint
    assert run(course, "check").exit_code == 0
    again = run(course, "enrich", "--references")
    assert "farrar2007introduction: unchanged: its cites: already lists them" in again.output
    assert again.output.endswith("0 requests sent, 1 answer from the cache in .kb/net/ "
                                 "(--refresh asks again)\n")


def test_keys_limit_the_files_written_not_the_papers_asked(course: Path,
                                                           net: OpenAlexServer) -> None:
    shm_course(course)
    path = course / "papers/farrar2007introduction.md"
    path.write_text(path.read_text().replace("---\n", "---\ncites:\n- farrar2012structural\n", 1))
    result = run(course, "enrich", "--references", "farrar2007introduction", "--json")
    data = json.loads(result.output)
    assert [p["key"] for p in data["papers"]] == ["farrar2007introduction"]
    assert data["papers"][0]["added"] == ["sohn2002review"]
    assert len(net.asked()[0]["filter"][0].split("|")) == 5  # every paper with a DOI
    assert "cites:\n- farrar2012structural\n- sohn2002review\n" in path.read_text()


def test_dry_run_writes_nothing_and_unknown_key_says_did_you_mean(course: Path,
                                                                  net: OpenAlexServer) -> None:
    shm_course(course)
    before = (course / "papers/farrar2007introduction.md").read_text()
    result = run(course, "enrich", "--references", "--dry-run")
    assert result.output.endswith("(dry run: nothing was written)\n")
    assert (course / "papers/farrar2007introduction.md").read_text() == before
    result = run(course, "enrich", "--references", "farar2007introduction")
    assert result.exit_code == 2 and "did you mean farrar2007introduction?" in result.output
    assert len(net.asked()) == 1


def test_api_key_from_the_environment(course: Path, net: OpenAlexServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shm_course(course)
    monkeypatch.setenv("KB_OPENALEX_KEY", "course-key-123")
    assert run(course, "enrich", "--references").exit_code == 0
    assert net.asked()[0]["api_key"] == ["course-key-123"]
    assert not any("course-key-123" in p.read_text() for p in (course / ".kb/net").rglob("*.json"))


def test_a_failed_request_is_reported_and_exits_1(course: Path, net: OpenAlexServer) -> None:
    shm_course(course)
    net.replies = [Reply(503, "down", "text/plain")] * 4
    result = run(course, "enrich", "--references")
    assert result.exit_code == 1
    assert re.search(r"farrar2007introduction: failed: OpenAlex works for DOI .*answered HTTP 503",
                     result.output)
    assert "cites" not in (course / "papers/farrar2007introduction.md").read_text()


# ---------------------------------------------------------------- kb check, the site


def test_check_names_unknown_and_own_keys_in_cites(course: Path) -> None:
    write(course, "papers/a2020.md", paper("a2020", cites=["vaswani2017atention", "a2020",
                                                           "vaswani2017attention"]))
    result = run(course, "check")
    assert result.exit_code == 1
    assert ("papers/a2020.md:9: error [cites[0]] cites 'vaswani2017atention', which names no "
            "paper in papers/ (dangling-cites)\n    fix: did you mean vaswani2017attention? If "
            "not, correct the key, or remove it") in result.output
    assert "papers/a2020.md:10: warning [cites[1]] the paper lists itself ('a2020') under " \
           "cites (self-cites)" in result.output


def test_paper_pages_show_cites_and_cited_by(course: Path) -> None:
    from kb.search.embed import HashingEmbedder
    from site_helpers import article, build_site, set_option, text_of

    write(course, "papers/a2020.md", paper("a2020", title="Citing paper",
                                           cites=["vaswani2017attention", "nobody2000"]))
    set_option(course, "checks", "{dangling-cites: warning}")  # an error stops the build
    site = build_site(course, strict=False, embedder=HashingEmbedder())
    citing = article((site / "papers/a2020/index.html").read_text())
    cited = article((site / "papers/vaswani2017attention/index.html").read_text())
    assert "Cites in this course" in text_of(citing) and "Cited by" not in text_of(citing)
    assert re.search(r'<a href="\.\./vaswani2017attention/">Attention Is All You Need</a>', citing)
    assert "Cited by in this course" in text_of(cited)
    assert '<a href="../a2020/">Citing paper</a>' in cited
    assert "nobody2000" not in citing
    page = (site / "map/index.html").read_text()
    assert 'data-a="a2020" data-b="vaswani2017attention"' in page
    assert "Show the citations between papers (1)" in page


def test_recorded_works_are_not_modified_on_disk() -> None:
    works = json.loads(RECORDED.read_text(encoding="utf-8"))["results"]
    assert copy.deepcopy(works) == works and works[3]["doi"] is None

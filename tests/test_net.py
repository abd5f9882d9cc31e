"""kb.net against a loopback server answering with recorded arXiv and Crossref responses
(tests/data/net/SOURCES.md names the repository and path each came from)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from net_helpers import DATA, NetServer, Reply, crossref_file, start_server
from kb.net import arxiv, crossref
from kb.net.client import PoliteClient
from kb.net.errors import BadResponseError, OfflineError, ServiceError, NetTimeoutError
from kb.net.lookup import parse_identifier

ODD_DOI = "10.1002/(SICI)1097-0185(19990415)257:2<73::AID-AR8>3.0.CO;2-B"


@pytest.fixture
def server() -> Iterator[NetServer]:
    srv = start_server()
    yield srv
    srv.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[PoliteClient]:
    sleeps: list[float] = []
    with PoliteClient(cache_dir=tmp_path / "net", timeout=2.0, backoff=0.01,
                      sleep=sleeps.append) as c:
        c.sleeps = sleeps  # type: ignore[attr-defined]
        yield c


@pytest.mark.parametrize("text,kind,value", [
    ("arxiv:2203.02155", "arxiv", "2203.02155"),
    ("arXiv:2203.02155v3", "arxiv", "2203.02155"),
    ("2203.02155", "arxiv", "2203.02155"),
    ("hep-th/9901001", "arxiv", "hep-th/9901001"),
    ("https://arxiv.org/abs/2203.02155v1", "arxiv", "2203.02155"),
    ("https://arxiv.org/pdf/2203.02155.pdf", "arxiv", "2203.02155"),
    ("http://export.arxiv.org/abs/hep-th/9901001v2", "arxiv", "hep-th/9901001"),
    ("10.48550/arXiv.2203.02155", "arxiv", "2203.02155"),
    ("doi:10.1145/3184558.3186235", "doi", "10.1145/3184558.3186235"),
    ("10.1145/3184558.3186235", "doi", "10.1145/3184558.3186235"),
    ("https://doi.org/10.1145/3184558.3186235", "doi", "10.1145/3184558.3186235"),
    ("https://dx.doi.org/10.1002/%28SICI%291097-0185", "doi", "10.1002/(SICI)1097-0185"),
    ("doi.org/10.1145/3184558.3186235", "doi", "10.1145/3184558.3186235"),
    ("arxiv.org/abs/2203.02155", "arxiv", "2203.02155"),
    (ODD_DOI, "doi", ODD_DOI),
])
def test_identifiers_as_people_paste_them(text: str, kind: str, value: str) -> None:
    ident = parse_identifier(text)
    assert (ident.kind, ident.value, ident.text) == (kind, value, text)


@pytest.mark.parametrize("text", ["attention", "arxiv:12345", "https://arxiv.org/abs/", "10.12/x"])
def test_unreadable_identifiers_say_what_ids_look_like(text: str) -> None:
    with pytest.raises(ValueError, match="arXiv id"):
        parse_identifier(text)


def test_arxiv_found(server: NetServer, client: PoliteClient) -> None:
    found = arxiv.fetch(client, server.arxiv_url, ["1605.08386"])
    record = found["1605.08386"]
    assert record is not None and record.version == "1"
    paper = record.to_paper()
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.authors == ["Stanley, Caprice", "Windisch, Tobias"]
    assert (paper.year, paper.arxiv, paper.type) == (2016, "1605.08386", "misc")
    assert paper.url == "https://arxiv.org/abs/1605.08386"
    assert paper.abstract is not None and paper.abstract.startswith("Graphs on lattice points")
    assert paper.venue is None and paper.doi is None
    [(path, headers)] = server.log
    assert path == "/api/query?id_list=1605.08386&max_results=1"
    assert headers["User-Agent"].startswith("kb/")


def test_arxiv_unknown_id_is_an_empty_feed(server: NetServer, client: PoliteClient) -> None:
    assert arxiv.fetch(client, server.arxiv_url, ["0000.0000"]) == {"0000.0000": None}


def test_arxiv_batches_ids_in_one_request(server: NetServer, client: PoliteClient) -> None:
    found = arxiv.fetch(client, server.arxiv_url, ["0808.05394", "1707.08567v1"])
    assert found["0808.05394"] is None
    record = found["1707.08567"]
    assert record is not None and record.title.startswith("Proceedings of Workshop AEW10")
    assert record.authors[4] == "de With, Peter H. N."
    assert server.requests() == ["/api/query?id_list=0808.05394,1707.08567&max_results=2"]


def test_arxiv_old_style_id_and_journal_reference(server: NetServer, client: PoliteClient) -> None:
    record = arxiv.fetch(client, server.arxiv_url, ["astro-ph/0601001"])["astro-ph/0601001"]
    assert record is not None
    paper = record.to_paper()
    assert paper.arxiv == "astro-ph/0601001" and paper.type == "article"
    assert paper.venue == record.journal_ref and paper.venue.startswith("ActaAstron.56")


def test_arxiv_error_entry(server: NetServer, client: PoliteClient) -> None:
    with pytest.raises(ServiceError, match="HTTP 400: incorrect id format for abc"):
        arxiv.fetch(client, server.arxiv_url, ["abc"])


@pytest.mark.parametrize("body,message", [
    ((DATA / "arxiv" / "1605.08386.xml").read_text("utf-8")[:700], "not well-formed XML"),
    ('<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa">]><feed>&a;</feed>', "DOCTYPE"),
    ("<html><body>Service unavailable</body></html>", "not an Atom feed"),
])
def test_arxiv_malformed_answers(server: NetServer, client: PoliteClient, body: str,
                                 message: str) -> None:
    server.arxiv["1605.08386"] = [Reply(200, body)]
    with pytest.raises(BadResponseError, match=message) as caught:
        arxiv.fetch(client, server.arxiv_url, ["1605.08386"])
    assert "arXiv 1605.08386" in str(caught.value)


def test_crossref_journal_article(server: NetServer, client: PoliteClient) -> None:
    paper = crossref.fetch(client, server.crossref_url, "10.1371/journal.pone.0033693")
    assert paper is not None
    assert paper.title.startswith("Methylphenidate Exposure Induces Dopamine Neuron Loss")
    assert (paper.type, paper.venue, paper.year) == ("article", "PLoS ONE", 2012)
    assert paper.authors[0] == "Sadasivan, Shankar"
    assert paper.doi == "10.1371/journal.pone.0033693"
    assert paper.url == "https://doi.org/10.1371/journal.pone.0033693"
    assert paper.bibtex["number"] == "3" and "publisher" in paper.bibtex


def test_crossref_conference_paper_and_jats_abstract(server: NetServer, client: PoliteClient) -> None:
    paper = crossref.fetch(client, server.crossref_url, "10.1145/3184558.3186235")
    assert paper is not None and paper.type == "inproceedings"
    assert paper.venue is not None and "Web Conference 2018" in paper.venue
    abstract = crossref.fetch(client, server.crossref_url, "10.32396/usurj.v1i1.55")
    assert abstract is not None and abstract.abstract
    assert "<" not in abstract.abstract and not abstract.abstract.lower().startswith("abstract")


def test_crossref_not_found(server: NetServer, client: PoliteClient) -> None:
    assert crossref.fetch(client, server.crossref_url, "10.1371/notarealdoi") is None


def test_crossref_malformed_json(server: NetServer, client: PoliteClient) -> None:
    good = crossref_file("10.1371-journal.pone.0033693.json")
    server.crossref["10.1371/journal.pone.0033693"] = [Reply(200, good.body[:500], "application/json")]
    with pytest.raises(BadResponseError, match="not valid JSON"):
        crossref.fetch(client, server.crossref_url, "10.1371/journal.pone.0033693")


def test_doi_with_odd_characters_is_percent_encoded(server: NetServer, client: PoliteClient) -> None:
    server.crossref[ODD_DOI] = [crossref_file("10.1371-notarealdoi-404.txt")]
    assert crossref.fetch(client, server.crossref_url, ODD_DOI) is None
    assert server.requests() == ["/crossref/works/10.1002/%28SICI%291097-0185%2819990415%29257"
                                 "%3A2%3C73%3A%3AAID-AR8%3E3.0.CO%3B2-B"]


def test_429_then_success_waits_as_told(server: NetServer, client: PoliteClient) -> None:
    ok = crossref_file("10.1371-journal.pone.0033693.json")
    server.crossref["10.1371/journal.pone.0033693"] = [
        Reply(429, "Too Many Requests", "text/plain", {"Retry-After": "2"}), ok]
    paper = crossref.fetch(client, server.crossref_url, "10.1371/journal.pone.0033693")
    assert paper is not None and paper.venue == "PLoS ONE"
    assert client.sleeps == [2.0]  # type: ignore[attr-defined]
    assert len(server.log) == 2


def test_5xx_retried_with_back_off_then_reported(server: NetServer, client: PoliteClient) -> None:
    server.arxiv["1605.08386"] = [Reply(503, "busy", "text/plain")]
    with pytest.raises(ServiceError, match="HTTP 503 Service Unavailable 4 times"):
        arxiv.fetch(client, server.arxiv_url, ["1605.08386"])
    assert client.sleeps == [0.01, 0.02, 0.04]  # type: ignore[attr-defined]


def test_timeout(server: NetServer, tmp_path: Path) -> None:
    server.arxiv["1605.08386"] = [Reply(200, "late", delay=1.0)]
    with PoliteClient(timeout=0.2, retries=1, backoff=0.0, sleep=lambda s: None) as client, \
            pytest.raises(NetTimeoutError, match=r"arXiv 1605\.08386: .* did not answer in time "
                                               r"\(0\.2 s, 2 tries\)"):
        arxiv.fetch(client, server.arxiv_url, ["1605.08386"])


def test_offline_names_the_id_and_what_to_do(tmp_path: Path) -> None:
    closed = NetServer()
    url = closed.crossref_url
    closed.close()
    with PoliteClient(sleep=lambda s: None) as client, pytest.raises(OfflineError) as caught:
        crossref.fetch(client, url, "10.1371/journal.pone.0033693")
    assert "DOI 10.1371/journal.pone.0033693: cannot reach 127.0.0.1" in str(caught.value)
    assert "check the network connection" in str(caught.value)


def test_cache_answers_a_rerun_without_asking(server: NetServer, tmp_path: Path) -> None:
    for _ in range(2):
        with PoliteClient(cache_dir=tmp_path / "net") as client:
            assert arxiv.fetch(client, server.arxiv_url, ["1605.08386"])["1605.08386"]
            assert crossref.fetch(client, server.crossref_url, "10.1371/notarealdoi") is None
    assert len(server.log) == 2 and client.requests == 0


def test_errors_are_not_cached(server: NetServer, tmp_path: Path) -> None:
    server.arxiv["1605.08386"] = [Reply(503, "busy", "text/plain"), Reply(503, "busy", "text/plain"),
                                  (server.arxiv["1605.08386"][0])]
    with PoliteClient(cache_dir=tmp_path / "net", retries=0, sleep=lambda s: None) as client:
        with pytest.raises(ServiceError):
            arxiv.fetch(client, server.arxiv_url, ["1605.08386"])
        with pytest.raises(ServiceError):
            arxiv.fetch(client, server.arxiv_url, ["1605.08386"])
        assert arxiv.fetch(client, server.arxiv_url, ["1605.08386"])["1605.08386"]


def test_rate_limit_spaces_requests_to_one_host(server: NetServer) -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    host = server.arxiv_url.split("/")[2]
    with PoliteClient(intervals={host: 3.0}, clock=lambda: now[0], sleep=sleep) as client:
        arxiv.fetch(client, server.arxiv_url, ["1605.08386"])
        now[0] += 1.0
        arxiv.fetch(client, server.arxiv_url, ["0000.0000"])
        arxiv.fetch(client, server.arxiv_url, ["astro-ph/0601001"])
        crossref.fetch(client, server.crossref_url, "10.1371/notarealdoi")  # same host here
    assert sleeps == [2.0, 3.0, 3.0]


def test_withdrawn_paper_is_added_with_a_note(server: NetServer, client: PoliteClient) -> None:
    # No recorded feed of a withdrawn paper was found in public test data: this is the
    # recorded 1605.08386 feed with its arxiv:comment changed to arXiv's withdrawal wording.
    from kb.net import Endpoints, look_up

    recorded = server.arxiv["1605.08386"][0].body
    assert "<arxiv:comment>20 pages, 3 figures</arxiv:comment>" in recorded
    server.arxiv["1605.08386"] = [Reply(200, recorded.replace(
        "20 pages, 3 figures", "This paper has been withdrawn by the authors"))]
    [found] = look_up(client, Endpoints(server.arxiv_url, server.crossref_url),
                      [parse_identifier("1605.08386")])
    assert found.paper is not None and found.error is None
    assert found.notes == ["arXiv marks 1605.08386 as withdrawn: This paper has been withdrawn "
                           "by the authors"]

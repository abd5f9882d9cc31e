"""`kb add` against a hostile loopback server (issue 25, the network part).

Each hostile answer (a slow or endless body, a gzip bomb, a redirect loop, JSON nested
100,000 deep, fields of the wrong type, '..' in a DOI, answers about another id, a huge
Retry-After, a captive portal's page, terminal control sequences in a title) must end in
the exit code and the exact message, no traceback, nothing changed in the course, and no
answer kept that should not be. No test sleeps: waits go to the fixture's fake sleep, and the
one real-time test (the deadline) runs with a deadline of 0.3 s.
"""

from __future__ import annotations

import copy
import io
import json
import re
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

import kb.curate.services
from conftest import run, snapshot
from net_helpers import NetServer, Reply, crossref_file
from kb.net import arxiv, crossref
from kb.net.cache import DAY
from kb.net.client import PoliteClient
from kb.net.errors import TooLargeError

ARXIV = "1605.08386"
DOI = "10.1371/journal.pone.0033693"
CROSSREF_FIX = ("  fix: check KB_CROSSREF_API / crossref_api points at Crossref's REST API "
                "(/works/{doi})\n")
ARXIV_FIX = "  fix: check KB_ARXIV_API / arxiv_api points at arXiv's API\n"
DOTS = "it holds a '.' or '..' segment, which would change the address asked"


def _bomb(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, gzip-compressed (about 1 KB per MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


BOMB = _bomb(100)


@pytest.fixture
def host(net: NetServer) -> str:
    return net.arxiv_url.split("/")[2]


@pytest.fixture
def recorded() -> dict[str, object]:
    """Crossref's recorded answer for DOI, to make hostile by hand."""
    return json.loads(crossref_file("10.1371-journal.pone.0033693.json").body)


def feed(net: NetServer) -> str:
    return net.arxiv[ARXIV][0].body


def fails(course: Path, *args: str) -> Result:
    """`kb add ARGS` that must fail cleanly: exit 1, no traceback, the course unchanged."""
    before = snapshot(course)
    result = run(course, "add", *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert snapshot(course) == before
    return result


def answered(net: NetServer, message: dict[str, object]) -> None:
    net.crossref[DOI] = [Reply(200, json.dumps(message), "application/json")]


# ---------------------------------------------------------------- time and size

def test_slow_body_ends_at_the_deadline(course: Path, net: NetServer, host: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_NET_DEADLINE", "0.3")
    net.arxiv[ARXIV] = [Reply(200, feed(net), drip=0.02)]  # ~1,900 bytes: 38 s at this pace
    start = time.monotonic()
    result = fails(course, ARXIV)
    elapsed = time.monotonic() - start
    assert result.output == (
        f"{ARXIV}: failed: arXiv {ARXIV}: {host} did not send its whole answer within 0.3 s\n"
        "  fix: try again later; on a slow link allow more time with KB_NET_DEADLINE=60 "
        "(seconds)\n"
        "1 failed; 1 request sent\n")
    assert elapsed < 1.5  # the deadline, not the 2 s read timeout or the body's 38 s
    assert net.sleeps == []  # type: ignore[attr-defined] # an overrun deadline is not retried


def test_bad_deadline_setting_is_a_clear_error(course: Path, net: NetServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_NET_DEADLINE", "soon")
    result = run(course, "add", ARXIV)
    assert (result.exit_code, result.output) == (2, (
        "Error: KB_NET_DEADLINE is 'soon', not a number of seconds between 0 and 3600\n"
        "  fix: set it to e.g. 60, or unset it (30 s)\n"))
    assert net.log == []


def test_endless_body_stops_at_the_size_cap(course: Path, net: NetServer, host: str) -> None:
    net.arxiv[ARXIV] = [Reply(200, endless=True)]
    result = fails(course, ARXIV)
    assert result.output == (
        f"{ARXIV}: failed: arXiv {ARXIV}: the answer of {host} is larger than 5 MB (counted "
        "after decompression); not read\n"
        "  fix: check the endpoint points at the service's API; its answers are far smaller\n"
        "1 failed; 1 request sent\n")


def test_gzip_bomb_stops_at_the_size_cap(course: Path, net: NetServer, host: str) -> None:
    assert len(BOMB) < 200_000  # 100 MB of zeros
    net.crossref[DOI] = [Reply(200, data=BOMB, content_type="application/json",
                               headers={"Content-Encoding": "gzip"})]
    result = fails(course, DOI)
    assert result.output == (
        f"{DOI}: failed: DOI {DOI}: the answer of {host} is larger than 5 MB (counted after "
        "decompression); not read\n"
        "  fix: check the endpoint points at the service's API; its answers are far smaller\n"
        "1 failed; 1 request sent\n")


def test_gzip_bomb_is_inflated_no_further_than_the_cap(net: NetServer) -> None:
    net.crossref[DOI] = [Reply(200, data=BOMB, content_type="application/json",
                               headers={"Content-Encoding": "gzip"})]
    tracemalloc.start()
    try:
        with PoliteClient(sleep=lambda s: None) as client, pytest.raises(TooLargeError):
            crossref.fetch(client, net.crossref_url, DOI)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 ** 2  # the 5 MB read, not the 100 MB it would inflate to


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_answers_are_read(net: NetServer, encoding: str) -> None:
    body = feed(net).encode("utf-8")
    packed = zlib.compress(body) if encoding == "deflate" else _gzip(body)
    net.arxiv[ARXIV] = [Reply(200, data=packed, headers={"Content-Encoding": encoding})]
    with PoliteClient(sleep=lambda s: None) as client:
        record = arxiv.fetch(client, net.arxiv_url, [ARXIV])[ARXIV]
    assert record is not None and record.title == "Heat-bath random walks with Markov bases"
    [(_, headers)] = net.log
    assert headers["Accept-Encoding"] == "gzip, deflate"


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(data) + packer.flush()


def test_unasked_encoding_is_refused(course: Path, net: NetServer) -> None:
    net.arxiv[ARXIV] = [Reply(200, data=b"\x00\x01", headers={"Content-Encoding": "br"})]
    result = fails(course, ARXIV)
    assert result.output == (
        f"{ARXIV}: failed: arXiv {ARXIV}: the answer is encoded as 'br', which kb did not ask "
        "for (it asks for gzip, deflate)\n"
        "  fix: check the endpoint points at the service's API\n"
        "1 failed; 1 request sent\n")


def test_redirect_loop_is_an_error(course: Path, net: NetServer, host: str) -> None:
    path = f"/api/query?id_list={ARXIV}&max_results=1"
    net.arxiv[ARXIV] = [Reply(302, headers={"Location": path})]
    result = fails(course, ARXIV)
    assert result.output == (
        f"{ARXIV}: failed: arXiv {ARXIV}: {host} redirected more than 5 times (last to "
        f"http://{host}{path}); a loop?\n"
        "  fix: check the endpoint (KB_ARXIV_API / KB_CROSSREF_API or the arxiv_api / "
        "crossref_api options) and try again later\n"
        "1 failed; 1 request sent\n")
    assert len(net.log) == 6


def test_retry_after_beyond_the_cap_gives_up_at_once(course: Path, net: NetServer,
                                                     host: str) -> None:
    net.arxiv[ARXIV] = [Reply(429, "slow down", "text/plain", {"Retry-After": "100000"})]
    result = fails(course, ARXIV)
    assert result.output == (
        f"{ARXIV}: failed: arXiv {ARXIV}: {host} answered HTTP 429 Too Many Requests and asked "
        "to wait 100000 s before asking again (Retry-After), longer than kb waits (60 s)\n"
        "  fix: try again later\n"
        "1 failed; 1 request sent\n")
    assert net.sleeps == []  # type: ignore[attr-defined]


def test_a_long_wait_is_announced_on_stderr(course: Path, net: NetServer, host: str) -> None:
    net.arxiv[ARXIV] = [Reply(429, "slow down", "text/plain", {"Retry-After": "30"}),
                        net.arxiv[ARXIV][0]]
    result = run(course, "add", ARXIV)
    assert result.exit_code == 0
    assert result.stderr == (f"arXiv {ARXIV}: {host} answered HTTP 429 Too Many Requests; "
                             "waiting 30 s before asking again...\n")
    assert result.stdout.endswith("1 added; 2 requests sent\n")
    assert net.sleeps[0] == 30.0  # type: ignore[attr-defined]
    quiet = run(course, "--quiet", "add", "--refresh", "0000.0000")
    assert quiet.stderr == ""


# ---------------------------------------------------------------- malformed answers

def test_json_nested_100000_deep(course: Path, net: NetServer) -> None:
    net.crossref[DOI] = [Reply(200, "[" * 100_000 + "]" * 100_000, "application/json")]
    result = fails(course, DOI)
    assert result.output == (
        f"{DOI}: failed: DOI {DOI}: the Crossref answer is JSON nested deeper than kb reads "
        "(64 levels)\n"
        "  fix: try again later; if it persists, " + CROSSREF_FIX[7:] +
        "1 failed; 1 request sent\n")
    nested: object = "x"
    for _ in range(100):  # deeper than kb reads, shallower than Python's recursion limit
        nested = [nested]
    net.crossref[DOI] = [Reply(200, json.dumps({"message": nested}), "application/json")]
    assert "nested deeper than kb reads (64 levels)" in fails(course, DOI).output



@pytest.mark.parametrize("field,value,message", [
    ("issued", {"date-parts": [[10 ** 100]]},
     "the Crossref answer's issued: year 100000000000... (101 digits) is outside 1600-"),
    ("issued", {"date-parts": [[-5, 1]]}, "the Crossref answer's issued: year -5 is outside 1600-"),
    ("issued", {"date-parts": [["2020"]]}, "the Crossref answer's issued.date-parts is text "
                                          "('2020') where a year (a whole number) belongs"),
    ("issued", {"date-parts": [[True]]}, "the Crossref answer's issued.date-parts is true (True) "
                                        "where a year (a whole number) belongs"),
    ("issued", "2020", "the Crossref answer's issued is text ('2020') where an object belongs"),
    ("issued", {"date-parts": "2020"}, "the Crossref answer's issued.date-parts is text ('2020') "
                                       "where a list of [year, month, day] lists belongs"),
    ("title", [["A title"]], "the Crossref answer's title is a list ([['A title']]) where a "
                             "list of texts belongs"),
    ("title", {"en": "A title"}, "the Crossref answer's title is an object ({'en': 'A title'}) "
                                 "where a list of texts belongs"),
    ("title", [], "the Crossref answer holds no work with a title"),
    ("volume", {"x": 1}, "the Crossref answer's volume is an object ({'x': 1}) where text belongs"),
    ("author", [{"family": ["Sadasivan"]}], "the Crossref answer's author[0].family is a list "
                                            "(['Sadasivan']) where text belongs"),
    ("author", "Sadasivan", "the Crossref answer's author is text ('Sadasivan') where a list of "
                            "objects belongs"),
    ("type", 7, "the Crossref answer's type is a number (7) where text belongs"),
])
def test_fields_of_the_wrong_type_or_range(course: Path, net: NetServer,
                                           recorded: dict[str, dict[str, object]], field: str,
                                           value: object, message: str) -> None:
    hostile = copy.deepcopy(recorded)
    hostile["message"][field] = value
    answered(net, hostile)
    lines = fails(course, DOI).output.splitlines()
    assert lines[0].startswith(f"{DOI}: failed: DOI {DOI}: {message}")
    assert lines[1:] == [CROSSREF_FIX.rstrip("\n"), "1 failed; 1 request sent"]


def test_nan_and_infinity_are_not_json(course: Path, net: NetServer,
                                       recorded: dict[str, dict[str, object]]) -> None:
    text = json.dumps(recorded).replace('"volume": "7"', '"volume": NaN')
    assert "NaN" in text
    net.crossref[DOI] = [Reply(200, text, "application/json")]
    assert fails(course, DOI).output.splitlines()[0] == (
        f"{DOI}: failed: DOI {DOI}: the Crossref answer is not valid JSON (NaN is not a JSON "
        "number)")


def test_arxiv_year_out_of_range(course: Path, net: NetServer) -> None:
    net.arxiv[ARXIV] = [Reply(200, feed(net).replace("<published>2016", "<published>0005"))]
    result = fails(course, ARXIV)
    assert result.output.startswith(
        f"{ARXIV}: failed: arXiv {ARXIV}: arXiv's entry for '{ARXIV}' is published in a year no "
        "paper has (year 5 is outside 1600-")
    assert result.output.endswith(ARXIV_FIX + "1 failed; 1 request sent\n")


# ---------------------------------------------------------------- ids and paths

def test_dot_segments_in_dois_are_refused_before_any_request(course: Path, net: NetServer) -> None:
    result = fails(course, "10.1234/../../../admin", "doi:10.1234/a/../../b",
                   "https://doi.org/10.1234/%2e%2e/admin", "10.1234/x\x1b]0;owned\x07")
    assert result.output == (
        f"10.1234/../../../admin: failed: '10.1234/../../../admin' is not a DOI kb can ask for: "
        f"{DOTS}\n"
        f"doi:10.1234/a/../../b: failed: 'doi:10.1234/a/../../b' is not a DOI kb can ask for: "
        f"{DOTS}\n"
        "https://doi.org/10.1234/%2e%2e/admin: failed: 'https://doi.org/10.1234/%2e%2e/admin' "
        f"is not a DOI kb can ask for: {DOTS}\n"
        "10.1234/x\\x1b]0;owned\\x07: failed: '10.1234/x\\x1b]0;owned\\x07' is not a DOI kb "
        "can ask for: it holds the character \\x1b\n"
        "4 failed; 0 requests sent\n")
    assert net.log == []


def test_a_dot_segment_never_reaches_the_path_from_the_library(net: NetServer) -> None:
    from kb.net.errors import BadIdError

    with PoliteClient(sleep=lambda s: None) as client, pytest.raises(BadIdError) as caught:
        crossref.fetch(client, net.crossref_url, "10.1234/a/../../b")
    assert str(caught.value) == ("DOI '10.1234/a/../../b': not asked for: " + DOTS +
                                 "\n  fix: check the DOI (it looks like 10.1000/xyz)")
    assert net.log == []


def test_arxiv_doi_cannot_steer_the_crossref_request(course: Path, net: NetServer) -> None:
    net.arxiv[ARXIV] = [Reply(200, feed(net).replace(
        "</published>", "</published>\n    <arxiv:doi>10.1234/../../admin</arxiv:doi>"))]
    result = fails(course, ARXIV)
    assert result.output == (
        f"{ARXIV}: failed: arXiv {ARXIV}: arXiv's entry for '{ARXIV}' gives the DOI "
        f"'10.1234/../../admin', which kb cannot use: {DOTS}\n" + ARXIV_FIX +
        "1 failed; 1 request sent\n")
    assert net.requests("/crossref") == []


def test_crossref_answer_about_another_doi_is_refused(course: Path, net: NetServer) -> None:
    net.crossref[DOI] = [crossref_file("10.1371-journal.pone.0020476.json")]
    result = fails(course, DOI)
    assert result.output == (
        f"{DOI}: failed: DOI {DOI}: the Crossref answer is about DOI "
        "'10.1371/journal.pone.0020476', not the DOI asked for; not used\n" + CROSSREF_FIX +
        "1 failed; 1 request sent\n")
    assert not (course / ".kb" / "net").exists() or not list((course / ".kb" / "net").rglob("*.json"))


def test_doi_case_does_not_matter(course: Path, net: NetServer) -> None:
    net.crossref[DOI.upper()] = net.crossref[DOI]
    result = run(course, "add", DOI.upper())
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{DOI.upper()}: added papers/sadasivan2012methylphenidate.md")
    assert f"doi: {DOI}\n" in (course / "papers" / "sadasivan2012methylphenidate.md").read_text(
        encoding="utf-8")  # Crossref's spelling


def test_arxiv_answer_about_another_id_is_refused(course: Path, net: NetServer) -> None:
    net.arxiv[ARXIV] = [Reply(200, feed(net).replace(f"abs/{ARXIV}v1", "abs/2203.02155v1"))]
    result = fails(course, ARXIV)
    assert result.output == (
        f"{ARXIV}: failed: arXiv {ARXIV}: the arXiv answer holds entries for ids not asked "
        "for ('2203.02155'); not used\n" + ARXIV_FIX + "1 failed; 1 request sent\n")


# ---------------------------------------------------------------- what is kept in .kb/net

KEPT_NOTE = ("  note: this answer was kept in .kb/net/ (a not-found answer for a day); "
             "--refresh asks again\n")
NOT_FOUND = (f"{DOI}: failed: Crossref knows no DOI {DOI}\n"
             f"  fix: check the DOI on https://doi.org/{DOI} (DataCite DOIs, e.g. of Zenodo, "
             "are not in Crossref)\n")


@pytest.fixture
def wall(net: NetServer) -> Iterator[list[float]]:
    """The client's wall clock, to move past a kept answer's time."""
    now = [1_700_000_000.0]
    kb.curate.services.CLIENT_OPTIONS["now"] = lambda: now[0]
    yield now


def test_not_found_is_kept_a_day_then_asked_again(course: Path, net: NetServer,
                                                  wall: list[float]) -> None:
    net.crossref[DOI] = [crossref_file("10.1371-notarealdoi-404.txt"), net.crossref[DOI][0]]
    assert fails(course, DOI).output == NOT_FOUND + "1 failed; 1 request sent\n"
    wall[0] += DAY - 60
    assert fails(course, DOI).output == (
        NOT_FOUND + KEPT_NOTE +
        "1 failed; 0 requests sent, 1 answer from the cache in .kb/net/ (--refresh asks again)\n")
    wall[0] += 61  # a day after the 404: asked again
    result = run(course, "add", DOI)
    assert result.exit_code == 0 and result.output.endswith("1 added; 1 request sent\n")
    assert len(net.log) == 2


def test_refresh_asks_again_and_keeps_the_new_answer(course: Path, net: NetServer,
                                                     wall: list[float]) -> None:
    net.crossref[DOI] = [crossref_file("10.1371-notarealdoi-404.txt"), net.crossref[DOI][0]]
    fails(course, DOI)
    result = run(course, "add", "--dry-run", "--refresh", DOI)
    assert result.exit_code == 0 and result.output.endswith(
        "1 added; 1 request sent (dry run: nothing was written)\n")
    wall[0] += 29 * DAY  # the record is kept 30 days
    result = run(course, "add", DOI)
    assert result.exit_code == 0 and result.output.endswith(
        "1 added; 0 requests sent, 1 answer from the cache in .kb/net/ (--refresh asks again)\n")
    assert len(net.log) == 2


def test_captive_portal_page_is_not_kept(course: Path, net: NetServer, host: str) -> None:
    portal = ("<!DOCTYPE html><html><head><title>Sign in to CampusWiFi</title></head>"
              "<body><form action='/login'><input name=user></form></body></html>")
    net.arxiv[ARXIV] = [Reply(200, portal, "text/html"), net.arxiv[ARXIV][0]]
    net.crossref[DOI] = [Reply(404, portal, "text/html"), net.crossref[DOI][0]]
    result = fails(course, ARXIV, DOI)
    assert result.output == (
        f"{ARXIV}: failed: arXiv {ARXIV}: the arXiv answer declares a DOCTYPE or entities, "
        "which an arXiv feed never does; not read\n" + ARXIV_FIX +
        f"{DOI}: failed: DOI {DOI}: Crossref answered HTTP 404 (an HTML page, not Crossref's): "
        "Sign in to CampusWiFi\n" + CROSSREF_FIX +
        "2 failed; 2 requests sent\n")
    again = run(course, "add", ARXIV, DOI)
    assert again.exit_code == 0 and again.output.endswith("2 added; 2 requests sent\n")


def test_damaged_or_future_cache_entries_are_asked_again(net: NetServer, tmp_path: Path) -> None:
    def fetch_once(now: float) -> int:
        with PoliteClient(cache_dir=tmp_path, sleep=lambda s: None, now=lambda: now) as client:
            assert crossref.fetch(client, net.crossref_url, DOI) is not None
            return client.requests

    assert fetch_once(1000.0) == 1
    assert fetch_once(1000.0 + 29 * DAY) == 0
    [entry] = tmp_path.rglob("*.json")
    kept = json.loads(entry.read_text(encoding="utf-8"))
    assert kept["keep"] == 30 * DAY and kept["fetched"] == 1000.0
    entry.write_text(json.dumps({**kept, "fetched": 1000.0 + 2 * DAY}), encoding="utf-8")
    assert fetch_once(1000.0) == 1  # fetched "in the future": not trusted
    entry.write_text(entry.read_text(encoding="utf-8")[:50], encoding="utf-8")
    assert fetch_once(1000.0) == 1


# ---------------------------------------------------------------- what reaches files and terminals

HOSTILE_TITLE = ("Clipboard\x1b]52;c;ZWNobyBvd25lZA==\x07 and title\x1b]0;owned\x07 "
                 "\x9b31m\u202eevil\u202c\u200b end")
ESCAPED_TITLE = ("Clipboard\\x1b]52;c;ZWNobyBvd25lZA==\\x07 and title\\x1b]0;owned\\x07 "
                 "\\x9b31m\\u202eevil\\u202c\\u200b end")


def test_control_sequences_from_the_services_never_reach_files_or_terminal(
        course: Path, net: NetServer, recorded: dict[str, dict[str, object]]) -> None:
    hostile = copy.deepcopy(recorded)
    hostile["message"]["title"] = [HOSTILE_TITLE]
    hostile["message"]["container-title"] = ["[bold red]Venue[/] &#27;[2J"]
    answered(net, hostile)
    result = run(course, "add", DOI)
    assert result.exit_code == 0, result.output
    plain = "Clipboard]52;c;ZWNobyBvd25lZA== and title]0;owned 31mevil end"
    assert result.output.splitlines()[0] == (
        f"{DOI}: added papers/sadasivan2012clipboard52czwnobybvd25lza.md: {plain} (2012, "
        "[bold red]Venue[/] [2J)")  # written plain, so kb check passes
    text = (course / "papers" / "sadasivan2012clipboard52czwnobybvd25lza.md").read_text("utf-8")
    assert f"title: {plain}\n" in text and "\\e" not in text
    assert run(course, "check").exit_code == 0


def test_a_hostile_error_body_is_escaped_on_the_terminal_and_in_json(
        course: Path, net: NetServer) -> None:
    net.crossref[DOI] = [Reply(403, HOSTILE_TITLE, "text/plain")]
    result = fails(course, DOI)
    assert result.output == (
        f"{DOI}: failed: DOI {DOI}: Crossref answered HTTP 403: {ESCAPED_TITLE}\n"
        "  fix: check the DOI (it looks like 10.1000/xyz)\n"
        "1 failed; 1 request sent\n")
    raw = fails(course, "--json", DOI).stdout
    assert not any(c in raw for c in "\x1b\x07\x9b\u202e\u202c\u200b")
    assert "\\u001b]52;c;" in raw and "\\u009b31m\\u202eevil\\u202c\\u200b end" in raw
    [entry] = json.loads(raw)["papers"]
    assert entry["message"].startswith(f"DOI {DOI}: Crossref answered HTTP 403: Clipboard\x1b]52")


def test_kb_search_table_escapes_titles_and_keys(course: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kb.search.embed
    from conftest import paper, write
    from kb.search.embed import HashingEmbedder

    monkeypatch.setattr(kb.search.embed, "default_embedder", lambda model: HashingEmbedder(256))
    write(course, "papers/evil.md", paper("evil", title="Reward hacking " + HOSTILE_TITLE,
                                          authors=["Mallory\x1b[8m, Eve"]))
    result = run(course, "search", "reward hacking", "--mode", "keyword")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output and "\x9b" not in result.output
    assert "\\x1b]52;c;" in result.output and "Mallory\\x1b[8m" in result.output
    raw = run(course, "search", "reward hacking", "--mode", "keyword", "--json").stdout
    assert "\\u001b]52" in raw and "\\u202e" in raw and "\u202e" not in raw
    assert json.loads(raw)[0]["title"] == "Reward hacking " + " ".join(HOSTILE_TITLE.split())


def test_wait_line_on_a_rich_terminal_shows_markup_and_controls_as_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    import kb.progress
    from kb.model.terminal import for_terminal

    out = io.StringIO()
    monkeypatch.setattr("rich.console.Console", lambda **kw: Console(file=out, force_terminal=True,
                                                                   color_system="standard"))
    kb.progress.TerminalProgress().phase(for_terminal(
        "DOI 10.1/[bold]x[/bold]\x1b]52;c;AA==\x07: waiting 30 s..."))
    shown = out.getvalue()
    assert "\x1b]" not in shown and "\x07" not in shown  # rich's own colours are ESC [ ... m
    assert re.sub(r"\x1b\[[0-9;]*m", "", shown) == (
        "DOI 10.1/[bold]x[/bold]\\x1b]52;c;AA==\\x07: waiting 30 s...\n")


def test_entity_encoded_tags_are_not_written_as_tags(course: Path, net: NetServer,
                                                     recorded: dict[str, dict[str, object]]) -> None:
    hostile = copy.deepcopy(recorded)
    hostile["message"]["title"] = ["&lt;b&gt;Bold&lt;/b&gt; claims &lt;script&gt;alert(1)"
                                   "&lt;/script&gt; when x &lt; y"]
    answered(net, hostile)
    net.arxiv[ARXIV] = [Reply(200, feed(net).replace(
        "<title>Heat-bath random walks", "<title>&lt;img src=x onerror=alert(1)&gt;Heat-bath "
        "random walks"))]
    result = run(course, "add", DOI, ARXIV)
    assert result.exit_code == 0, result.output
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (course / "papers").glob("*.md")}
    assert "title: Bold claims alert(1) when x < y\n" in texts["sadasivan2012bold"]
    assert "title: Heat-bath random walks with Markov bases\n" in texts["stanley2016heat"]
    assert run(course, "check").exit_code == 0


def test_enrich_refresh_asks_again(course: Path, net: NetServer, wall: list[float]) -> None:
    from conftest import paper, write

    write(course, "papers/plos.md", paper("plos", doi=DOI, venue=None))
    net.crossref[DOI] = [crossref_file("10.1371-notarealdoi-404.txt"), net.crossref[DOI][0]]
    assert run(course, "enrich", "plos").exit_code == 1
    kept = run(course, "enrich", "plos")
    assert kept.exit_code == 1 and kept.output == (
        f"plos: failed: Crossref knows no DOI {DOI}\n"
        f"  fix: check the DOI on https://doi.org/{DOI} (DataCite DOIs, e.g. of Zenodo, are not "
        "in Crossref)\n" + KEPT_NOTE +
        "0 enriched, 1 not, 0 skipped (nothing missing or no id); 0 requests sent, 1 answer "
        "from the cache in .kb/net/ (--refresh asks again)\n")
    fresh = run(course, "enrich", "--refresh", "plos")
    assert fresh.exit_code == 0 and fresh.output.startswith("plos: filled venue (PLoS ONE)")
    assert len(net.log) == 2


def test_kb_import_prints_a_hostile_key_escaped(course: Path) -> None:
    from conftest import write

    bib = write(course, "evil.bib", "@article{evil\x1b]0;owned\x07, title={Evil title}, "
                                    "author={Doe, Jane}, year=2020}\n")
    result = run(course, "import", str(bib))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert result.output.splitlines()[0] == (
        f"{bib}:1: imported evil\\x1b]0;owned\\x07 as doe2020evil (the key "
        "'evil\\x1b]0;owned\\x07' cannot be a file name)")
